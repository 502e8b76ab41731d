package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// edgeValues are inputs at the edges of float32: signed zeros,
// infinities, NaN, the largest values and a subnormal.
var edgeValues = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -2.5,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
	-100, 100, 20, -20,
}

func TestLeakyRelu(t *testing.T) {
	x := mustTensor(t, edgeValues, len(edgeValues))
	y := forwardOne(t, LeakyRelu{NodeName: "lrelu", Alpha: 0.1}, x)
	want := make([]float64, len(edgeValues))
	for i, v := range edgeValues {
		w := float64(v)
		if w < 0 {
			w = float64(v * 0.1)
		}
		want[i] = w
	}
	checkExact(t, "LeakyRelu", y.Data, want)
}

func TestSigmoid(t *testing.T) {
	x := mustTensor(t, edgeValues, len(edgeValues))
	y := forwardOne(t, Sigmoid{NodeName: "sig"}, x)
	want := make([]float64, len(edgeValues))
	tol := make([]float64, len(edgeValues))
	for i, v := range edgeValues {
		want[i] = 1 / (1 + math.Exp(-float64(v)))
		// Rounding to float32 costs one unit of the last place, which is
		// the smallest subnormal for tiny results.
		tol[i] = 1e-7*want[i] + math.SmallestNonzeroFloat32
	}
	checkClose(t, "Sigmoid", y.Data, want, tol)
	if y.Data[6] != 1 || y.Data[7] != 0 {
		t.Errorf("Sigmoid(+Inf), Sigmoid(-Inf) = %v, %v, want 1, 0", y.Data[6], y.Data[7])
	}
}

func TestTanh(t *testing.T) {
	x := mustTensor(t, edgeValues, len(edgeValues))
	y := forwardOne(t, Tanh{NodeName: "tanh"}, x)
	want := make([]float64, len(edgeValues))
	tol := make([]float64, len(edgeValues))
	for i, v := range edgeValues {
		want[i] = math.Tanh(float64(v))
		tol[i] = 1e-7 * math.Abs(want[i])
	}
	checkClose(t, "Tanh", y.Data, want, tol)
}

func TestUnaryRejectsInt64(t *testing.T) {
	ids, _ := FromInt64([]int64{1, 2}, 2)
	for _, l := range []Layer{LeakyRelu{NodeName: "l"}, Sigmoid{NodeName: "s"}, Tanh{NodeName: "t"}, Clip{NodeName: "c"}} {
		wantError(t, l, "input has element type int64, want float32", ids)
	}
	wantError(t, Sigmoid{NodeName: "s"}, "got 0 inputs, want 1")
	wantError(t, Sigmoid{NodeName: "s"}, "input 0 is missing", nil)
}

func TestClipBounds(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	x := mustTensor(t, []float32{-3, -1, 0, 0.5, 2, 7, inf, -inf, nan}, 9)
	scalar := func(v float32) *Tensor { return mustTensor(t, []float32{v}) }

	tests := []struct {
		name   string
		layer  Clip
		inputs []*Tensor
		want   []float64
	}{
		{"attributes", Clip{Min: -1, Max: 1}, []*Tensor{x},
			[]float64{-1, -1, 0, 0.5, 1, 1, 1, -1, math.NaN()}},
		{"ReLU6 from inputs", Clip{Min: -inf, Max: inf}, []*Tensor{x, scalar(0), scalar(6)},
			[]float64{0, 0, 0, 0.5, 2, 6, 6, 0, math.NaN()}},
		{"min only", Clip{Min: -inf, Max: inf}, []*Tensor{x, scalar(0)},
			[]float64{0, 0, 0, 0.5, 2, 7, math.Inf(1), 0, math.NaN()}},
		{"max only", Clip{Min: -inf, Max: inf}, []*Tensor{x, nil, scalar(0.5)},
			[]float64{-3, -1, 0, 0.5, 0.5, 0.5, 0.5, math.Inf(-1), math.NaN()}},
		{"no bounds", Clip{Min: -inf, Max: inf}, []*Tensor{x},
			[]float64{-3, -1, 0, 0.5, 2, 7, math.Inf(1), math.Inf(-1), math.NaN()}},
		{"min above max gives max", Clip{Min: -inf, Max: inf}, []*Tensor{x, scalar(2), scalar(1)},
			[]float64{1, 1, 1, 1, 1, 1, 1, 1, math.NaN()}},
		{"1-element bound of rank 1", Clip{Min: -inf, Max: inf}, []*Tensor{x, mustTensor(t, []float32{1}, 1)},
			[]float64{1, 1, 1, 1, 2, 7, math.Inf(1), 1, math.NaN()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.layer.NodeName = "clip"
			y := forwardOne(t, tt.layer, tt.inputs...)
			checkExact(t, tt.name, y.Data, tt.want)
		})
	}
}

func TestClipRejectsBounds(t *testing.T) {
	x := mustTensor(t, []float32{1, 2}, 2)
	c := Clip{NodeName: "clip"}
	wantError(t, c, "input min is a float32 tensor of shape [2], want a float32 scalar", x, x)
	ids, _ := FromInt64([]int64{1})
	wantError(t, c, "input max is a int64 tensor of shape [], want a float32 scalar", x, nil, ids)
	wantError(t, c, "got 4 inputs, want 1 to 3", x, nil, nil, nil)
}

func TestUnaryForwardIntoInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	layers := []Layer{
		LeakyRelu{NodeName: "l", Alpha: 0.2}, Sigmoid{NodeName: "s"}, Tanh{NodeName: "t"},
		Clip{NodeName: "c", Min: -0.5, Max: 0.5}, Relu{NodeName: "r"},
	}
	for _, l := range layers {
		x := randomTensor(t, rng, 3, 5)
		want := forwardOne(t, l, x)
		if err := l.(IntoLayer).ForwardInto([]*Tensor{x}, []*Tensor{x}, nil); err != nil {
			t.Fatalf("%s ForwardInto in place: %v", l.OpType(), err)
		}
		if !sameBits(x.Data, want.Data) {
			t.Errorf("%s in place = %v, want %v", l.OpType(), x.Data, want.Data)
		}
	}
}
