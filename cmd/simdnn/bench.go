package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simdnn/simdnn/internal/peak"
	"github.com/simdnn/simdnn/kernels"
	"github.com/simdnn/simdnn/nn"
)

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "[MODEL.onnx]", stderr)
	batch := fs.Int("batch", 1, "batch size: the first input dimension, when the model leaves it free")
	shapeFlag := fs.String("shape", "", "input shape as comma-separated sizes, such as 1,3,224,224; overrides -batch")
	threads := fs.Int("threads", 0, "goroutines per layer; 0 means GOMAXPROCS")
	runs := fs.Int("runs", 50, "timed runs after warm-up")
	warmup := fs.Int("warmup", 5, "untimed runs first, which also build the memory plan")
	measurePeak := fs.Bool("peak", true, "measure the FMA peak of one core (about 0.3 s) and report it")
	profile := fs.Bool("profile", false, "also time each node, and each operator type, over the timed runs")
	layers := fs.Bool("layers", false, "the same as -profile: per-node time, GFLOPS and share of the FMA peak")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError(fs, "bench takes at most one model, got %d arguments", fs.NArg())
	}
	if *batch < 1 || *runs < 1 || *warmup < 0 || *runs > 1e6 || *warmup > 1e6 {
		return usageError(fs, "-batch %d, -runs %d and -warmup %d: want batch and runs of at least 1, warmup of at least 0, and runs and warmup of at most 1000000", *batch, *runs, *warmup)
	}

	path := ""
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	model, name, err := loadModel(path)
	if err != nil {
		return err
	}
	inputs, err := benchInputs(model, *batch, *shapeFlag, stderr)
	if err != nil {
		return fmt.Errorf("model %s: %w", name, err)
	}

	kernels.SetThreads(*threads)
	defer kernels.SetThreads(0)

	// The first run allocates the outputs; later runs write into them, as
	// a server that reuses its buffers would.
	var outputs map[string]*nn.Tensor
	run := func() error {
		if outputs != nil {
			return model.RunInto(outputs, inputs)
		}
		var err error
		outputs, err = model.Run(inputs)
		return err
	}
	for range *warmup {
		if err := run(); err != nil {
			return err
		}
	}
	times := make([]time.Duration, *runs)
	for i := range times {
		start := time.Now()
		if err := run(); err != nil {
			return err
		}
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	median := times[len(times)/2]
	images := 1
	if in := model.Inputs(); len(in) > 0 {
		if t := inputs[in[0].Name]; t != nil && len(t.Shape) > 0 {
			images = t.Shape[0]
		}
	}

	fmt.Fprintf(stdout, "model:      %s\n", name)
	for _, in := range model.Inputs() {
		if t, ok := inputs[in.Name]; ok {
			fmt.Fprintf(stdout, "input:      %q %v\n", in.Name, t.Shape)
		}
	}
	threadWord := "threads"
	if kernels.Threads() == 1 {
		threadWord = "thread"
	}
	fmt.Fprintf(stdout, "kernels:    %s, %d %s\n", kernels.Implementation(), kernels.Threads(), threadWord)
	fmt.Fprintf(stdout, "latency:    median %s, best %s over %d runs\n", formatMillis(median), formatMillis(times[0]), len(times))
	fmt.Fprintf(stdout, "throughput: %.1f images/s at the median (%d per run)\n", float64(images)/median.Seconds(), images)
	var peakGFLOPS float64
	if *measurePeak {
		if gflops, ok := peak.Measure(300 * time.Millisecond); ok {
			peakGFLOPS = gflops
			fmt.Fprintf(stdout, "fma peak:   %.1f GFLOPS on one core (measured now)\n", gflops)
		}
	}
	if *profile || *layers {
		times, err := model.Profile(inputs, *runs)
		if err != nil {
			return err
		}
		printProfile(stdout, times, *runs, peakGFLOPS*float64(kernels.Threads()))
	}
	return nil
}

