package nn

import (
	"math/rand/v2"
	"testing"
)

func TestProfileTimesEveryNode(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	m, err := NewModel(smallCNN(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	shape := m.Inputs()[0].Shape
	if shape[0] < 0 {
		shape[0] = 2 // a free batch dimension
	}
	x := randomTensor(t, rng, shape...)
	times, err := m.Profile(map[string]*Tensor{m.Inputs()[0].Name: x}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(times) != len(m.nodes) {
		t.Fatalf("Profile returned %d nodes, the model runs %d", len(times), len(m.nodes))
	}
	for i, nt := range times {
		if nt.Name != m.nodes[i].Layer.Name() || nt.OpType != m.nodes[i].Layer.OpType() {
			t.Errorf("node %d is %s %q, want %s %q", i, nt.OpType, nt.Name, m.nodes[i].Layer.OpType(), m.nodes[i].Layer.Name())
		}
		if nt.Duration <= 0 {
			t.Errorf("node %q took %v, want a positive time", nt.Name, nt.Duration)
		}
	}

	if _, err := m.Profile(map[string]*Tensor{m.Inputs()[0].Name: x}, 0); err == nil {
		t.Error("Profile with 0 runs returned no error")
	}
}
