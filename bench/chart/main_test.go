package main

import (
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/simdnn/simdnn/bench/report"
)

func testResults() *report.Results {
	return &report.Results{
		Version: report.ResultsVersion,
		Engines: []report.Engine{
			{ID: report.EngineSimdnn, Name: "simdnn (avx2)"},
			{ID: report.EngineORT, Name: "onnxruntime-node 1.30.0", Peer: true},
			{ID: report.EnginePyTorch, Name: "PyTorch 1.13", Peer: true},
		},
		Layers: []report.LayerResult{
			{Title: "conv", Threads: 1, MedianMS: map[string]float64{"simdnn": 4, "ort": 2, "pytorch": 8}},
			{Title: "conv", Threads: 2, MedianMS: map[string]float64{"simdnn": 1, "ort": 1, "pytorch": 1}},
			{Title: "ReLU", Threads: 1, MedianMS: map[string]float64{"simdnn": 1, "ort": 3}},
		},
	}
}

func TestRelativeSpeeds(t *testing.T) {
	titles, speeds, err := relativeSpeeds(testResults(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(titles) != 2 || titles[0] != "conv" || titles[1] != "ReLU" {
		t.Fatalf("titles %q, expected [conv ReLU]", titles)
	}
	want := [][]float64{
		{0.5, 3},  // simdnn
		{1, 1},    // ORT
		{0.25, 0}, // PyTorch, which did not run ReLU
	}
	for i := range want {
		for j := range want[i] {
			if speeds[i][j] != want[i][j] {
				t.Errorf("%s on %s: speed %v, expected %v", engines[i].engine, titles[j], speeds[i][j], want[i][j])
			}
		}
	}
}

func TestRelativeSpeedsMissingThreads(t *testing.T) {
	if _, _, err := relativeSpeeds(testResults(), 4); err == nil {
		t.Error("no error for a thread count that was not timed")
	}
}

func TestDrawWritesPNG(t *testing.T) {
	p, err := draw(testResults(), 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "chart.png")
	if err := p.Save(10*vg.Centimeter, 8*vg.Centimeter, path); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() < 1000 {
		t.Errorf("PNG of %d bytes, expected a drawn chart", info.Size())
	}
}