// printProfile writes the mean time per run of each node, then of each
// operator type, with its share of the total. For nodes with a FLOP count
// it adds the rate and, when peak (GFLOPS of all the threads) is not 0,
// the rate's share of it.
func printProfile(w io.Writer, times []nn.NodeTime, runs int, peak float64) {
	var total time.Duration
	byOp := make(map[string]time.Duration)
	var ops []string
	for _, t := range times {
		total += t.Duration
		if _, ok := byOp[t.OpType]; !ok {
			ops = append(ops, t.OpType)
		}
		byOp[t.OpType] += t.Duration
	}
	share := func(d time.Duration) float64 {
		if total == 0 {
			return 0
		}
		return 100 * float64(d) / float64(total)
	}
	perRun := func(d time.Duration) string { return formatMillis(d / time.Duration(runs)) }

	fmt.Fprintf(w, "\nper node, mean of %d runs (GFLOPS of Winograd convolutions count the direct method's operations):\n", runs)
	for _, t := range times {
		rate := ""
		if t.FLOPs > 0 && t.Duration > 0 {
			gflops := t.FLOPs * float64(runs) / t.Duration.Seconds() / 1e9
			rate = fmt.Sprintf(" %8.1f GFLOPS", gflops)
			if peak > 0 {
				rate += fmt.Sprintf(" %4.0f %% of peak", 100*gflops/peak)
			}
		}
		fmt.Fprintf(w, "  %-20s %-28q %12s %5.1f %%%s\n", t.OpType, t.Name, perRun(t.Duration), share(t.Duration), rate)
	}
	slices.SortStableFunc(ops, func(a, b string) int { return int(byOp[b] - byOp[a]) })
	fmt.Fprintf(w, "\nper operator type:\n")
	for _, op := range ops {
		fmt.Fprintf(w, "  %-20s %12s %5.1f %%\n", op, perRun(byOp[op]), share(byOp[op]))
	}
	fmt.Fprintf(w, "  %-20s %12s\n", "total", perRun(total))
}

// benchInputs returns random inputs in [0, 1) for every input of the model
// that has no default, with the shape from -shape, or the declared shape
// with a free first dimension set to batch.
func benchInputs(model *nn.Model, batch int, shapeFlag string, stderr io.Writer) (map[string]*nn.Tensor, error) {
	var override []int
	if shapeFlag != "" {
		for _, field := range strings.Split(shapeFlag, ",") {
			d, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || d < 0 {
				return nil, fmt.Errorf("-shape %q: %q is not a size; want comma-separated non-negative integers", shapeFlag, field)
			}
			override = append(override, d)
		}
	}

	rng := rand.New(rand.NewPCG(1, 2))
	inputs := make(map[string]*nn.Tensor)
	for i, in := range model.Inputs() {
		if in.DType != nn.Float32 {
			return nil, fmt.Errorf("input %q has element type %v; bench feeds float32 inputs only", in.Name, in.DType)
		}
		shape := slices.Clone(in.Shape)
		if override != nil && i == 0 {
			shape = override
		}
		if override == nil && i == 0 && len(shape) > 0 && shape[0] >= 0 && batch != 1 && shape[0] != batch {
			fmt.Fprintf(stderr, "simdnn bench: input %q has a fixed batch size of %d; -batch %d is ignored\n", in.Name, shape[0], batch)
		}
		for d := range shape {
			switch {
			case shape[d] >= 0:
			case d == 0:
				shape[d] = batch
			default:
				return nil, fmt.Errorf("input %q has shape %v with a free dimension %d; give the shape with -shape", in.Name, in.Shape, d)
			}
		}
		n, err := nn.NumElements(shape)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		if n > maxInputElements {
			return nil, fmt.Errorf("input %q of shape %v has %d elements, more than the %d that bench builds; use a smaller -batch or -shape", in.Name, shape, n, maxInputElements)
		}
		t, err := nn.New(shape...)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		for j := range t.Data {
			t.Data[j] = rng.Float32()
		}
		inputs[in.Name] = t
	}
	return inputs, nil
}

func formatMillis(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds()*1e3, 'f', 3, 64) + " ms"
}
