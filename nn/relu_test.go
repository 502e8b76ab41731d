package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestReluMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	negZero := float32(math.Copysign(0, -1))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), negZero, 0, -1e-38, 1e-38}

	// Lengths 0 to 49 with special values at every position, so that a
	// kernel's vector body and scalar tail both see them for vector widths
	// up to 16.
	for n := 0; n <= 49; n++ {
		x := randomTensor(t, rng, n)
		for i := range x.Data {
			if i%3 == n%3 {
				x.Data[i] = special[(i+n)%len(special)]
			}
		}
		xBefore := slices.Clone(x.Data)

		got := forwardOne(t, Relu{NodeName: "relu1"}, x)

		if !sameShape(got.Shape, x.Shape) {
			t.Fatalf("length %d: output shape %v, want %v", n, got.Shape, x.Shape)
		}
		for i, v := range x.Data {
			want := v // PyTorch's ReLU: NaN and -0 pass through
			if v < 0 {
				want = 0
			}
			g := got.Data[i]
			sameNaN := math.IsNaN(float64(g)) && math.IsNaN(float64(want))
			if !sameNaN && math.Float32bits(g) != math.Float32bits(want) {
				t.Errorf("length %d: relu(%v) at %d = %v, want %v", n, v, i, g, want)
			}
		}
		if !sameBits(x.Data, xBefore) {
			t.Errorf("length %d: Forward modified its input", n)
		}
	}
}

func TestReluKeepsShape(t *testing.T) {
	x := mustTensor(t, []float32{-1, 2, -3, 4, -5, 6}, 1, 2, 3)
	got := forwardOne(t, Relu{NodeName: "relu1"}, x)
	if !sameShape(got.Shape, []int{1, 2, 3}) {
		t.Errorf("output shape %v, want [1 2 3]", got.Shape)
	}
	if !slices.Equal(got.Data, []float32{0, 2, 0, 4, 0, 6}) {
		t.Errorf("output %v, want [0 2 0 4 0 6]", got.Data)
	}
}

func TestReluValidation(t *testing.T) {
	xInt, _ := FromInt64([]int64{1, -1}, 2)
	x := mustTensor(t, []float32{1}, 1)
	relu := Relu{NodeName: "relu1"}
	wantError(t, relu, "got 0 inputs, want 1")
	wantError(t, relu, "got 2 inputs, want 1", x, x)
	wantError(t, relu, "input X is missing", nil)
	wantError(t, relu, "input X has element type int64, want float32", xInt)
	wantError(t, relu, "input X: float32 tensor of shape [2]", &Tensor{Shape: []int{2}, Data: []float32{1}})
}
