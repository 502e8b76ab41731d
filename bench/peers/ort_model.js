// Times one whole ONNX model with ONNX Runtime for Node (npm package
// onnxruntime-node, CPU execution provider), as `simdnn bench` times it:
//
//     node bench/peers/ort_model.js MODEL.onnx [THREADS] [RUNS]
//
// It creates a session with {intraOpNumThreads: THREADS (default 1),
// graphOptimizationLevel: 'all'}, feeds every input the same values as
// the layer benchmarks (bench.InputValue in Go), with free dimensions set
// to 1, runs 5 untimed calls and RUNS (default 30) timed ones, and prints
// the median and best wall time of session.run in milliseconds.

'use strict';

const ort = require('onnxruntime-node');

async function main() {
  const [file, threadsArg, runsArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node ort_model.js MODEL.onnx [THREADS] [RUNS]\n');
    process.exit(2);
  }
  const threads = Number(threadsArg || 1);
  const runs = Number(runsArg || 30);
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });

  const feeds = {};
  for (const name of session.inputNames) {
    const meta = session.inputMetadata.find((m) => m.name === name);
    const shape = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      data[i] = (((i * 7919) % 2001) - 1000) / 1000;
    }
    feeds[name] = new ort.Tensor('float32', data, shape);
  }

  for (let i = 0; i < 5; i++) {
    await session.run(feeds);
  }
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  ms.sort((a, b) => a - b);
  console.log(`${file}: median ${ms[Math.floor(ms.length / 2)].toFixed(3)} ms, best ${ms[0].toFixed(3)} ms over ${runs} runs, ${threads} thread(s), onnxruntime-node ${require('onnxruntime-node/package.json').version}`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
