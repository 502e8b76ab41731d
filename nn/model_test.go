package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// smallCNN returns a graph conv → relu → maxpool → flatten → gemm →
// softmax on input "x" [-1, 1, 8, 8], with its nodes listed out of order.
func smallCNN(t *testing.T, rng *rand.Rand) Graph {
	return Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{-1, 1, 8, 8}}},
		Outputs: []ValueInfo{{Name: "probs", Shape: []int{-1, 10}}},
		Initializers: map[string]*Tensor{
			"conv.w": randomTensor(t, rng, 4, 1, 3, 3),
			"conv.b": randomTensor(t, rng, 4),
			"fc.w":   randomTensor(t, rng, 10, 64),
			"fc.b":   randomTensor(t, rng, 10),
		},
		Nodes: []Node{
			{Layer: Softmax{NodeName: "softmax", Axis: -1}, Inputs: []string{"logits"}, Outputs: []string{"probs"}},
			{Layer: Flatten{NodeName: "flatten", Axis: 1}, Inputs: []string{"pooled"}, Outputs: []string{"flat"}},
			{Layer: Conv{NodeName: "conv1", Pads: []int{1, 1, 1, 1}}, Inputs: []string{"x", "conv.w", "conv.b"}, Outputs: []string{"conv"}},
			{Layer: Gemm{NodeName: "fc", Alpha: 1, Beta: 1, TransB: true}, Inputs: []string{"flat", "fc.w", "fc.b"}, Outputs: []string{"logits"}},
			{Layer: MaxPool{NodeName: "pool", KernelShape: []int{2, 2}, Strides: []int{2, 2}}, Inputs: []string{"relu"}, Outputs: []string{"pooled"}},
			{Layer: Relu{NodeName: "relu"}, Inputs: []string{"conv"}, Outputs: []string{"relu"}},
		},
	}
}

// refSmallCNN computes smallCNN's output with the float64 references,
// rounding to float32 between layers as the model does.
func refSmallCNN(t *testing.T, g Graph, x *Tensor) []float64 {
	init := g.Initializers
	toTensor := func(values []float64, shape []int) *Tensor {
		data := make([]float32, len(values))
		for i, v := range values {
			data[i] = float32(v)
		}
		return mustTensor(t, data, shape...)
	}

	shape, conv, _ := refConv(x, init["conv.w"], init["conv.b"], 1, refWindow{kH: 3, kW: 3, sH: 1, sW: 1, dH: 1, dW: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1})
	for i, v := range conv {
		if v < 0 {
			conv[i] = 0
		}
	}
	shape, pooled := refMaxPool(toTensor(conv, shape), refWindow{kH: 2, kW: 2, sH: 2, sW: 2, dH: 1, dW: 1})
	batch := shape[0]
	flat := toTensor(pooled, []int{batch, 64})
	logits, _ := refGemm(flat, init["fc.w"], broadcastRef(init["fc.b"], batch, 10), false, true, 1, 1, batch, 10, 64)
	rounded := toTensor(logits, []int{batch, 10})
	return refSoftmax(rounded.Data, batch, 10, 1)
}

func TestModelMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	g := smallCNN(t, rng)
	m, err := NewModel(g)
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	x := randomTensor(t, rng, 3, 1, 8, 8)

	outputs, err := m.Run(map[string]*Tensor{"x": x})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}

	got := outputs["probs"]
	if got == nil || !sameShape(got.Shape, []int{3, 10}) {
		t.Fatalf("output probs = %v, want a [3 10] tensor", got)
	}
	want := refSmallCNN(t, g, x)
	tol := make([]float64, len(want))
	for i := range tol {
		tol[i] = 1e-5
	}
	checkClose(t, "probs", got.Data, want, tol)

	predicted, err := m.Predict(x)
	if err != nil {
		t.Fatalf("Predict: %v", err)
	}
	if !slices.Equal(predicted.Data, got.Data) {
		t.Errorf("Predict output differs from Run output")
	}
}

func TestModelExecutionOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, err := NewModel(smallCNN(t, rng))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	var names []string
	for _, node := range m.nodes {
		names = append(names, node.Layer.Name())
	}
	// The Relu after conv1 is fused into it.
	want := []string{"conv1", "pool", "flatten", "fc", "softmax"}
	if !slices.Equal(names, want) {
		t.Errorf("execution order %v, want %v", names, want)
	}
}

