package nn

import (
	"slices"
	"testing"
	"unsafe"
)

// outputProbe computes x+1 and records where it wrote its output, so a
// test can tell whether a run computed into the caller's tensor.
type outputProbe struct {
	wrote *uintptr
}

func (o outputProbe) Name() string   { return "probe" }
func (o outputProbe) OpType() string { return "OutputProbe" }
func (o outputProbe) Forward(inputs []*Tensor) ([]*Tensor, error) {
	return forwardPlanned(o, inputs)
}
func (o outputProbe) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return unaryTypes(o, inputs, 1)
}
func (o outputProbe) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	*o.wrote = dataAddress(outputs[0])
	for i, v := range inputs[0].Data {
		outputs[0].Data[i] = v + 1
	}
	return nil
}

// minusOne is the initializer that Mul nodes named "neg" multiply by.
func minusOne(t *testing.T) map[string]*Tensor {
	return map[string]*Tensor{"minus": mustTensor(t, []float32{-1}, 1)}
}

func dataAddress(t *Tensor) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(t.Data)))
}

func TestPredictIntoWritesCallerTensor(t *testing.T) {
	var wrote uintptr
	m, err := NewModel(Graph{
		Inputs:       []ValueInfo{{Name: "x", Shape: []int{2, 3}}},
		Outputs:      []ValueInfo{{Name: "y"}},
		Initializers: minusOne(t),
		Nodes: []Node{
			{Layer: Mul{NodeName: "neg"}, Inputs: []string{"x", "minus"}, Outputs: []string{"n"}},
			{Layer: outputProbe{wrote: &wrote}, Inputs: []string{"n"}, Outputs: []string{"y"}},
		},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	x := mustTensor(t, []float32{1, -2, 3, -4, 5, -6}, 2, 3)
	want := []float32{0, 3, -2, 5, -4, 7}

	y, _ := New(2, 3)
	if err := m.PredictInto(y, x); err != nil {
		t.Fatal(err)
	}
	if wrote != dataAddress(y) {
		t.Errorf("the last layer wrote at %#x, not into the caller's tensor at %#x", wrote, dataAddress(y))
	}
	if !slices.Equal(y.Data, want) {
		t.Errorf("PredictInto gave %v, want %v", y.Data, want)
	}

	// The arena must get its own buffer back: a later run into a model
	// output must leave y alone.
	x2 := mustTensor(t, []float32{10, 20, 30, 40, 50, 60}, 2, 3)
	got, err := m.Predict(x2)
	if err != nil {
		t.Fatal(err)
	}
	if wrote == dataAddress(y) {
		t.Errorf("Predict after PredictInto computed into the earlier caller's tensor")
	}
	if !slices.Equal(y.Data, want) {
		t.Errorf("Predict after PredictInto changed the earlier output to %v", y.Data)
	}
	if w := []float32{-9, -19, -29, -39, -49, -59}; !slices.Equal(got.Data, w) {
		t.Errorf("Predict gave %v, want %v", got.Data, w)
	}

	y2, _ := New(2, 3)
	if err := m.RunInto(map[string]*Tensor{"y": y2}, map[string]*Tensor{"x": x}); err != nil {
		t.Fatal(err)
	}
	if wrote != dataAddress(y2) || !slices.Equal(y2.Data, want) {
		t.Errorf("RunInto wrote at %#x (caller's tensor at %#x) and gave %v, want %v", wrote, dataAddress(y2), y2.Data, want)
	}
}

// TestRunIntoOutputOverInput gives RunInto an output tensor that is the
// input's memory. The first output is computed before a later layer
// reads the input, so computing it in place would change the second.
func TestRunIntoOutputOverInput(t *testing.T) {
	var wrote uintptr
	m, err := NewModel(Graph{
		Inputs:       []ValueInfo{{Name: "x", Shape: []int{4}}},
		Outputs:      []ValueInfo{{Name: "a"}, {Name: "b"}},
		Initializers: minusOne(t),
		Nodes: []Node{
			{Layer: Mul{NodeName: "neg"}, Inputs: []string{"x", "minus"}, Outputs: []string{"a"}},
			{Layer: outputProbe{wrote: &wrote}, Inputs: []string{"x"}, Outputs: []string{"b"}},
		},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	data := []float32{1, 2, 3, 4}
	x := mustTensor(t, data, 4)
	a := mustTensor(t, data, 4) // the same elements as x
	b, _ := New(4)
	for run := range 2 { // the first run builds the plan
		copy(data, []float32{1, 2, 3, 4})
		if err := m.RunInto(map[string]*Tensor{"a": a, "b": b}, map[string]*Tensor{"x": x}); err != nil {
			t.Fatal(err)
		}
		if w := []float32{2, 3, 4, 5}; !slices.Equal(b.Data, w) {
			t.Errorf("run %d: b = %v, want %v: output a overwrote the input before b was computed", run, b.Data, w)
		}
		if w := []float32{-1, -2, -3, -4}; !slices.Equal(a.Data, w) {
			t.Errorf("run %d: a = %v, want %v", run, a.Data, w)
		}
	}
	if wrote == dataAddress(b) {
		t.Errorf("with outputs that share the input's memory, RunInto computed b in place")
	}
}

// TestDirectOutputKinds checks outputs that a run cannot compute into the
// caller's tensor (a view and an in-place result), and one that a later
// layer reads.
func TestDirectOutputKinds(t *testing.T) {
	var wrote uintptr
	probe := outputProbe{wrote: &wrote}
	cases := []struct {
		name    string
		nodes   []Node
		outputs []string
		shape   []int
		want    map[string][]float32
		direct  bool
	}{
		{
			name: "view",
			nodes: []Node{
				{Layer: probe, Inputs: []string{"x"}, Outputs: []string{"p"}},
				{Layer: Flatten{NodeName: "flat", Axis: 0}, Inputs: []string{"p"}, Outputs: []string{"y"}},
			},
			outputs: []string{"y"},
			shape:   []int{1, 6},
			want:    map[string][]float32{"y": {0, 3, -2, 5, -4, 7}},
		},
		{
			name: "in place",
			nodes: []Node{
				{Layer: probe, Inputs: []string{"x"}, Outputs: []string{"p"}},
				{Layer: Relu{NodeName: "relu"}, Inputs: []string{"p"}, Outputs: []string{"y"}},
			},
			outputs: []string{"y"},
			shape:   []int{2, 3},
			want:    map[string][]float32{"y": {0, 3, 0, 5, 0, 7}},
		},
		{
			name: "read later",
			nodes: []Node{
				{Layer: probe, Inputs: []string{"x"}, Outputs: []string{"y"}},
				{Layer: Mul{NodeName: "neg"}, Inputs: []string{"y", "minus"}, Outputs: []string{"z"}},
			},
			outputs: []string{"y", "z"},
			shape:   []int{2, 3},
			want:    map[string][]float32{"y": {0, 3, -2, 5, -4, 7}, "z": {0, -3, 2, -5, 4, -7}},
			direct:  true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := Graph{Inputs: []ValueInfo{{Name: "x", Shape: []int{2, 3}}}, Nodes: tc.nodes, Initializers: minusOne(t)}
			for _, name := range tc.outputs {
				g.Outputs = append(g.Outputs, ValueInfo{Name: name})
			}
			m, err := NewModel(g)
			if err != nil {
				t.Fatalf("NewModel: %v", err)
			}
			x := mustTensor(t, []float32{-1, 2, -3, 4, -5, 6}, 2, 3)
			outputs := map[string]*Tensor{}
			for _, name := range tc.outputs {
				outputs[name], _ = New(tc.shape...)
			}
			for run := range 2 {
				if err := m.RunInto(outputs, map[string]*Tensor{"x": x}); err != nil {
					t.Fatal(err)
				}
				for name, w := range tc.want {
					if !slices.Equal(outputs[name].Data, w) {
						t.Errorf("run %d: %s = %v, want %v", run, name, outputs[name].Data, w)
					}
				}
			}
			if got := wrote == dataAddress(outputs[tc.outputs[0]]); got != tc.direct {
				t.Errorf("computed into the caller's tensor: %v, want %v", got, tc.direct)
			}
		})
	}
}

// passThrough is a Forward-only layer that returns its input tensor as
// its output, which the Layer contract allows.
type passThrough struct{}

func (passThrough) Name() string   { return "pass" }
func (passThrough) OpType() string { return "PassThrough" }
func (passThrough) Forward(inputs []*Tensor) ([]*Tensor, error) {
	return []*Tensor{inputs[0]}, nil
}

// TestDirectOutputReturnedByForward passes a graph output through a layer
// that returns it as a second output. Computed into the caller's tensor,
// the first output's arena buffer would stay unwritten, and the second
// output would be copied from it.
func TestDirectOutputReturnedByForward(t *testing.T) {
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{4}}},
		Outputs: []ValueInfo{{Name: "y"}, {Name: "z"}},
		Nodes: []Node{
			{Layer: Relu{NodeName: "relu"}, Inputs: []string{"x"}, Outputs: []string{"y"}},
			{Layer: passThrough{}, Inputs: []string{"y"}, Outputs: []string{"z"}},
		},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	y, _ := New(4)
	z, _ := New(4)
	for run := range 3 { // the first run builds the plan
		f := float32(run + 1)
		x := mustTensor(t, []float32{-1, f, -3, 2 * f}, 4)
		if err := m.RunInto(map[string]*Tensor{"y": y, "z": z}, map[string]*Tensor{"x": x}); err != nil {
			t.Fatal(err)
		}
		want := []float32{0, f, 0, 2 * f}
		if !slices.Equal(y.Data, want) {
			t.Errorf("run %d: y = %v, want %v", run, y.Data, want)
		}
		if !slices.Equal(z.Data, want) {
			t.Errorf("run %d: z = %v, want %v", run, z.Data, want)
		}
	}
}
