// Times the exported single-layer ONNX models with ONNX Runtime for Node
// (npm package onnxruntime-node, CPU execution provider) on behalf of the
// driver, bench/compare. Not meant to be run by hand.
//
//     node bench/peers/ort_worker.js LAYERS_DIR
//
// The worker reads one JSON request per line on stdin and writes one JSON
// response per line on stdout, so that the driver can interleave it with the
// other engines:
//
//     {"op": "time", "layer": NAME, "threads": N, "warmup": W, "samples": K}
//         runs W untimed and K timed session.run calls and returns
//         {"ms": [...]}, the wall time of each timed call as seen from Node
//     {"op": "check", "layer": NAME}
//         returns {"sum": S, "abs_sum": A} of one output at 1 thread
//     {"op": "finish"}
//         ends profiling and returns {"inside_ms": {"NAME/N": [...]}}, the
//         duration of each timed call inside ONNX Runtime (the profiler's
//         "model_run" events, microsecond resolution), then exits
//
// Errors are returned as {"error": MESSAGE}; the first line written is
// {"engine": "onnxruntime-node VERSION"} once the package has loaded.
//
// Every session is created with {intraOpNumThreads: N, graphOptimizationLevel:
// 'all', enableProfiling: true} and the session option
// session.intra_op.allow_spinning = "0". By default ONNX Runtime's intra-op
// threads spin for a while after each call. In this interleaved comparison
// they then kept the second core busy while simdnn ran, so simdnn's
// 2-thread times were no better than its 1-thread times. The profiler is on for every call because
// the Node binding copies each output into a JavaScript array, which costs
// more than ReLU itself on a 3 MiB tensor. "inside_ms" excludes that copy,
// so it is the figure that the driver compares with simdnn.

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

const ort = require('onnxruntime-node');

const layersDir = process.argv[2];
if (!layersDir) {
  process.stderr.write('usage: node ort_worker.js LAYERS_DIR\n');
  process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(path.join(layersDir, 'layers.json'), 'utf8'));
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnn-ort-profile-'));

// sessions maps "NAME/THREADS" to {session, prefix, input, runs}, where runs
// lists one entry per session.run call: true for a timed call, false for a
// warm-up or check call.
const sessions = new Map();

function findLayer(name) {
  const layer = manifest.layers.find((l) => l.name === name);
  if (!layer) {
    throw new Error(`layer ${name} is not in ${layersDir}/layers.json`);
  }
  return layer;
}

// inputTensor fills the input with the formula of bench.InputValue in Go,
// so that every engine computes on identical values.
function inputTensor(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    data[i] = (((i * 7919) % 2001) - 1000) / 1000;
  }
  return new ort.Tensor('float32', data, shape);
}

async function getSession(name, threads) {
  const key = `${name}/${threads}`;
  let entry = sessions.get(key);
  if (entry) {
    return entry;
  }
  const layer = findLayer(name);
  const prefix = path.join(profileDir, `${name}_${threads}`);
  const session = await ort.InferenceSession.create(path.join(layersDir, layer.file), {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
    enableProfiling: true,
    profileFilePrefix: prefix,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  entry = { session, prefix, input: inputTensor(layer.input), runs: [] };
  sessions.set(key, entry);
  return entry;
}

async function runOnce(entry, timed) {
  const feeds = { [entry.session.inputNames[0]]: entry.input };
  const start = process.hrtime.bigint();
  const outputs = await entry.session.run(feeds);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  entry.runs.push(timed);
  return { ms, output: outputs[entry.session.outputNames[0]] };
}

async function timeLayer(request) {
  const entry = await getSession(request.layer, request.threads);
  for (let i = 0; i < request.warmup; i++) {
    await runOnce(entry, false);
  }
  const ms = [];
  for (let i = 0; i < request.samples; i++) {
    ms.push((await runOnce(entry, true)).ms);
  }
  return { ms };
}

async function checkLayer(request) {
  const entry = await getSession(request.layer, 1);
  const { output } = await runOnce(entry, false);
  let sum = 0;
  let absSum = 0;
  for (const v of output.data) {
    sum += v;
    absSum += Math.abs(v);
  }
  return { sum, abs_sum: absSum };
}

// insideTimes ends profiling on every session and pairs the profiler's
// model_run events, in time order, with the calls recorded in runs.
function insideTimes() {
  const insideMs = {};
  for (const [key, entry] of sessions) {
    entry.session.endProfiling();
    const base = path.basename(entry.prefix) + '_';
    const matches = fs.readdirSync(profileDir).filter((f) => f.startsWith(base));
    if (matches.length !== 1) {
      throw new Error(`${key}: expected one profile file named ${base}*, found ${matches.length}`);
    }
    const events = JSON.parse(fs.readFileSync(path.join(profileDir, matches[0]), 'utf8'));
    const runs = events.filter((e) => e.name === 'model_run').sort((a, b) => a.ts - b.ts);
    if (runs.length !== entry.runs.length) {
      throw new Error(`${key}: the profile has ${runs.length} model_run events for ${entry.runs.length} calls`);
    }
    insideMs[key] = runs.filter((_, i) => entry.runs[i]).map((e) => e.dur / 1000);
  }
  fs.rmSync(profileDir, { recursive: true, force: true });
  return { inside_ms: insideMs };
}

function reply(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

async function main() {
  reply({ engine: `onnxruntime-node ${ort.env.versions.node}` });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    let request;
    try {
      request = JSON.parse(line);
      if (request.op === 'time') {
        reply(await timeLayer(request));
      } else if (request.op === 'check') {
        reply(await checkLayer(request));
      } else if (request.op === 'finish') {
        reply(insideTimes());
        break;
      } else {
        reply({ error: `unknown op ${JSON.stringify(request.op)}` });
      }
    } catch (e) {
      reply({ error: String(e && e.message ? e.message : e) });
    }
  }
  process.exit(0);
}

main();
