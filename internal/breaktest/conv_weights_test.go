package breaktest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/nn"
)

// A prepared Conv used to cache its packed (or Winograd-transformed)
// weights under the address and length of W's elements only. When W is
// computed in the graph, here W = Mul(W0, s) with s a model input, the
// memory plan gives W the same buffer on every run, so the second run
// convolved with the weights of the first. Only constant weights are
// cached now.
func TestConvComputedWeightsRepacked(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const c, m, h = 16, 16, 8
	w0 := normals(r, m*c*9, 1)
	w0t, _ := nn.FromSlice(w0, m, c, 3, 3)
	model, err := nn.NewModel(nn.Graph{
		Inputs:       []nn.ValueInfo{{Name: "x", Shape: []int{1, c, h, h}}, {Name: "s", Shape: []int{1}}},
		Outputs:      []nn.ValueInfo{{Name: "y"}},
		Initializers: map[string]*nn.Tensor{"w0": w0t},
		Nodes: []nn.Node{
			{Layer: nn.Mul{}, Inputs: []string{"w0", "s"}, Outputs: []string{"w"}},
			{Layer: nn.Conv{Pads: []int{1, 1, 1, 1}}, Inputs: []string{"x", "w"}, Outputs: []string{"y"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	x := normals(r, c*h*h, 1)
	xt, _ := nn.FromSlice(x, 1, c, h, h)
	for _, scale := range []float32{1, -3} {
		st, _ := nn.FromSlice([]float32{scale}, 1)
		out, err := model.Run(map[string]*nn.Tensor{"x": xt, "s": st})
		if err != nil {
			t.Fatal(err)
		}
		w := make([]float32, len(w0))
		for i := range w {
			w[i] = w0[i] * scale
		}
		want := conv3x3Ref(x, w, c, h, h, m, 1, 1, 1, 1)
		for i, got := range out["y"].Data {
			if d := math.Abs(float64(got) - want[i]); d > 1e-2 {
				t.Fatalf("s = %g: y[%d] is %g, want %g", scale, i, got, want[i])
			}
		}
	}
}
