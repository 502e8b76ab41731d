package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// specialTensor returns a random tensor in which about one element in
// four is NaN, +Inf, -Inf, +0 or -0.
func specialTensor(t *testing.T, rng *rand.Rand, shape ...int) *Tensor {
	t.Helper()
	x := randomTensor(t, rng, shape...)
	specials := []float32{
		float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		0, float32(math.Copysign(0, -1)),
	}
	for i := range x.Data {
		if rng.IntN(4) == 0 {
			x.Data[i] = specials[rng.IntN(len(specials))]
		}
	}
	return x
}

// scratchCases returns a layer for each path that needs scratch space,
// with an input.
func scratchCases(t *testing.T) []struct {
	layer Layer
	x     *Tensor
} {
	rng := rand.New(rand.NewPCG(61, 62))
	x := specialTensor(t, rng, 2, 3, 6, 7)
	return []struct {
		layer Layer
		x     *Tensor
	}{
		{MaxPool{NodeName: "rows", KernelShape: []int{3, 3}, Pads: []int{1, 2, 1, 2}, Dilations: []int{1, 2}, CeilMode: true, Strides: []int{2, 2}}, x},
		{MaxPool{NodeName: "1-D", KernelShape: []int{3}, AutoPad: "SAME_LOWER"}, specialTensor(t, rng, 2, 2, 9)},
		{AveragePool{NodeName: "avg", KernelShape: []int{3, 2}, Pads: []int{1, 1, 1, 1}, CountIncludePad: true}, x},
		{AveragePool{NodeName: "avg 3-D", KernelShape: []int{2, 3, 2}, Strides: []int{1, 2, 2}}, specialTensor(t, rng, 1, 2, 3, 5, 6)},
		{GlobalMaxPool{NodeName: "gmp"}, specialTensor(t, rng, 2, 2, 13, 11)},
		{Softmax{NodeName: "softmax", Axis: 2}, x},
		{Softmax{NodeName: "softmax 2-D", Axis: 1, Coerce2D: true}, x},
	}
}

func TestPoolScratchTooSmall(t *testing.T) {
	for _, tc := range scratchCases(t) {
		inputs := []*Tensor{tc.x}
		want, err := tc.layer.Forward(inputs)
		if err != nil {
			t.Fatalf("%s Forward: %v", tc.layer.Name(), err)
		}
		n, err := tc.layer.(ScratchLayer).ScratchSize(typesOf(inputs))
		if err != nil {
			t.Fatalf("%s ScratchSize: %v", tc.layer.Name(), err)
		}
		if n == 0 {
			t.Errorf("%s: ScratchSize = 0, want space for this path", tc.layer.Name())
			continue
		}

		y := copyWithShape(want[0], want[0].Shape)
		err = tc.layer.(IntoLayer).ForwardInto([]*Tensor{y}, inputs, make([]float32, n-1))
		if err == nil || !strings.Contains(err.Error(), "scratch has") {
			t.Errorf("%s: ForwardInto with %d of %d scratch elements: error %v, want one about the scratch", tc.layer.Name(), n-1, n, err)
		}
	}
}

// TestPoolScratchAnyAlignment checks that the result does not depend on
// where the scratch space starts, which decides how float64 sums are laid
// out in it, or on what it held before.
func TestPoolScratchAnyAlignment(t *testing.T) {
	for _, tc := range scratchCases(t) {
		inputs := []*Tensor{tc.x}
		want, err := tc.layer.Forward(inputs)
		if err != nil {
			t.Fatalf("%s Forward: %v", tc.layer.Name(), err)
		}
		n, err := tc.layer.(ScratchLayer).ScratchSize(typesOf(inputs))
		if err != nil {
			t.Fatalf("%s ScratchSize: %v", tc.layer.Name(), err)
		}
		buf := make([]float32, n+3)
		for offset := range 4 {
			for i := range buf {
				buf[i] = float32(math.NaN())
			}
			y := copyWithShape(want[0], want[0].Shape)
			if err := tc.layer.(IntoLayer).ForwardInto([]*Tensor{y}, inputs, buf[offset:offset+n]); err != nil {
				t.Fatalf("%s ForwardInto: %v", tc.layer.Name(), err)
			}
			if !sameBits(y.Data, want[0].Data) {
				t.Errorf("%s: ForwardInto with scratch at offset %d differs from Forward", tc.layer.Name(), offset)
			}
		}
	}
}

func TestSoftmaxForwardIntoInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	for _, l := range []Layer{
		Softmax{NodeName: "axis 1", Axis: 1}, Softmax{NodeName: "axis -1", Axis: -1}, Softmax{NodeName: "coerce", Axis: 1, Coerce2D: true},
		LogSoftmax{NodeName: "axis 1", Axis: 1}, LogSoftmax{NodeName: "axis -1", Axis: -1}, LogSoftmax{NodeName: "coerce", Axis: 1, Coerce2D: true},
	} {
		if !slices.Equal(l.(InPlaceLayer).InPlaceInputs(), []int{0}) {
			t.Errorf("%s %s: InPlaceInputs = %v, want [0]", l.OpType(), l.Name(), l.(InPlaceLayer).InPlaceInputs())
		}
		x := specialTensor(t, rng, 2, 3, 4)
		want := forwardOne(t, l, x)
		var scratch []float32
		if s, ok := l.(ScratchLayer); ok {
			n, err := s.ScratchSize(typesOf([]*Tensor{x}))
			if err != nil {
				t.Fatal(err)
			}
			scratch = make([]float32, n)
		}
		if err := l.(IntoLayer).ForwardInto([]*Tensor{x}, []*Tensor{x}, scratch); err != nil {
			t.Fatalf("%s %s ForwardInto in place: %v", l.OpType(), l.Name(), err)
		}
		if !sameBits(x.Data, want.Data) {
			t.Errorf("%s %s in place = %v, want %v", l.OpType(), l.Name(), x.Data, want.Data)
		}
	}
}

