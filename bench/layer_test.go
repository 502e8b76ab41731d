package bench

import (
	"errors"
	"slices"
	"testing"
)

// readLayersOrSkip returns the exported layers, or skips tb when
// layers/export.py has not been run.
func readLayersOrSkip(tb testing.TB) []Layer {
	tb.Helper()
	layers, err := ReadLayers(LayersDir)
	if errors.Is(err, ErrNoLayers) {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return layers
}

// TestLayersRun checks that simdnn loads every exported layer and that the
// output has the shape PyTorch reported at export time.
func TestLayersRun(t *testing.T) {
	for _, l := range readLayersOrSkip(t) {
		t.Run(l.Name, func(t *testing.T) {
			model, x, err := l.Load()
			if err != nil {
				t.Fatal(err)
			}
			y, err := model.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(y.Shape, l.Output) {
				t.Errorf("output shape %v, expected %v", y.Shape, l.Output)
			}
		})
	}
}

// BenchmarkLayer times model.PredictInto at batch 1 on each exported
// single-layer model, writing into an output allocated once, as a server
// would: with Predict, every call allocates a fresh output, and the
// garbage collector then competes with the kernels for the cores. Run it
// with -cpu 1, then with -cpu 2, to set the thread count: the kernels use
// GOMAXPROCS goroutines. A list such as -cpu 1,2 runs the sub-benchmarks of
// its first entry at its last entry's GOMAXPROCS (https://go.dev/issue/49980).
func BenchmarkLayer(b *testing.B) {
	for _, l := range readLayersOrSkip(b) {
		model, x, err := l.Load()
		if err != nil {
			b.Fatal(err)
		}

		b.Run("simdnn/"+l.Name, func(b *testing.B) {
			if l.Bytes > 0 {
				b.SetBytes(l.Bytes)
			}
			y, err := model.Predict(x)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := model.PredictInto(y, x); err != nil {
					b.Fatal(err)
				}
			}
			if l.FLOPs > 0 {
				b.ReportMetric(float64(l.FLOPs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			}
		})
	}
}
