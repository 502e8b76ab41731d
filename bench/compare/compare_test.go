package main

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simdnn/simdnn/bench"
	"github.com/simdnn/simdnn/bench/report"
)

func TestParseBenchLine(t *testing.T) {
	name, metrics, ok := parseBenchLine("BenchmarkSgemm/gonum/256x256x256         \t      20\t   5000000 ns/op\t         6.712 GFLOPS\t       0 B/op\t       0 allocs/op")
	if !ok {
		t.Fatal("result line not recognised")
	}
	if name != "Sgemm/gonum/256x256x256" {
		t.Errorf("name %q, expected Sgemm/gonum/256x256x256", name)
	}
	if metrics["ns/op"] != 5e6 {
		t.Errorf("ns/op %v, expected 5e6", metrics["ns/op"])
	}
	if metrics["GFLOPS"] != 6.712 {
		t.Errorf("GFLOPS %v, expected 6.712", metrics["GFLOPS"])
	}
	if metrics["allocs/op"] != 0 {
		t.Errorf("allocs/op %v, expected 0", metrics["allocs/op"])
	}

	_, metrics, ok = parseBenchLine("BenchmarkMemoryBound/copy/16KiB \t  665542\t       241.4 ns/op\t135726.73 MB/s")
	if !ok || metrics["MB/s"] != 135726.73 {
		t.Errorf("MB/s line: ok %v, metrics %v", ok, metrics)
	}

	for _, line := range []string{"PASS", "goos: linux", "ok  \tgithub.com/simdnn/simdnn/bench\t3.4s", "BenchmarkPeak"} {
		if _, _, ok := parseBenchLine(line); ok {
			t.Errorf("%q parsed as a result line", line)
		}
	}
}

func TestMedian(t *testing.T) {
	cases := []struct {
		xs   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, c := range cases {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, expected %v", c.xs, got, c.want)
		}
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median(nil) = %v, expected NaN", got)
	}

	xs := []float64{3, 1, 2}
	median(xs)
	if xs[0] != 3 || xs[1] != 1 || xs[2] != 2 {
		t.Errorf("median reordered its argument: %v", xs)
	}
}

func TestUpdateFileReplacesSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	before := "# Title\n\nintro\n" + beginMarker + "\nold tables\n" + endMarker + "\n\nanalysis\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}

	section := beginMarker + "\nnew tables\n" + endMarker + "\n"
	if err := updateFile(path, section); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nintro\n" + section + "\nanalysis\n"
	if string(got) != want {
		t.Errorf("file after update:\n%s\nexpected:\n%s", got, want)
	}

	// A second update gives the same file.
	if err := updateFile(path, section); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(path)
	if string(again) != want {
		t.Errorf("second update changed the file:\n%s", again)
	}
}

func TestUpdateFileWithoutMarkers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(path, []byte("# no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := updateFile(path, beginMarker+"\n"+endMarker+"\n")
	if err == nil || !strings.Contains(err.Error(), "markers") {
		t.Errorf("error %v, expected one about the missing markers", err)
	}
}

// sampleResults returns a run with one compute-bound and one memory-bound
// layer at 1 thread, where ORT is the best peer.
func sampleResults() *report.Results {
	return &report.Results{
		Version: report.ResultsVersion,
		Date:    time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC),
		Machine: report.Machine{CPU: "Test CPU", Cores: 2, Features: []string{"AVX2"}, Go: "go1.26", Kernels: "avx2"},
		Method:  report.Method{Rounds: 2, Warmup: 1, Samples: 3, Threads: []int{1}},
		Engines: []report.Engine{
			{ID: report.EngineSimdnn, Name: "simdnn (avx2)"},
			{ID: report.EngineORT, Name: "onnxruntime-node 1.30.0", Peer: true},
			{ID: report.EngineORTNode, Name: "onnxruntime-node 1.30.0, wall time from Node"},
			{ID: report.EnginePyTorch, Name: "PyTorch 1.13", Peer: true},
		},
		Layers: []report.LayerResult{
			{
				Name: "conv", Title: "conv 3×3", FLOPs: 2e9, Threads: 1,
				MedianMS: map[string]float64{"simdnn": 40, "ort": 20, "ort-node": 25, "pytorch": 30},
			},
			{
				Name: "relu", Title: "ReLU", Bytes: 1e6, Threads: 1,
				MedianMS: map[string]float64{"simdnn": 0.5, "ort": 0.25},
			},
		},
		Checks: []report.Check{
			{Layer: "conv", Engine: report.EngineSimdnn},
			{Layer: "conv", Engine: report.EngineORT, Deviation: 2e-7},
			{Layer: "conv", Engine: report.EnginePyTorch, Deviation: 0.5},
		},
	}
}

