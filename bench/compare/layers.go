package main

import (
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/simdnn/simdnn/bench"
	"github.com/simdnn/simdnn/bench/report"
	"github.com/simdnn/simdnn/nn"
)

// loadedLayer is a layer of the manifest as simdnn runs it.
type loadedLayer struct {
	bench.Layer
	model *nn.Model
	input *nn.Tensor
}

// sampleKey identifies the samples of one engine on one layer at one
// thread count.
type sampleKey struct {
	layer   string
	threads int
	engine  string
}

// layerRun holds what timeLayers needs and what it collects.
type layerRun struct {
	layers  []loadedLayer
	workers []*worker
	method  report.Method
	samples map[sampleKey][]float64
}

// timeSimdnn runs warmup untimed and samples timed Predict calls with
// GOMAXPROCS set to threads, and returns the wall time of each timed call
// in milliseconds.
func timeSimdnn(l loadedLayer, threads, warmup, samples int) ([]float64, error) {
	previous := runtime.GOMAXPROCS(threads)
	defer runtime.GOMAXPROCS(previous)

	// PredictInto writes into one output allocated here, as a server
	// would; Predict's fresh output per call would make the garbage
	// collector compete with the kernels for the cores.
	y, err := l.model.Predict(l.input)
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.Name, err)
	}
	for range warmup {
		if err := l.model.PredictInto(y, l.input); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Name, err)
		}
	}
	ms := make([]float64, samples)
	for i := range ms {
		start := time.Now()
		err := l.model.PredictInto(y, l.input)
		ms[i] = float64(time.Since(start).Nanoseconds()) / 1e6
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Name, err)
		}
	}
	return ms, nil
}

// timeBlock times one engine on one layer at one thread count and appends
// the samples. ORT's worker returns Node's wall times here; the times
// inside ONNX Runtime arrive when the worker finishes.
func (r *layerRun) timeBlock(engine string, l loadedLayer, threads int) error {
	if engine == report.EngineSimdnn {
		ms, err := timeSimdnn(l, threads, r.method.Warmup, r.method.Samples)
		if err != nil {
			return err
		}
		key := sampleKey{l.Name, threads, engine}
		r.samples[key] = append(r.samples[key], ms...)
		return nil
	}

	w := r.worker(engine)
	resp, err := w.request(map[string]any{
		"op": "time", "layer": l.Name, "threads": threads,
		"warmup": r.method.Warmup, "samples": r.method.Samples,
	})
	if err != nil {
		return err
	}
	if len(resp.MS) != r.method.Samples {
		return fmt.Errorf("%s worker: %d samples for %s, expected %d", engine, len(resp.MS), l.Name, r.method.Samples)
	}
	if engine == report.EngineORT {
		engine = report.EngineORTNode
	}
	key := sampleKey{l.Name, threads, engine}
	r.samples[key] = append(r.samples[key], resp.MS...)
	return nil
}

func (r *layerRun) worker(id string) *worker {
	for _, w := range r.workers {
		if w.id == id {
			return w
		}
	}
	panic("no worker for engine " + id)
}

// run times every layer on every engine at every thread count, round
// after round. Within a round the engines take turns layer by layer, and
// the order of the turns rotates, so that no engine always runs right
// after a particular other one.
func (r *layerRun) run() error {
	engines := []string{report.EngineSimdnn}
	for _, w := range r.workers {
		engines = append(engines, w.id)
	}

	for round := range r.method.Rounds {
		slog.Info("timing layers", "round", round+1, "of", r.method.Rounds)
		for i, l := range r.layers {
			for _, threads := range r.method.Threads {
				shift := (round + i) % len(engines)
				order := append(slices.Clone(engines[shift:]), engines[:shift]...)
				for _, engine := range order {
					if err := r.timeBlock(engine, l, threads); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// finishWorkers ends every worker and stores ORT's times inside the
// runtime under report.EngineORT.
func (r *layerRun) finishWorkers() error {
	for _, w := range r.workers {
		resp, err := w.finish()
		if err != nil {
			return err
		}
		if w.id != report.EngineORT {
			continue
		}
		for _, l := range r.layers {
			for _, threads := range r.method.Threads {
				inside, ok := resp.InsideMS[fmt.Sprintf("%s/%d", l.Name, threads)]
				want := len(r.samples[sampleKey{l.Name, threads, report.EngineORTNode}])
				if !ok || len(inside) != want {
					return fmt.Errorf("ort worker: %d profiled calls for %s at %d threads, expected %d", len(inside), l.Name, threads, want)
				}
				r.samples[sampleKey{l.Name, threads, report.EngineORT}] = inside
			}
		}
	}
	return nil
}

// checkOutputs runs each layer once on every engine at 1 thread and
// compares the output checksums with simdnn's.
func (r *layerRun) checkOutputs() ([]report.Check, error) {
	var checks []report.Check
	for _, l := range r.layers {
		y, err := l.model.Predict(l.input)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Name, err)
		}
		ref := report.Check{Layer: l.Name, Engine: report.EngineSimdnn}
		for _, v := range y.Data {
			ref.Sum += float64(v)
			ref.AbsSum += math.Abs(float64(v))
		}
		checks = append(checks, ref)

		for _, w := range r.workers {
			resp, err := w.request(map[string]any{"op": "check", "layer": l.Name})
			if err != nil {
				return nil, err
			}
			c := report.Check{Layer: l.Name, Engine: w.id, Sum: resp.Sum, AbsSum: resp.AbsSum}
			c.Deviation = max(math.Abs(c.Sum-ref.Sum), math.Abs(c.AbsSum-ref.AbsSum)) / max(ref.AbsSum, math.SmallestNonzeroFloat64)
			checks = append(checks, c)
		}
	}
	return checks, nil
}

// measureAllocs returns simdnn's heap allocations per Predict call on l,
// as counts and bytes, averaged over 10 calls.
func measureAllocs(l loadedLayer) (allocs, bytes float64, err error) {
	const calls = 10
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range calls {
		if _, err := l.model.Predict(l.input); err != nil {
			return 0, 0, err
		}
	}
	runtime.ReadMemStats(&after)
	allocs = float64(after.Mallocs-before.Mallocs) / calls
	bytes = float64(after.TotalAlloc-before.TotalAlloc) / calls
	return allocs, bytes, nil
}

// median returns the median of xs, or NaN for an empty slice.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// results turns the samples into one LayerResult per layer and thread
// count, in manifest order.
func (r *layerRun) results() ([]report.LayerResult, error) {
	var out []report.LayerResult
	for _, l := range r.layers {
		allocs, bytes, err := measureAllocs(l)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Name, err)
		}
		for _, threads := range r.method.Threads {
			lr := report.LayerResult{
				Name: l.Name, Title: l.Title, FLOPs: l.FLOPs, Bytes: l.Bytes, Threads: threads,
				MedianMS: map[string]float64{}, Samples: map[string]int{},
				AllocsPerRun: allocs, AllocBytesPerRun: bytes,
			}
			for key, ms := range r.samples {
				if key.layer == l.Name && key.threads == threads {
					lr.MedianMS[key.engine] = median(ms)
					lr.Samples[key.engine] = len(ms)
				}
			}
			out = append(out, lr)
		}
	}
	return out, nil
}
