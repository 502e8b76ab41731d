package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convPoolGraph is x → Conv → Relu → MaxPool → y with a conv of the given
// geometry and the pool's attributes. With weightsInput, W is a model
// input, so the weights are not constant and are packed on each run.
func convPoolGraph(t *testing.T, rng *rand.Rand, x []int, conv Conv, outC, kernel int, pool MaxPool, weightsInput bool) (Graph, *Tensor) {
	t.Helper()
	group := max(conv.Group, 1)
	w := randomNaNTensor(t, rng, outC, x[1]/group, kernel, kernel)
	b := randomNaNTensor(t, rng, outC)
	conv.NodeName, pool.NodeName = "conv", "pool"
	g := Graph{
		Inputs:       []ValueInfo{{Name: "x", Shape: x}},
		Outputs:      []ValueInfo{{Name: "y"}},
		Initializers: map[string]*Tensor{"w": w, "b": b},
		Nodes: []Node{
			{Layer: conv, Inputs: []string{"x", "w", "b"}, Outputs: []string{"c"}},
			{Layer: Relu{NodeName: "relu"}, Inputs: []string{"c"}, Outputs: []string{"r"}},
			{Layer: pool, Inputs: []string{"r"}, Outputs: []string{"y"}},
		},
	}
	if weightsInput {
		delete(g.Initializers, "w")
		g.Inputs = append(g.Inputs, ValueInfo{Name: "w", Shape: w.Shape})
	}
	return g, w
}

// randomNaNTensor returns a tensor of values in [-1, 1) with about one NaN
// in 300.
func randomNaNTensor(t *testing.T, rng *rand.Rand, shape ...int) *Tensor {
	t.Helper()
	x, err := New(shape...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.Data {
		x.Data[i] = rng.Float32()*2 - 1
		if rng.IntN(300) == 0 {
			x.Data[i] = float32(math.NaN())
		}
	}
	return x
}

// TestConvMaxPoolFusedMatchesLayers runs Conv → Relu → MaxPool as one
// fused model node and as the three layers' Forward calls, and requires
// the same bits. The stems at pad 0 and 1, ceil mode and batch 2 take the
// fused kernel. Groups, weights that are a model input and an end padding
// that leaves a window outside Y take the paths that compute Y whole
// first.
func TestConvMaxPoolFusedMatchesLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	stem := Conv{Strides: []int{2, 2}}
	pool := func(pads []int, ceil bool) MaxPool {
		return MaxPool{KernelShape: []int{3, 3}, Strides: []int{2, 2}, Pads: pads, CeilMode: ceil}
	}
	cases := []struct {
		name         string
		x            []int
		conv         Conv
		outC, kernel int
		pool         MaxPool
		weightsInput bool
	}{
		{"squeezenet stem", []int{1, 3, 67, 99}, stem, 16, 3, pool(nil, true), false},
		{"resnet stem", []int{1, 3, 64, 96}, Conv{Strides: []int{2, 2}, Pads: []int{3, 3, 3, 3}}, 8, 7, pool([]int{1, 1, 1, 1}, false), false},
		{"batch 2", []int{2, 2, 40, 70}, Conv{Pads: []int{1, 1, 1, 1}}, 7, 3, pool([]int{1, 1, 0, 0}, true), false},
		{"groups", []int{1, 4, 30, 60}, Conv{Group: 2}, 6, 3, pool(nil, false), false},
		{"weights input", []int{1, 3, 30, 60}, stem, 8, 3, pool(nil, false), true},
		{"end padding past Y", []int{1, 2, 20, 60}, Conv{}, 4, 3, pool([]int{0, 0, 3, 3}, false), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, w := convPoolGraph(t, rng, c.x, c.conv, c.outC, c.kernel, c.pool, c.weightsInput)
			m, err := NewModel(g)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.nodes) != 1 {
				t.Fatalf("model has %d nodes after fusion, want 1", len(m.nodes))
			}
			if conv, ok := m.nodes[0].Layer.(Conv); !ok || conv.FuseMaxPool == nil || !conv.FuseReLU {
				t.Fatalf("node is %+v, want a Conv with FuseReLU and FuseMaxPool", m.nodes[0].Layer)
			}

			x := randomNaNTensor(t, rng, c.x...)
			feeds := map[string]*Tensor{"x": x}
			if c.weightsInput {
				feeds["w"] = w
			}
			got, err := m.Run(feeds)
			if err != nil {
				t.Fatal(err)
			}

			conv := g.Nodes[0].Layer.(Conv)
			y, err := conv.Forward([]*Tensor{x, w, g.Initializers["b"]})
			if err != nil {
				t.Fatal(err)
			}
			r, err := Relu{}.Forward(y)
			if err != nil {
				t.Fatal(err)
			}
			want, err := g.Nodes[2].Layer.Forward(r)
			if err != nil {
				t.Fatal(err)
			}
			compareBits(t, got["y"], want[0])
		})
	}
}

func compareBits(t *testing.T, got, want *Tensor) {
	t.Helper()
	if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
		t.Fatalf("shape %v, want %v", got.Shape, want.Shape)
	}
	for i, w := range want.Data {
		g := got.Data[i]
		if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			t.Fatalf("element %d = %v, the separate layers give %v", i, g, w)
		}
	}
}

// TestConvMaxPoolNotFused checks the cases that fuseMaxPools leaves alone.
func TestConvMaxPoolNotFused(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	cases := map[string]func(g *Graph){
		"2x2 pool": func(g *Graph) {
			g.Nodes[2].Layer = MaxPool{NodeName: "pool", KernelShape: []int{2, 2}, Strides: []int{2, 2}}
		},
		"dilated pool": func(g *Graph) {
			g.Nodes[2].Layer = MaxPool{NodeName: "pool", KernelShape: []int{3, 3}, Strides: []int{2, 2}, Dilations: []int{2, 2}}
		},
		"unequal begin pads": func(g *Graph) {
			g.Nodes[2].Layer = MaxPool{NodeName: "pool", KernelShape: []int{3, 3}, Strides: []int{2, 2}, Pads: []int{0, 1, 0, 1}}
		},
		"pool with indices": func(g *Graph) {
			g.Nodes[2].Layer = MaxPool{NodeName: "pool", KernelShape: []int{3, 3}, Strides: []int{2, 2}, OutputIndices: true}
			g.Nodes[2].Outputs = []string{"y", "i"}
		},
		"conv output read twice": func(g *Graph) {
			g.Outputs = append(g.Outputs, ValueInfo{Name: "r"})
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			g, _ := convPoolGraph(t, rng, []int{1, 2, 20, 20}, Conv{}, 4, 3, MaxPool{KernelShape: []int{3, 3}, Strides: []int{2, 2}}, false)
			edit(&g)
			m, err := NewModel(g)
			if err != nil {
				t.Fatal(err)
			}
			for _, node := range m.nodes {
				if conv, ok := node.Layer.(Conv); ok && conv.FuseMaxPool != nil {
					t.Fatal("Conv fused with a MaxPool that it must not take")
				}
			}
		})
	}
}