func TestModelRunConcurrently(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m, err := NewModel(smallCNN(t, rng))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	inputs := make([]*Tensor, 8)
	serial := make([][]float32, len(inputs))
	for i := range inputs {
		inputs[i] = randomTensor(t, rng, 1+i%3, 1, 8, 8)
		out, err := m.Predict(inputs[i])
		if err != nil {
			t.Fatalf("Predict: %v", err)
		}
		serial[i] = out.Data
	}

	var wg sync.WaitGroup
	results := make([][]float32, len(inputs))
	errs := make([]error, len(inputs))
	for i := range inputs {
		wg.Go(func() {
			out, err := m.Predict(inputs[i])
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = out.Data
		})
	}
	wg.Wait()

	for i := range inputs {
		if errs[i] != nil {
			t.Errorf("goroutine %d: %v", i, errs[i])
			continue
		}
		if !slices.Equal(results[i], serial[i]) {
			t.Errorf("goroutine %d: output differs from the serial run", i)
		}
	}
}

// identityNode returns a node that copies in to out.
func identityNode(name, in, out string) Node {
	return Node{Layer: Identity{NodeName: name}, Inputs: []string{in}, Outputs: []string{out}}
}

func TestNewModelValidation(t *testing.T) {
	x := ValueInfo{Name: "x", Shape: []int{2}}
	y := ValueInfo{Name: "y", Shape: []int{2}}
	vector := mustTensor(t, []float32{1, 2}, 2)

	cases := []struct {
		name  string
		graph Graph
		want  string
	}{
		{"cycle", Graph{Inputs: []ValueInfo{x}, Outputs: []ValueInfo{y}, Nodes: []Node{
			{Layer: MatMul{NodeName: "a"}, Inputs: []string{"x", "b_out"}, Outputs: []string{"a_out"}},
			identityNode("b", "a_out", "b_out"),
			identityNode("c", "a_out", "y"),
		}}, `graph has a cycle: nodes ["a" "b" "c"]`},
		{"self loop", Graph{Inputs: []ValueInfo{x}, Outputs: []ValueInfo{y}, Nodes: []Node{
			{Layer: MatMul{NodeName: "a"}, Inputs: []string{"x", "y"}, Outputs: []string{"y"}},
		}}, "graph has a cycle"},
		{"undefined node input", Graph{Inputs: []ValueInfo{x}, Outputs: []ValueInfo{y}, Nodes: []Node{
			identityNode("a", "z", "y"),
		}}, `node "a": input "z" is not a graph input, initializer or node output`},
		{"output written twice", Graph{Inputs: []ValueInfo{x}, Outputs: []ValueInfo{y}, Nodes: []Node{
			identityNode("a", "x", "y"),
			identityNode("b", "x", "y"),
		}}, `node "b": output "y" is already defined by node "a"`},
		{"output shadows graph input", Graph{Inputs: []ValueInfo{x}, Outputs: []ValueInfo{x}, Nodes: []Node{
			identityNode("a", "x", "x"),
		}}, `node "a": output "x" is already defined by graph input`},
		{"output shadows initializer", Graph{Inputs: []ValueInfo{x}, Outputs: []ValueInfo{y},
			Initializers: map[string]*Tensor{"w": vector},
			Nodes:        []Node{identityNode("a", "x", "w"), identityNode("b", "w", "y")},
		}, `node "a": output "w" is already defined by initializer`},
		{"undefined graph output", Graph{Inputs: []ValueInfo{x}, Outputs: []ValueInfo{y}, Nodes: []Node{
			identityNode("a", "x", "z"),
		}}, `graph output "y" is not defined`},
		{"graph output listed twice", Graph{Inputs: []ValueInfo{x}, Outputs: []ValueInfo{y, y}, Nodes: []Node{
			identityNode("a", "x", "y"),
		}}, `graph output "y" is listed twice`},
		{"graph input listed twice", Graph{Inputs: []ValueInfo{x, x}}, `graph input "x" is listed twice`},
		{"graph input without name", Graph{Inputs: []ValueInfo{{Shape: []int{1}}}}, "graph input with shape [1] has an empty name"},
		{"graph input dimension -2", Graph{Inputs: []ValueInfo{{Name: "x", Shape: []int{-2}}}}, `graph input "x" has shape [-2]`},
		{"node without layer", Graph{Inputs: []ValueInfo{x}, Nodes: []Node{{Inputs: []string{"x"}}}}, "node 0 has no layer"},
		{"nil initializer", Graph{Initializers: map[string]*Tensor{"w": nil}}, `initializer "w" is nil`},
		{"initializer without name", Graph{Initializers: map[string]*Tensor{"": vector}}, "an initializer has an empty name"},
		{"inconsistent initializer", Graph{Initializers: map[string]*Tensor{"w": {Shape: []int{3}, Data: []float32{1}}}},
			`initializer "w": float32 tensor of shape [3] has 1 elements`},
		{"initializer does not fit its input", Graph{Inputs: []ValueInfo{{Name: "x", Shape: []int{3}}},
			Initializers: map[string]*Tensor{"x": vector}}, `initializer for graph input "x": shape [2], want [3]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewModel(tc.graph)
			if err == nil {
				t.Fatalf("NewModel succeeded, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestModelRunInputValidation(t *testing.T) {
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{-1, 3}}, {Name: "ids", Shape: []int{2}, DType: Int64}},
		Outputs: []ValueInfo{{Name: "y"}, {Name: "ids_out"}},
		Nodes: []Node{
			{Layer: Relu{NodeName: "relu"}, Inputs: []string{"x"}, Outputs: []string{"y"}},
			identityNode("id", "ids", "ids_out"),
		},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	ids, _ := FromInt64([]int64{1, 2}, 2)
	x := mustTensor(t, []float32{-1, 0, 1, 2, -2, 3}, 2, 3)

	outputs, err := m.Run(map[string]*Tensor{"x": x, "ids": ids})
	if err != nil {
		t.Fatalf("Run with valid inputs: %v", err)
	}
	if !slices.Equal(outputs["y"].Data, []float32{0, 0, 1, 2, 0, 3}) {
		t.Errorf("output y = %v, want [0 0 1 2 0 3]", outputs["y"].Data)
	}

	cases := []struct {
		name   string
		inputs map[string]*Tensor
		want   string
	}{
		{"missing input", map[string]*Tensor{"x": x}, `missing input "ids" (shape [2], int64)`},
		{"unknown input", map[string]*Tensor{"x": x, "ids": ids, "z": x}, `unknown input "z", want one of the model's inputs [x ids]`},
		{"nil input", map[string]*Tensor{"x": nil, "ids": ids}, `input "x": tensor is nil`},
		{"wrong element type", map[string]*Tensor{"x": ids, "ids": ids}, `input "x": element type int64, want float32`},
		{"wrong rank", map[string]*Tensor{"x": mustTensor(t, make([]float32, 3), 3), "ids": ids}, `input "x": shape [3] has rank 1, want rank 2`},
		{"wrong fixed dimension", map[string]*Tensor{"x": mustTensor(t, make([]float32, 4), 2, 2), "ids": ids}, `input "x": shape [2 2], want [-1 3]`},
		{"inconsistent tensor", map[string]*Tensor{"x": {Shape: []int{1, 3}, Data: []float32{1}}, "ids": ids}, `input "x": float32 tensor of shape [1 3] has 1 elements`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Run(tc.inputs)
			if err == nil {
				t.Fatalf("Run succeeded, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestModelRunWrapsLayerError(t *testing.T) {
	// Free spatial dimensions keep the error from surfacing when NewModel
	// infers shapes, so Run reports it.
	m, err := NewModel(Graph{
		Inputs:       []ValueInfo{{Name: "x", Shape: []int{1, 1, -1, -1}}},
		Outputs:      []ValueInfo{{Name: "y"}},
		Initializers: map[string]*Tensor{"w": mustTensor(t, make([]float32, 25), 1, 1, 5, 5)},
		Nodes:        []Node{{Layer: Conv{NodeName: "conv1"}, Inputs: []string{"x", "w"}, Outputs: []string{"y"}}},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}

	_, err = m.Run(map[string]*Tensor{"x": mustTensor(t, make([]float32, 4), 1, 1, 2, 2)})

	want := `node "conv1": conv "conv1": dilated kernel 5x5 larger than padded input 2x2`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}

func TestModelRunMissingLayerOutput(t *testing.T) {
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{1, 1, -1, -1}}},
		Outputs: []ValueInfo{{Name: "indices"}},
		Nodes: []Node{{Layer: MaxPool{NodeName: "pool", KernelShape: []int{2, 2}},
			Inputs: []string{"x"}, Outputs: []string{"y", "indices"}}},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}

	_, err = m.Run(map[string]*Tensor{"x": mustTensor(t, make([]float32, 4), 1, 1, 2, 2)})

	want := `node "pool": MaxPool produced 1 outputs, but the graph reads output 1 as "indices"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}

func TestModelInitializerDefaults(t *testing.T) {
	// "scale" is a graph input with an initializer as default value, as
	// models from before ONNX IR version 4 list their weights.
	m, err := NewModel(Graph{
		Inputs:       []ValueInfo{{Name: "x", Shape: []int{1, 2}}, {Name: "scale", Shape: []int{2, 1}}},
		Outputs:      []ValueInfo{{Name: "y"}, {Name: "scale"}},
		Initializers: map[string]*Tensor{"scale": mustTensor(t, []float32{2, 3}, 2, 1)},
		Nodes:        []Node{{Layer: MatMul{NodeName: "mm"}, Inputs: []string{"x", "scale"}, Outputs: []string{"y"}}},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	x := mustTensor(t, []float32{1, 1}, 1, 2)
	runY := func(inputs map[string]*Tensor) float32 {
		t.Helper()
		outputs, err := m.Run(inputs)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		return outputs["y"].Data[0]
	}

	if y := runY(map[string]*Tensor{"x": x}); y != 5 {
		t.Errorf("output with the default = %v, want 5", y)
	}
	if y := runY(map[string]*Tensor{"x": x, "scale": mustTensor(t, []float32{10, 20}, 2, 1)}); y != 30 {
		t.Errorf("output with scale given = %v, want 30", y)
	}

	// A graph output that is an initializer comes back as a copy, so
	// writing to it cannot change the model.
	outputs, err := m.Run(map[string]*Tensor{"x": x})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	outputs["scale"].Data[0] = 100
	if y := runY(map[string]*Tensor{"x": x}); y != 5 {
		t.Errorf("writing an output changed the model: output %v, want 5", y)
	}
}

func TestModelPredictNeedsOneInputAndOutput(t *testing.T) {
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "a", Shape: []int{2}}, {Name: "b", Shape: []int{2}}},
		Outputs: []ValueInfo{{Name: "c"}},
		Nodes:   []Node{{Layer: MatMul{NodeName: "mm"}, Inputs: []string{"a", "b"}, Outputs: []string{"c"}}},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	_, err = m.Predict(mustTensor(t, []float32{1, 2}, 2))
	want := "predict needs a model with 1 required input and 1 output, but this one has required inputs [a b] and 1 outputs"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}

func TestModelAccessorsReturnCopies(t *testing.T) {
	m, err := NewModel(Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{-1, 4}}},
		Outputs: []ValueInfo{{Name: "y", Shape: []int{-1, 4}}},
		Nodes:   []Node{{Layer: Relu{NodeName: "relu"}, Inputs: []string{"x"}, Outputs: []string{"y"}}},
	})
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	inputs := m.Inputs()
	if len(inputs) != 1 || inputs[0].Name != "x" || !sameShape(inputs[0].Shape, []int{-1, 4}) {
		t.Fatalf("Inputs() = %v, want [{x [-1 4] float32}]", inputs)
	}
	inputs[0].Shape[1] = 5
	if m.Inputs()[0].Shape[1] != 4 {
		t.Errorf("changing the result of Inputs changed the model")
	}
	outputs := m.Outputs()
	if len(outputs) != 1 || outputs[0].Name != "y" {
		t.Errorf("Outputs() = %v, want [{y [-1 4] float32}]", outputs)
	}

	x := mustTensor(t, []float32{-1, 2, -3, math.MaxFloat32}, 1, 4)
	y, err := m.Predict(x)
	if err != nil {
		t.Fatalf("Predict: %v", err)
	}
	if !slices.Equal(y.Data, []float32{0, 2, 0, math.MaxFloat32}) {
		t.Errorf("output %v, want [0 2 0 MaxFloat32]", y.Data)
	}
}
