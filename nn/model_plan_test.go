package nn

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// planGraph returns a graph on x [-1, 3, 4, 4] that mixes in-place
// layers, views, broadcasting, a value read long after it is written and
// the Shape, Gather, Unsqueeze, Concat, Reshape pattern that exporters
// emit to flatten. Its output is y [-1, 5].
func planGraph(t *testing.T, rng *rand.Rand) Graph {
	variance := randomTensor(t, rng, 3)
	for i := range variance.Data {
		variance.Data[i] = 1 + variance.Data[i]*variance.Data[i]
	}
	zero, _ := FromInt64([]int64{0})
	minusOne, _ := FromInt64([]int64{-1}, 1)
	axes, _ := FromInt64([]int64{0}, 1)
	return Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{-1, 3, 4, 4}}},
		Outputs: []ValueInfo{{Name: "y", Shape: []int{-1, 5}}},
		Initializers: map[string]*Tensor{
			"scale": randomTensor(t, rng, 3), "bias": randomTensor(t, rng, 3),
			"mean": randomTensor(t, rng, 3), "var": variance,
			"gain": randomTensor(t, rng, 3, 1, 1), "fc.w": randomTensor(t, rng, 5, 96), "fc.b": randomTensor(t, rng, 5),
			"zero": zero, "minus_one": minusOne, "axes": axes,
		},
		Nodes: []Node{
			{Layer: BatchNormalization{NodeName: "bn", Epsilon: 1e-5}, Inputs: []string{"x", "scale", "bias", "mean", "var"}, Outputs: []string{"bn"}},
			{Layer: Relu{NodeName: "relu"}, Inputs: []string{"bn"}, Outputs: []string{"a"}},
			// a is read again by "add" below, so "sigmoid" must not overwrite it.
			{Layer: Flatten{NodeName: "view", Axis: 1}, Inputs: []string{"a"}, Outputs: []string{"a_flat"}},
			{Layer: Sigmoid{NodeName: "sigmoid"}, Inputs: []string{"a"}, Outputs: []string{"s"}},
			{Layer: Mul{NodeName: "gain"}, Inputs: []string{"s", "gain"}, Outputs: []string{"g"}},
			{Layer: Clip{NodeName: "relu6", Min: 0, Max: 6}, Inputs: []string{"g"}, Outputs: []string{"c"}},
			{Layer: Transpose{NodeName: "transpose", Perm: []int{0, 1, 3, 2}}, Inputs: []string{"c"}, Outputs: []string{"t"}},
			{Layer: Flatten{NodeName: "flatten", Axis: 1}, Inputs: []string{"t"}, Outputs: []string{"t_flat"}},
			{Layer: Add{NodeName: "add"}, Inputs: []string{"t_flat", "a_flat"}, Outputs: []string{"sum"}},
			{Layer: Concat{NodeName: "concat", Axis: 1}, Inputs: []string{"sum", "a_flat"}, Outputs: []string{"joined"}},
			{Layer: Shape{NodeName: "shape"}, Inputs: []string{"x"}, Outputs: []string{"x_shape"}},
			{Layer: Gather{NodeName: "batch"}, Inputs: []string{"x_shape", "zero"}, Outputs: []string{"n"}},
			{Layer: Unsqueeze{NodeName: "unsqueeze"}, Inputs: []string{"n", "axes"}, Outputs: []string{"n1"}},
			{Layer: Concat{NodeName: "target"}, Inputs: []string{"n1", "minus_one"}, Outputs: []string{"target"}},
			{Layer: Reshape{NodeName: "reshape"}, Inputs: []string{"joined", "target"}, Outputs: []string{"features"}},
			{Layer: Gemm{NodeName: "fc", Alpha: 1, Beta: 1, TransB: true}, Inputs: []string{"features", "fc.w", "fc.b"}, Outputs: []string{"logits"}},
			{Layer: Tanh{NodeName: "tanh"}, Inputs: []string{"logits"}, Outputs: []string{"y"}},
		},
	}
}

