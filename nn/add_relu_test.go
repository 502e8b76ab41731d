package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// addActivationGraph is (x + r) → act → y on x and r of shape
// [1, 8, 32, 32], with the sum also read by a second node when shared is
// set.
func addActivationGraph(act Layer, shared bool) Graph {
	g := Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{1, 8, 32, 32}}, {Name: "r", Shape: []int{1, 8, 32, 32}}},
		Outputs: []ValueInfo{{Name: "y"}},
		Nodes: []Node{
			{Layer: Add{NodeName: "add"}, Inputs: []string{"x", "r"}, Outputs: []string{"sum"}},
			{Layer: act, Inputs: []string{"sum"}, Outputs: []string{"y"}},
		},
	}
	if shared {
		g.Outputs = append(g.Outputs, ValueInfo{Name: "sum2"})
		g.Nodes = append(g.Nodes, Node{Layer: Identity{NodeName: "copy"}, Inputs: []string{"sum"}, Outputs: []string{"sum2"}})
	}
	return g
}

func TestAddReluFused(t *testing.T) {
	m := fusedModel(t, addActivationGraph(Relu{NodeName: "relu"}, false))
	add, ok := m.nodes[0].Layer.(Add)
	if !ok || !add.FuseReLU || m.nodes[0].Outputs[0] != "y" {
		t.Fatalf("node 0 is %+v with outputs %v, want an Add with FuseReLU writing y", m.nodes[0].Layer, m.nodes[0].Outputs)
	}

	rng := rand.New(rand.NewPCG(81, 82))
	x, r := randomTensor(t, rng, 1, 8, 32, 32), randomTensor(t, rng, 1, 8, 32, 32)
	x.Data[5] = float32(math.NaN())
	out, err := m.Run(map[string]*Tensor{"x": x, "r": r})
	if err != nil {
		t.Fatal(err)
	}
	y := out["y"].Data
	for i := range y {
		want := max(0, x.Data[i]+r.Data[i])
		if i == 5 {
			if y[i] == y[i] {
				t.Errorf("y[5] = %v, want NaN from the NaN input", y[i])
			}
			continue
		}
		if y[i] != want {
			t.Fatalf("y[%d] = %v, want %v", i, y[i], want)
		}
	}
}

func TestAddActivationNotFused(t *testing.T) {
	cases := []struct {
		name   string
		graph  Graph
		layers int
	}{
		{"sum read by another node", addActivationGraph(Relu{NodeName: "relu"}, true), 3},
		{"Clip after the Add", addActivationGraph(Clip{NodeName: "relu6", Min: 0, Max: 6}, false), 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(tc.graph)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.nodes) != tc.layers {
				t.Fatalf("model has %d nodes, want %d", len(m.nodes), tc.layers)
			}
			if add := m.nodes[0].Layer.(Add); add.FuseReLU {
				t.Fatal("Add fused with its activation")
			}
		})
	}
}

// TestSameShapeApplySplitBitwise checks that splitting a long elementwise
// operation across threads gives the bits of one thread, with and without
// ReLU, and allocates nothing.
func TestSameShapeApplySplitBitwise(t *testing.T) {
	defer kernels.SetThreads(0)
	rng := rand.New(rand.NewPCG(83, 84))
	n := 3*minSplitElements + 5
	a := randomTensor(t, rng, n).Data
	b := randomTensor(t, rng, n).Data
	a[n-1] = float32(math.Inf(1))
	b[n-1] = float32(math.Inf(-1))
	for _, op := range []binaryOp{opAdd, opMul} {
		for _, relu := range []bool{false, true} {
			kernels.SetThreads(1)
			want := make([]float32, n)
			sameShapeApply(op, want, a, b, relu)
			for _, threads := range []int{2, 3} {
				kernels.SetThreads(threads)
				got := make([]float32, n)
				sameShapeApply(op, got, a, b, relu)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("op %v, relu %v, %d threads: element %d = %v, one thread gives %v", op, relu, threads, i, got[i], want[i])
					}
				}
				if raceEnabled {
					continue // the race detector allocates on its own
				}
				if allocs := testing.AllocsPerRun(10, func() { sameShapeApply(op, got, a, b, relu) }); allocs != 0 {
					t.Errorf("op %v, %d threads: %v allocations per call, want 0", op, threads, allocs)
				}
			}
		}
	}
}
