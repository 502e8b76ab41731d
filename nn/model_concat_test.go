package nn

import (
	"math/rand/v2"
	"testing"
)

// fireGraph returns a SqueezeNet fire module on x [-1, 4, 6, 6]: a 1×1
// squeeze, then a 1×1 and a 3×3 expand joined by Concat, then a 1×1
// convolution of the joined channels into y. change edits the graph
// before it is returned, for the cases that must not be joined.
func fireGraph(t *testing.T, rng *rand.Rand, change func(g *Graph)) Graph {
	g := Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{-1, 4, 6, 6}}},
		Outputs: []ValueInfo{{Name: "y", Shape: []int{-1, 2, 6, 6}}},
		Initializers: map[string]*Tensor{
			"sq.w": randomTensor(t, rng, 3, 4, 1, 1), "sq.b": randomTensor(t, rng, 3),
			"e1.w": randomTensor(t, rng, 5, 3, 1, 1), "e1.b": randomTensor(t, rng, 5),
			"e3.w": randomTensor(t, rng, 7, 3, 3, 3), "e3.b": randomTensor(t, rng, 7),
			"out.w": randomTensor(t, rng, 2, 12, 1, 1),
		},
		Nodes: []Node{
			{Layer: Conv{NodeName: "squeeze"}, Inputs: []string{"x", "sq.w", "sq.b"}, Outputs: []string{"sq"}},
			{Layer: Relu{NodeName: "squeeze_relu"}, Inputs: []string{"sq"}, Outputs: []string{"s"}},
			{Layer: Conv{NodeName: "expand1x1"}, Inputs: []string{"s", "e1.w", "e1.b"}, Outputs: []string{"e1"}},
			{Layer: Conv{NodeName: "expand3x3", Pads: []int{1, 1, 1, 1}, FuseReLU: true}, Inputs: []string{"s", "e3.w", "e3.b"}, Outputs: []string{"e3"}},
			{Layer: Concat{NodeName: "concat", Axis: 1}, Inputs: []string{"e1", "e3"}, Outputs: []string{"cat"}},
			{Layer: Conv{NodeName: "out"}, Inputs: []string{"cat", "out.w"}, Outputs: []string{"y"}},
		},
	}
	if change != nil {
		change(&g)
	}
	return g
}

// concatJoined runs m on x twice, checks the output against Forward's bit
// for bit, and reports whether the plan joined the Concat node.
func concatJoined(t *testing.T, m *Model, x *Tensor) bool {
	t.Helper()
	want := forwardOutputs(t, m, x)
	for run := range 2 {
		outputs, err := m.Run(map[string]*Tensor{"x": x})
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		got := outputs["y"]
		if !sameShape(got.Shape, want.Shape) || !sameBits(got.Data, want.Data) {
			t.Fatalf("run %d: planned output %v %v, want %v %v", run, got.Shape, got.Data, want.Shape, want.Data)
		}
	}
	p := m.plans.find([]*Tensor{x})
	if p == nil {
		t.Fatalf("no plan after two runs")
	}
	for _, step := range p.steps {
		if _, ok := m.nodes[step.node].Layer.(Concat); ok {
			return step.kind == stepJoined
		}
	}
	t.Fatalf("no Concat step in the plan")
	return false
}

func TestConcatJoinedForOneImage(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	m, err := NewModel(fireGraph(t, rng, nil))
	if err != nil {
		t.Fatalf("NewModel: %v", err)
	}
	if !concatJoined(t, m, randomTensor(t, rng, 1, 4, 6, 6)) {
		t.Errorf("batch 1: Concat along channels not joined")
	}
	// With two images the inputs are not contiguous ranges of the output.
	if concatJoined(t, m, randomTensor(t, rng, 2, 4, 6, 6)) {
		t.Errorf("batch 2: Concat joined")
	}
}

func TestConcatNotJoined(t *testing.T) {
	cases := []struct {
		name   string
		change func(g *Graph)
	}{
		{"input read by another node", func(g *Graph) {
			g.Outputs = append(g.Outputs, ValueInfo{Name: "e1_relu"})
			g.Nodes = append(g.Nodes, Node{Layer: Relu{NodeName: "extra"}, Inputs: []string{"e1"}, Outputs: []string{"e1_relu"}})
		}},
		{"input is a graph output", func(g *Graph) {
			g.Outputs = append(g.Outputs, ValueInfo{Name: "e3"})
		}},
		{"input is the graph input", func(g *Graph) {
			g.Nodes[4].Inputs = []string{"x", "e3", "e1"}
			g.Initializers["out.w"] = randomTensor(t, rand.New(rand.NewPCG(1, 1)), 2, 16, 1, 1)
		}},
		{"same input twice", func(g *Graph) {
			g.Nodes[4].Inputs = []string{"e3", "e3"}
			g.Initializers["out.w"] = randomTensor(t, rand.New(rand.NewPCG(1, 1)), 2, 14, 1, 1)
		}},
		{"input is a view", func(g *Graph) {
			g.Nodes = append(g.Nodes[:3:3], Node{Layer: Identity{NodeName: "view"}, Inputs: []string{"e1"}, Outputs: []string{"e1_view"}}, g.Nodes[3],
				Node{Layer: Concat{NodeName: "concat", Axis: 1}, Inputs: []string{"e1_view", "e3"}, Outputs: []string{"cat"}}, g.Nodes[5])
		}},
		{"axis after a dimension above 1", func(g *Graph) {
			g.Nodes = []Node{g.Nodes[0], g.Nodes[1], g.Nodes[3],
				{Layer: Conv{NodeName: "expand3x3_again", Pads: []int{1, 1, 1, 1}}, Inputs: []string{"s", "e3.w"}, Outputs: []string{"e3_again"}},
				{Layer: Concat{NodeName: "concat", Axis: 2}, Inputs: []string{"e3", "e3_again"}, Outputs: []string{"cat"}},
				{Layer: Conv{NodeName: "out"}, Inputs: []string{"cat", "out7.w"}, Outputs: []string{"y"}}}
			g.Initializers["out7.w"] = randomTensor(t, rand.New(rand.NewPCG(1, 1)), 2, 7, 1, 1)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(63, 64))
			m, err := NewModel(fireGraph(t, rng, tc.change))
			if err != nil {
				t.Fatalf("NewModel: %v", err)
			}
			if concatJoined(t, m, randomTensor(t, rng, 1, 4, 6, 6)) {
				t.Errorf("Concat joined")
			}
		})
	}
}
