// Command compare times simdnn against ONNX Runtime and PyTorch on the
// single-layer ONNX models that bench/layers/export.py writes, and runs the
// Sgemm, FMA peak and memory-bound kernel benchmarks of the bench package.
// It prints the tables as Markdown, writes the results as JSON for
// bench/chart and can replace the generated part of BENCHMARKS.md.
//
// bench/compare.sh runs it with the defaults; run from the bench folder:
//
//	go run ./compare [-rounds 20] [-samples 5] [-json results/compare.json] [-update ../BENCHMARKS.md]
//
// With -render results/compare.json it times nothing and only turns a saved
// run into Markdown, for example after a change to the tables' layout.
//
// simdnn runs inside this process, with GOMAXPROCS set to the thread count
// for each call. The peers run in worker processes (bench/peers) that
// handle one request at a time, so the engines take turns layer by layer
// and never run at the same time. Every engine gets the same input.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/simdnn/simdnn/bench"
	"github.com/simdnn/simdnn/bench/report"
)

type options struct {
	layersDir    string
	rounds       int
	samples      int
	warmup       int
	threads      []int
	peers        []string
	node         string
	python       string
	kernelPasses int
	benchtime    string
	jsonPath     string
	update       string
	chart        string
	render       string
}

func parseFlags() (*options, error) {
	o := &options{}
	flag.StringVar(&o.layersDir, "layers", bench.LayersDir, "folder of layers.json and the ONNX files")
	flag.IntVar(&o.rounds, "rounds", 20, "rounds over all layers, engines and thread counts")
	flag.IntVar(&o.samples, "samples", 5, "timed calls per engine, layer and thread count in each round")
	flag.IntVar(&o.warmup, "warmup", 2, "untimed calls before the timed ones in each round")
	threads := flag.String("threads", "1,2", "comma-separated thread counts")
	peers := flag.String("peers", "ort,pytorch", "comma-separated peer engines to run: ort, pytorch")
	flag.StringVar(&o.node, "node", "node", "Node.js executable for the ONNX Runtime worker")
	flag.StringVar(&o.python, "python", "/usr/bin/python3", "Python executable with torch and onnx for the PyTorch worker")
	flag.IntVar(&o.kernelPasses, "kernel-passes", 20, "runs of the Sgemm, peak and memory benchmarks; 0 skips them")
	flag.StringVar(&o.benchtime, "benchtime", "100ms", "-test.benchtime of each kernel benchmark in a pass")
	flag.StringVar(&o.jsonPath, "json", "results/compare.json", "file to write the results to; empty for none")
	flag.StringVar(&o.update, "update", "", "Markdown file whose generated section to replace with the tables")
	flag.StringVar(&o.render, "render", "", "results JSON to turn into Markdown without timing anything")
	flag.StringVar(&o.chart, "chart", "bench/results/layers-1thread.png", "chart path to link from the Markdown, relative to the -update file; empty for none")
	flag.Parse()

	if o.rounds < 1 || o.samples < 1 || o.warmup < 0 || o.kernelPasses < 0 {
		return nil, errors.New("-rounds and -samples must be at least 1, -warmup and -kernel-passes at least 0")
	}
	for _, field := range strings.Split(*threads, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-threads: invalid thread count %q", field)
		}
		o.threads = append(o.threads, n)
	}
	for _, field := range strings.Split(*peers, ",") {
		switch p := strings.TrimSpace(field); p {
		case report.EngineORT, report.EnginePyTorch:
			o.peers = append(o.peers, p)
		case "":
		default:
			return nil, fmt.Errorf("-peers: unknown engine %q, expected ort or pytorch", p)
		}
	}
	return o, nil
}

