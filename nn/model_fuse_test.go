package nn

import (
	"math"
	"testing"
)

// convReluGraph is x → Conv → Relu → y, with the Conv output also read by
// a second node when shared is set.
func convReluGraph(t *testing.T, shared bool) Graph {
	t.Helper()
	w := mustTensor(t, []float32{1, -1, -1, 1}, 1, 1, 2, 2)
	g := Graph{
		Inputs:       []ValueInfo{{Name: "x", Shape: []int{1, 1, 3, 3}}},
		Outputs:      []ValueInfo{{Name: "y"}},
		Initializers: map[string]*Tensor{"w": w},
		Nodes: []Node{
			{Layer: Relu{NodeName: "relu"}, Inputs: []string{"c"}, Outputs: []string{"y"}},
			{Layer: Conv{NodeName: "conv"}, Inputs: []string{"x", "w"}, Outputs: []string{"c"}},
		},
	}
	if shared {
		g.Outputs = append(g.Outputs, ValueInfo{Name: "c2"})
		g.Nodes = append(g.Nodes, Node{Layer: Identity{NodeName: "copy"}, Inputs: []string{"c"}, Outputs: []string{"c2"}})
	}
	return g
}

// fusedModel builds g and checks that fusion left a single node.
func fusedModel(t *testing.T, g Graph) *Model {
	t.Helper()
	m, err := NewModel(g)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.nodes) != 1 {
		t.Fatalf("model has %d nodes after fusion, want 1", len(m.nodes))
	}
	return m
}

func TestConvReluFused(t *testing.T) {
	m := fusedModel(t, convReluGraph(t, false))
	conv, ok := m.nodes[0].Layer.(Conv)
	if !ok || !conv.FuseReLU || m.nodes[0].Outputs[0] != "y" {
		t.Fatalf("node 0 is %+v with outputs %v, want a Conv with FuseReLU writing y", m.nodes[0].Layer, m.nodes[0].Outputs)
	}

	x := mustTensor(t, []float32{1, 2, 3, 6, 5, 4, 7, 8, float32(math.NaN())}, 1, 1, 3, 3)
	out, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	// The 2x2 filter computes a-b-c+d over each window: -2, -2, 2.
	want := []float32{max(0, 1-2-6+5), max(0, 2-3-5+4), max(0, 6-5-7+8)}
	for i := 0; i < 3; i++ {
		if out.Data[i] != want[i] {
			t.Errorf("y[%d] = %v, want %v", i, out.Data[i], want[i])
		}
	}
	if v := out.Data[3]; v == v {
		t.Errorf("y[3] = %v, want NaN from the NaN input", v)
	}
}

func TestConvReluNotFusedWhenShared(t *testing.T) {
	m, err := NewModel(convReluGraph(t, true))
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range m.nodes {
		if conv, ok := node.Layer.(Conv); ok && conv.FuseReLU {
			t.Fatal("Conv fused with Relu although another node reads its output")
		}
	}
	if len(m.nodes) != 3 {
		t.Fatalf("model has %d nodes, want 3", len(m.nodes))
	}
}

// convClipGraph is x → Conv → Clip → y, where Clip takes its bounds from
// the attributes lo and hi, or, with inputs set, from the scalar
// initializers "lo" and "hi" (opset 11 on). With loFromInput the lower
// bound is a graph input instead, which a call may replace.
func convClipGraph(t *testing.T, lo, hi float32, inputs, loFromInput bool) Graph {
	t.Helper()
	w := mustTensor(t, []float32{1, -1, -1, 1}, 1, 1, 2, 2)
	clip := Node{Layer: Clip{NodeName: "clip", Min: lo, Max: hi}, Inputs: []string{"c"}, Outputs: []string{"y"}}
	g := Graph{
		Inputs:       []ValueInfo{{Name: "x", Shape: []int{1, 1, 3, 3}}},
		Outputs:      []ValueInfo{{Name: "y"}},
		Initializers: map[string]*Tensor{"w": w},
		Nodes: []Node{
			{Layer: Conv{NodeName: "conv"}, Inputs: []string{"x", "w"}, Outputs: []string{"c"}},
		},
	}
	if inputs {
		clip.Layer = Clip{NodeName: "clip", Min: float32(math.Inf(-1)), Max: float32(math.Inf(1))}
		clip.Inputs = []string{"c", "lo", "hi"}
		g.Initializers["lo"] = mustTensor(t, []float32{lo})
		g.Initializers["hi"] = mustTensor(t, []float32{hi})
		if loFromInput {
			g.Inputs = append(g.Inputs, ValueInfo{Name: "lo", Shape: []int{}})
		}
	}
	g.Nodes = append(g.Nodes, clip)
	return g
}

func TestConvClipFused(t *testing.T) {
	for _, inputs := range []bool{false, true} {
		m, err := NewModel(convClipGraph(t, 0, 1.5, inputs, false))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.nodes) != 1 {
			t.Fatalf("inputs=%v: model has %d nodes after fusion, want 1", inputs, len(m.nodes))
		}
		conv, ok := m.nodes[0].Layer.(Conv)
		if !ok || !conv.FuseReLU || conv.FuseCap != 1.5 {
			t.Fatalf("inputs=%v: node 0 is %+v, want a Conv with FuseReLU and FuseCap 1.5", inputs, m.nodes[0].Layer)
		}

		x := mustTensor(t, []float32{1, 2, 3, 6, 5, 4, 7, 8, 0}, 1, 1, 3, 3)
		out, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		// The 2x2 filter computes a-b-c+d over each window: -2, -2, 2, -7.
		for i, v := range []float32{1 - 2 - 6 + 5, 2 - 3 - 5 + 4, 6 - 5 - 7 + 8, 5 - 4 - 8 + 0} {
			if want := min(max(v, 0), 1.5); out.Data[i] != want {
				t.Errorf("inputs=%v: y[%d] = %v, want %v", inputs, i, out.Data[i], want)
			}
		}
	}
}

func TestConvClipNotFused(t *testing.T) {
	cases := map[string]Graph{
		"lower bound -1":          convClipGraph(t, -1, 6, true, false),
		"upper bound 0":           convClipGraph(t, 0, 0, false, false),
		"lower bound graph input": convClipGraph(t, 0, 6, true, true),
	}
	for name, g := range cases {
		m, err := NewModel(g)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(m.nodes) != 2 {
			t.Errorf("%s: model has %d nodes, want Conv and Clip", name, len(m.nodes))
		}
	}
}