// TestPoolChecksInputsBeforeOutputs checks that ForwardInto reports an
// invalid input or attribute rather than the missing output.
func TestPoolChecksInputsBeforeOutputs(t *testing.T) {
	x := mustTensor(t, make([]float32, 16), 1, 1, 4, 4)
	cases := []struct {
		layer Layer
		want  string
	}{
		{MaxPool{NodeName: "p", KernelShape: []int{2}}, "kernel_shape [2] has 1 values, want 2"},
		{MaxPool{NodeName: "p", KernelShape: []int{2, 2}, StorageOrder: 2}, "storage_order 2"},
		{AveragePool{NodeName: "p", KernelShape: []int{6, 6}}, "dilated kernel 6x6 larger than padded input 4x4"},
		{Softmax{NodeName: "s", Axis: 4}, "axis 4 out of range [-4, 3]"},
		{LogSoftmax{NodeName: "s", Axis: -5}, "axis -5 out of range [-4, 3]"},
	}
	for _, tc := range cases {
		err := tc.layer.(IntoLayer).ForwardInto(nil, []*Tensor{x}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ForwardInto error %v, want one containing %q", tc.layer.OpType(), err, tc.want)
		}
	}
	for _, l := range []Layer{GlobalAveragePool{NodeName: "g"}, GlobalMaxPool{NodeName: "g"}} {
		err := l.(IntoLayer).ForwardInto(nil, []*Tensor{mustTensor(t, make([]float32, 4), 2, 2)}, nil)
		if want := "input X has rank 2"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: ForwardInto error %v, want one containing %q", l.OpType(), err, want)
		}
	}
}

// TestPlannedPoolModelAllocatesNothing runs a model of pooling and softmax
// layers, including both outputs of a MaxPool, through its memory plan and
// compares it with Forward on every node.
func TestPlannedPoolModelAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(65, 66))
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{-1, 3, 9, 8}}},
		Outputs: []ValueInfo{{Name: "probs"}, {Name: "indices"}, {Name: "logp"}},
		Nodes: []Node{
			{Layer: MaxPool{NodeName: "pool1", KernelShape: []int{3, 3}, Strides: []int{2, 2}, Pads: []int{1, 1, 1, 1}}, Inputs: []string{"x"}, Outputs: []string{"p1"}},
			{Layer: MaxPool{NodeName: "pool2", KernelShape: []int{2, 2}, Strides: []int{2, 2}}, Inputs: []string{"x"}, Outputs: []string{"p2"}},
			{Layer: MaxPool{NodeName: "argmax", KernelShape: []int{2, 3}, OutputIndices: true}, Inputs: []string{"x"}, Outputs: []string{"p3", "indices"}},
			{Layer: AveragePool{NodeName: "avg", KernelShape: []int{2, 2}, CeilMode: true, Strides: []int{2, 2}}, Inputs: []string{"p1"}, Outputs: []string{"a"}},
			{Layer: GlobalAveragePool{NodeName: "gap"}, Inputs: []string{"a"}, Outputs: []string{"gap"}},
			{Layer: GlobalMaxPool{NodeName: "gmp"}, Inputs: []string{"p3"}, Outputs: []string{"gmp"}},
			{Layer: GlobalMaxPool{NodeName: "gmp2"}, Inputs: []string{"p2"}, Outputs: []string{"gmp2"}},
			{Layer: Add{NodeName: "add"}, Inputs: []string{"gap", "gmp"}, Outputs: []string{"sum"}},
			{Layer: Add{NodeName: "add2"}, Inputs: []string{"sum", "gmp2"}, Outputs: []string{"logits"}},
			{Layer: Softmax{NodeName: "softmax", Axis: 1}, Inputs: []string{"logits"}, Outputs: []string{"probs"}},
			{Layer: LogSoftmax{NodeName: "logsoftmax", Axis: 1}, Inputs: []string{"logits"}, Outputs: []string{"logp"}},
		},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}

	for _, batch := range []int{2, 1} {
		x := specialTensor(t, rng, batch, 3, 9, 8)
		values, err := m.runForward([]*Tensor{x}, nil)
		if err != nil {
			t.Fatalf("runForward: %v", err)
		}
		outputs := map[string]*Tensor{}
		for i, name := range []string{"probs", "indices", "logp"} {
			want := values[m.outputIDs[i]]
			outputs[name] = copyWithShape(want, want.Shape)
		}
		inputs := map[string]*Tensor{"x": x}
		if err := m.RunInto(outputs, inputs); err != nil {
			t.Fatalf("RunInto: %v", err)
		}
		for i, name := range []string{"probs", "indices", "logp"} {
			want := values[m.outputIDs[i]]
			if !sameBits(outputs[name].Data, want.Data) || !slices.Equal(outputs[name].Int64, want.Int64) {
				t.Errorf("batch %d: planned %s differs from Forward", batch, name)
			}
		}

		if raceEnabled {
			continue
		}
		allocs := testing.AllocsPerRun(10, func() {
			if err := m.RunInto(outputs, inputs); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("batch %d: RunInto allocates %v times per run, want 0", batch, allocs)
		}
	}
}