// peerCommand returns the command line and extra environment of the
// worker of peer id, whose scripts are in peersDir.
func peerCommand(o *options, id, peersDir string) (argv, env []string) {
	switch id {
	case report.EngineORT:
		return []string{o.node, filepath.Join(peersDir, "ort_worker.js"), o.layersDir}, nil
	case report.EnginePyTorch:
		// PyTorch's OpenMP threads would otherwise spin between calls and
		// take the cores from the engine that runs next.
		return []string{o.python, filepath.Join(peersDir, "torch_worker.py"), o.layersDir}, []string{"OMP_WAIT_POLICY=PASSIVE"}
	}
	panic("unknown peer " + id)
}

// startPeers starts the worker of each requested peer. A peer that cannot
// start is left out with a warning and a line in skipped, so that the
// comparison still runs with the others.
func startPeers(o *options) (workers []*worker, skipped []string) {
	for _, id := range o.peers {
		argv, env := peerCommand(o, id, "peers")
		w, err := startWorker(id, argv, env)
		if err != nil {
			slog.Warn("peer left out", "engine", id, "err", err)
			skipped = append(skipped, fmt.Sprintf("%s: %v", id, firstLine(err.Error())))
			continue
		}
		slog.Info("peer started", "engine", w.name)
		workers = append(workers, w)
	}
	return workers, skipped
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// output prints the Markdown of res and, with -update, writes it into the
// Markdown file.
func output(o *options, res *report.Results) error {
	section := markdown(res, o.chart)
	fmt.Print(section)
	if o.update != "" {
		if err := updateFile(o.update, section); err != nil {
			return err
		}
		slog.Info("updated tables", "file", o.update)
	}
	return nil
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	if o.render != "" {
		res, err := report.ReadResults(o.render)
		if err != nil {
			return err
		}
		return output(o, res)
	}

	res := &report.Results{
		Version: report.ResultsVersion,
		Date:    time.Now().UTC(),
		Machine: describeMachine(),
		Method:  report.Method{Rounds: o.rounds, Warmup: o.warmup, Samples: o.samples, Threads: o.threads},
	}
	res.Engines = []report.Engine{{ID: report.EngineSimdnn, Name: "simdnn (" + res.Machine.Kernels + ")"}}
	res.Machine.Command = strings.Join(append([]string{"go run ./compare"}, os.Args[1:]...), " ")
	res.Machine.LoadBefore = loadAverage()

	layers, err := bench.ReadLayers(o.layersDir)
	if err != nil {
		return err
	}
	lr := &layerRun{method: res.Method, samples: map[sampleKey][]float64{}}
	for _, l := range layers {
		model, x, err := l.Load()
		if err != nil {
			return fmt.Errorf("simdnn cannot load %s: %w", l.File, err)
		}
		lr.layers = append(lr.layers, loadedLayer{Layer: l, model: model, input: x})
	}

	if o.kernelPasses > 0 {
		res.Kernels, err = runKernelPasses(o.kernelPasses, o.benchtime)
		if err != nil {
			return err
		}
	}

	lr.workers, res.Skipped = startPeers(o)
	for _, w := range lr.workers {
		res.Engines = append(res.Engines, report.Engine{ID: w.id, Name: w.name, Peer: true})
		if w.id == report.EngineORT {
			res.Engines = append(res.Engines, report.Engine{ID: report.EngineORTNode, Name: w.name + ", wall time from Node"})
		}
	}
	defer func() {
		for _, w := range lr.workers {
			if w.cmd.ProcessState == nil {
				w.kill()
			}
		}
	}()

	if res.Checks, err = lr.checkOutputs(); err != nil {
		return err
	}
	if err := lr.run(); err != nil {
		return err
	}
	if err := lr.finishWorkers(); err != nil {
		return err
	}
	if res.Layers, err = lr.results(); err != nil {
		return err
	}
	res.Machine.LoadAfter = loadAverage()

	if o.jsonPath != "" {
		data, err := json.MarshalIndent(res, "", " ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(o.jsonPath), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonPath, append(data, '\n'), 0o644); err != nil {
			return err
		}
		slog.Info("wrote results", "file", o.jsonPath)
	}

	return output(o, res)
}

func main() {
	if err := run(); err != nil {
		slog.Error("compare failed", "err", err)
		os.Exit(1)
	}
}