func TestMarkdownLayerTable(t *testing.T) {
	md := markdown(sampleResults(), "chart.png")

	for _, want := range []string{
		"| conv 3×3 | 40.0 | 20.0 | 25.0 | 30.0 | 50.0 GFLOPS | 100.0 GFLOPS (ORT) | 0.50 |",
		"| ReLU | 0.500 | 0.250 | – | – | 2.0 GB/s | 4.0 GB/s (ORT) | 0.50 |",
		"MISMATCH above 0.001: PyTorch on conv (0.5)",
		"![Speed of each engine relative to the best peer, 1 thread](chart.png)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if !strings.HasPrefix(md, beginMarker+"\n") || !strings.HasSuffix(md, endMarker+"\n") {
		t.Errorf("Markdown does not start and end with the markers:\n%s", md)
	}
}

func TestBestPeerIgnoresNodeWallTime(t *testing.T) {
	res := sampleResults()
	l := res.Layers[0]
	l.MedianMS["ort-node"] = 1
	best, ms := res.BestPeer(l)
	if best != report.EngineORT || ms != 20 {
		t.Errorf("best peer %s at %v ms, expected ort at 20 ms", best, ms)
	}
}

// TestPeerWorkers runs each peer's worker on the smallest convolution
// layer and checks its protocol and its output against simdnn's. It skips
// a peer that cannot start and the whole test when the layers have not
// been exported.
func TestPeerWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Node and Python")
	}
	o := &options{layersDir: filepath.Join("..", bench.LayersDir), node: "node", python: "/usr/bin/python3"}
	layers, err := bench.ReadLayers(o.layersDir)
	if errors.Is(err, bench.ErrNoLayers) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(layers, func(l bench.Layer) bool { return l.Name == "lenet_conv5x5_1to6_28px" })
	if i < 0 {
		t.Fatal("layer lenet_conv5x5_1to6_28px is not in the manifest")
	}
	model, x, err := layers[i].Load()
	if err != nil {
		t.Fatal(err)
	}
	lr := &layerRun{
		layers:  []loadedLayer{{Layer: layers[i], model: model, input: x}},
		method:  report.Method{Rounds: 1, Warmup: 1, Samples: 2, Threads: []int{1}},
		samples: map[sampleKey][]float64{},
	}

	for _, id := range []string{report.EngineORT, report.EnginePyTorch} {
		t.Run(id, func(t *testing.T) {
			argv, env := peerCommand(o, id, filepath.Join("..", "peers"))
			w, err := startWorker(id, argv, env)
			if err != nil {
				t.Skipf("worker did not start: %v", err)
			}
			lr.workers = []*worker{w}
			defer func() {
				if w.cmd.ProcessState == nil {
					w.kill()
				}
			}()

			checks, err := lr.checkOutputs()
			if err != nil {
				t.Fatal(err)
			}
			if len(checks) != 2 || checks[1].Deviation > checkTolerance {
				t.Errorf("checks %+v, expected the peer within %g of simdnn", checks, checkTolerance)
			}

			if err := lr.timeBlock(id, lr.layers[0], 1); err != nil {
				t.Fatal(err)
			}
			if err := lr.finishWorkers(); err != nil {
				t.Fatal(err)
			}
			key := sampleKey{layers[i].Name, 1, id}
			if got := len(lr.samples[key]); got != 2 {
				t.Errorf("%d samples for %v, expected 2", got, key)
			}
		})
	}
}