// forwardOutputs runs m with Forward on every node, without a plan.
func forwardOutputs(t *testing.T, m *Model, x *Tensor) *Tensor {
	t.Helper()
	values, err := m.runForward([]*Tensor{x}, nil)
	if err != nil {
		t.Fatalf("runForward: %v", err)
	}
	return values[m.outputIDs[0]]
}

func TestPlannedRunMatchesForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	m, err := NewModel(planGraph(t, rng))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	for _, batch := range []int{1, 3, 2, 1} {
		x := randomTensor(t, rng, batch, 3, 4, 4)
		want := forwardOutputs(t, m, x)
		for run := range 2 {
			got, err := m.Predict(x)
			if err != nil {
				t.Fatalf("batch %d, run %d: %v", batch, run, err)
			}
			if !sameShape(got.Shape, []int{batch, 5}) || !sameBits(got.Data, want.Data) {
				t.Errorf("batch %d, run %d: planned output %v %v, want %v %v", batch, run, got.Shape, got.Data, want.Shape, want.Data)
			}
		}
		if m.plans.find([]*Tensor{x}) == nil {
			t.Errorf("batch %d: no plan after two runs", batch)
		}
	}
	if m.plans.dynamic.Load() {
		t.Errorf("model marked dynamic, want planned")
	}
}

// TestPlanKeepsShapeValuesOutOfTheRun checks that the Shape, Gather,
// Unsqueeze and Concat nodes of the flatten pattern are computed when the
// plan is built, and that view layers do not run.
func TestPlanKeepsShapeValuesOutOfTheRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	m, err := NewModel(planGraph(t, rng))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	p, err := m.planFor([]*Tensor{randomTensor(t, rng, 2, 3, 4, 4)})
	if err != nil || p == nil {
		t.Fatalf("planFor: %v, %v", p, err)
	}
	kinds := make(map[string]stepKind)
	for _, step := range p.steps {
		kinds[m.nodes[step.node].Layer.Name()] = step.kind
	}
	for name, want := range map[string]stepKind{
		"shape": stepConstant, "batch": stepConstant, "unsqueeze": stepConstant, "target": stepConstant,
		"reshape": stepView, "view": stepView, "flatten": stepView,
		"bn": stepInto, "relu": stepInto, "sigmoid": stepInto, "fc": stepInto,
	} {
		if kinds[name] != want {
			t.Errorf("node %q runs as step kind %d, want %d", name, kinds[name], want)
		}
	}
	if got := p.known[m.valueIDs["target"]]; got == nil || !slices.Equal(got.Int64, []int64{2, -1}) {
		t.Errorf("target shape known before the run = %v, want [2 -1]", got)
	}
}

func TestPlanReusesBuffers(t *testing.T) {
	// A chain of transposes cannot work in place, so it needs two buffers
	// that alternate. A chain of Relus after it works in place.
	const n = 1000

	var nodes []Node
	in := "x"
	for i := range 6 {
		out := "t" + string(rune('a'+i))
		nodes = append(nodes, Node{Layer: Transpose{NodeName: out}, Inputs: []string{in}, Outputs: []string{out}})
		in = out
	}
	for i := range 6 {
		out := "r" + string(rune('a'+i))
		nodes = append(nodes, Node{Layer: Relu{NodeName: out}, Inputs: []string{in}, Outputs: []string{out}})
		in = out
	}

	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{1, n}}},
		Outputs: []ValueInfo{{Name: in}},
		Nodes:   nodes,
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	p := m.plans.find([]*Tensor{{Shape: []int{1, n}}})
	if p == nil {
		t.Fatal("no plan for the declared shape")
	}
	if want := 2 * roundUp(n, 16); p.floatSize != want {
		t.Errorf("arena has %d floats, want %d: two buffers of %d", p.floatSize, want, n)
	}
}

func TestPredictIntoAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	rng := rand.New(rand.NewPCG(55, 56))
	g := planGraph(t, rng)
	// Without the Gemm every layer computes into the arena, while
	// kernels.Sgemm may allocate on its own.
	g.Nodes = g.Nodes[:len(g.Nodes)-2]
	g.Nodes = append(g.Nodes, Node{Layer: Tanh{NodeName: "tanh"}, Inputs: []string{"features"}, Outputs: []string{"y"}})
	g.Outputs[0].Shape = []int{-1, 96}
	m, err := NewModel(g)
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	x := randomTensor(t, rng, 2, 3, 4, 4)
	want, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := New(want.Shape...)
	allocs := testing.AllocsPerRun(20, func() {
		if err := m.PredictInto(y, x); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("PredictInto allocates %v times per run, want 0", allocs)
	}
	if !sameBits(y.Data, want.Data) {
		t.Errorf("PredictInto output differs from Predict")
	}

	outputs := map[string]*Tensor{"y": y}
	inputs := map[string]*Tensor{"x": x}
	allocs = testing.AllocsPerRun(20, func() {
		if err := m.RunInto(outputs, inputs); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("RunInto allocates %v times per run, want 0", allocs)
	}
}

// TestParallelPredictIntoAllocatesNothing checks a batch that is split
// across two goroutines, with layers large enough that the kernels split
// each image again: the worker pool's jobs are recycled, not allocated.
func TestParallelPredictIntoAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	kernels.SetThreads(2)
	defer kernels.SetThreads(0)
	rng := rand.New(rand.NewPCG(59, 60))
	g := Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{-1, 16, 32, 32}}},
		Outputs: []ValueInfo{{Name: "y", Shape: []int{-1, 32, 32, 32}}},
		Initializers: map[string]*Tensor{
			"w1": randomTensor(t, rng, 32, 16, 3, 3), "b1": randomTensor(t, rng, 32),
			"dw": randomTensor(t, rng, 32, 1, 3, 3), "pw": randomTensor(t, rng, 32, 32, 1, 1),
		},
		Nodes: []Node{
			{Layer: Conv{NodeName: "conv", Pads: []int{1, 1, 1, 1}}, Inputs: []string{"x", "w1", "b1"}, Outputs: []string{"a"}},
			{Layer: Relu{NodeName: "relu"}, Inputs: []string{"a"}, Outputs: []string{"r"}},
			{Layer: Conv{NodeName: "depthwise", Group: 32, Pads: []int{1, 1, 1, 1}}, Inputs: []string{"r", "dw"}, Outputs: []string{"d"}},
			{Layer: Conv{NodeName: "pointwise"}, Inputs: []string{"d", "pw"}, Outputs: []string{"y"}},
		},
	}
	m, err := NewModel(g)
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	for _, batch := range []int{1, 4} {
		x := randomTensor(t, rng, batch, 16, 32, 32)
		want, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		y, _ := New(want.Shape...)
		allocs := testing.AllocsPerRun(10, func() {
			if err := m.PredictInto(y, x); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("batch %d: PredictInto with 2 threads allocates %v times per run, want 0", batch, allocs)
		}

		// A collection empties every sync.Pool; the arenas and the
		// pooled jobs must survive it.
		allocs = testing.AllocsPerRun(3, func() {
			runtime.GC()
			if err := m.PredictInto(y, x); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("batch %d: PredictInto allocates %v times per run after a garbage collection, want 0", batch, allocs)
		}
		if !sameBits(y.Data, want.Data) {
			t.Errorf("batch %d: PredictInto output differs from Predict", batch)
		}
	}
}

func TestRunIntoChecksOutputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(57, 58))
	m, err := NewModel(planGraph(t, rng))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	x := randomTensor(t, rng, 1, 3, 4, 4)
	inputs := map[string]*Tensor{"x": x}
	cases := []struct {
		name    string
		outputs map[string]*Tensor
		want    string
	}{
		{"missing", map[string]*Tensor{}, `outputs has no tensor for graph output "y"`},
		{"nil", map[string]*Tensor{"y": nil}, `output "y": tensor is nil`},
		{"wrong shape", map[string]*Tensor{"y": mustTensor(t, make([]float32, 5), 5)}, `output "y": got a float32 tensor of shape [5] to fill, want float32 of shape [1 5]`},
	}
	for _, tc := range cases {
		err := m.RunInto(tc.outputs, inputs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if err := m.PredictInto(mustTensor(t, make([]float32, 10), 2, 5), x); err == nil {
		t.Errorf("PredictInto into a [2 5] tensor for batch 1 succeeded")
	}
}

// TestPlannedRunsConcurrently runs one model from many goroutines with
// several batch sizes, so plans are built and arenas shared while other
// runs are in flight, and compares every output bit for bit with a serial
// run.
func TestPlannedRunsConcurrently(t *testing.T) {
	rng := rand.New(rand.NewPCG(59, 60))
	m, err := NewModel(planGraph(t, rng))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	serialModel, err := NewModel(planGraph(t, rand.New(rand.NewPCG(59, 60))))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	inputs := make([]*Tensor, 24)
	want := make([]*Tensor, len(inputs))
	for i := range inputs {
		inputs[i] = randomTensor(t, rng, 1+i%4, 3, 4, 4)
		if want[i], err = serialModel.Predict(inputs[i]); err != nil {
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	errs := make([]error, len(inputs))
	for i := range inputs {
		wg.Go(func() {
			for run := range 5 {
				var got *Tensor
				var err error
				if run%2 == 0 {
					got, err = m.Predict(inputs[i])
				} else {
					got, _ = New(want[i].Shape...)
					err = m.PredictInto(got, inputs[i])
				}
				if err != nil {
					errs[i] = err
					return
				}
				if !sameBits(got.Data, want[i].Data) {
					errs[i] = errors.New("output differs from the serial run")
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d (batch %d): %v", i, inputs[i].Shape[0], err)
		}
	}
}

func TestDynamicShapeRunsWithoutPlan(t *testing.T) {
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{2, 3}}, {Name: "shape", Shape: []int{2}, DType: Int64}},
		Outputs: []ValueInfo{{Name: "y"}},
		Nodes: []Node{
			{Layer: Reshape{NodeName: "reshape"}, Inputs: []string{"x", "shape"}, Outputs: []string{"r"}},
			{Layer: Relu{NodeName: "relu"}, Inputs: []string{"r"}, Outputs: []string{"y"}},
		},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	if !m.plans.dynamic.Load() {
		t.Errorf("model with a shape from a graph input is not marked dynamic")
	}
	x := mustTensor(t, []float32{-1, 2, -3, 4, -5, 6}, 2, 3)
	for _, dims := range [][]int64{{3, 2}, {1, 6}, {6, 1}} {
		shape, _ := FromInt64(dims, 2)
		out, err := m.Run(map[string]*Tensor{"x": x, "shape": shape})
		if err != nil {
			t.Fatalf("Run with shape %v: %v", dims, err)
		}
		y := out["y"]
		if y.Shape[0] != int(dims[0]) || !slices.Equal(y.Data, []float32{0, 2, 0, 4, 0, 6}) {
			t.Errorf("shape %v: output %v %v", dims, y.Shape, y.Data)
		}
	}
}

func TestNewModelInfersShapes(t *testing.T) {
	_, err := NewModel(Graph{
		Inputs:       []ValueInfo{{Name: "x", Shape: []int{2, 3}}},
		Outputs:      []ValueInfo{{Name: "y"}},
		Initializers: map[string]*Tensor{"b": mustTensor(t, make([]float32, 4), 4)},
		Nodes:        []Node{{Layer: Add{NodeName: "add"}, Inputs: []string{"x", "b"}, Outputs: []string{"y"}}},
	})
	want := `node "add": add "add": input shapes [[2 3] [4]] do not broadcast together`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("NewModel error %v, want one containing %q", err, want)
	}
}

func TestPlanCacheKeepsRecentShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	m, err := NewModel(planGraph(t, rng))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	for batch := 1; batch <= maxPlans+3; batch++ {
		x := randomTensor(t, rng, batch, 3, 4, 4)
		got, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		if want := forwardOutputs(t, m, x); !sameBits(got.Data, want.Data) {
			t.Errorf("batch %d: output differs from Forward", batch)
		}
	}
	if n := len(*m.plans.plans.Load()); n != maxPlans {
		t.Errorf("cache has %d plans, want %d", n, maxPlans)
	}
}

// scratchProbe is a layer without type inference that needs scratch
// space when planned: it records the scratch length it was given.
type scratchProbe struct {
	seen *int
}

func (s scratchProbe) Name() string   { return "probe" }
func (s scratchProbe) OpType() string { return "Probe" }
func (s scratchProbe) Forward(inputs []*Tensor) ([]*Tensor, error) {
	return forwardPlanned(s, inputs)
}
func (s scratchProbe) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return unaryTypes(s, inputs, 1)
}
func (s scratchProbe) ScratchSize(inputs []*TensorType) (int, error) {
	return 3 * len(inputs[0].Shape), nil
}
func (s scratchProbe) ForwardInto(outputs, inputs []*Tensor, scratch []float32) error {
	*s.seen = len(scratch)
	copy(outputs[0].Data, inputs[0].Data)
	return nil
}

func TestPlanGivesScratch(t *testing.T) {
	var seen int
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{2, 2}}},
		Outputs: []ValueInfo{{Name: "y"}},
		Nodes:   []Node{{Layer: scratchProbe{seen: &seen}, Inputs: []string{"x"}, Outputs: []string{"y"}}},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	if _, err := m.Predict(mustTensor(t, []float32{1, 2, 3, 4}, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if seen < 6 {
		t.Errorf("ForwardInto got %d scratch elements, want at least 6", seen)
	}
}

// forwardOnly is a Relu that implements nothing but Layer, so a model
// must learn its output type from a run.
type forwardOnly struct{ relu Relu }

func (f forwardOnly) Name() string                                { return f.relu.Name() }
func (f forwardOnly) OpType() string                              { return "ForwardOnly" }
func (f forwardOnly) Forward(inputs []*Tensor) ([]*Tensor, error) { return f.relu.Forward(inputs) }

func TestPlanLearnsTypesFromFirstRun(t *testing.T) {
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{-1, 3}}},
		Outputs: []ValueInfo{{Name: "y"}},
		Nodes: []Node{
			{Layer: forwardOnly{Relu{NodeName: "opaque"}}, Inputs: []string{"x"}, Outputs: []string{"r"}},
			{Layer: Sigmoid{NodeName: "sigmoid"}, Inputs: []string{"r"}, Outputs: []string{"y"}},
		},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	x := mustTensor(t, []float32{-1, 0, 1, 2, -2, 3}, 2, 3)
	first, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	p := m.plans.find([]*Tensor{x})
	if p == nil {
		t.Fatal("no plan after the first run")
	}
	if p.steps[0].kind != stepForward || p.steps[1].kind != stepInto {
		t.Errorf("step kinds %d, %d, want Forward then ForwardInto", p.steps[0].kind, p.steps[1].kind)
	}
	second, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(first.Data, second.Data) {
		t.Errorf("planned run %v differs from the first run %v", second.Data, first.Data)
	}
}

func TestRunOutputsAreFresh(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	m, err := NewModel(planGraph(t, rng))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	x := randomTensor(t, rng, 1, 3, 4, 4)
	first, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(first.Data)
	clear(first.Data)
	second, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(second.Data, want) {
		t.Errorf("changing a returned output changed the next run's output")
	}
}
