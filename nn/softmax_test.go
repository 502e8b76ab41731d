package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// softmaxTolerance allows float32 rounding of each probability plus the
// rounding of float32 inputs near large logits.
func softmaxTolerance(want []float64) []float64 {
	tol := make([]float64, len(want))
	for i, w := range want {
		tol[i] = 1e-6*math.Abs(w) + 1e-7
	}
	return tol
}

func TestSoftmaxMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][]int{{5}, {3, 4}, {2, 3, 4}, {2, 3, 4, 5}, {1, 10}, {4, 1}, {2, 0, 3}}
	for _, shape := range shapes {
		rank := len(shape)
		for axis := -rank; axis < rank; axis++ {
			for _, coerce := range []bool{false, true} {
				x := randomTensor(t, rng, shape...)
				for i := range x.Data {
					x.Data[i] *= 10
				}
				label := fmt.Sprintf("shape %v axis %d coerce2D %v", shape, axis, coerce)

				got := forwardOne(t, Softmax{NodeName: "softmax1", Axis: axis, Coerce2D: coerce}, x)

				a := axis
				if a < 0 {
					a += rank
				}
				outer, n, inner := 1, shape[a], 1
				for _, d := range shape[:a] {
					outer *= d
				}
				for _, d := range shape[a+1:] {
					inner *= d
				}
				if coerce {
					n, inner = n*inner, 1
				}
				want := refSoftmax(x.Data, outer, n, inner)
				if !sameShape(got.Shape, shape) {
					t.Errorf("%s: output shape %v, want %v", label, got.Shape, shape)
					continue
				}
				checkClose(t, label, got.Data, want, softmaxTolerance(want))
			}
		}
	}
}

func TestSoftmaxCoerce2DDiffersFromAxis(t *testing.T) {
	// On [2, 3] with axis 0 the opset-13 softmax normalises each column,
	// while the coerced one normalises all 6 elements as one row.
	x := mustTensor(t, []float32{0, 0, 0, 0, 0, 0}, 2, 3)
	perAxis := forwardOne(t, Softmax{NodeName: "softmax1", Axis: 0}, x)
	coerced := forwardOne(t, Softmax{NodeName: "softmax1", Axis: 0, Coerce2D: true}, x)
	for i := range x.Data {
		if math.Abs(float64(perAxis.Data[i])-0.5) > 1e-7 {
			t.Errorf("axis 0: element %d = %v, want 0.5", i, perAxis.Data[i])
		}
		if math.Abs(float64(coerced.Data[i])-1.0/6) > 1e-7 {
			t.Errorf("coerced: element %d = %v, want 1/6", i, coerced.Data[i])
		}
	}
}

func TestSoftmaxLargeLogits(t *testing.T) {
	// exp(10000) overflows float64, so this needs the maximum subtracted.
	x := mustTensor(t, []float32{10000, 10001, 10002, -10000}, 1, 4)
	got := forwardOne(t, Softmax{NodeName: "softmax1", Axis: -1}, x)
	e := []float64{math.Exp(-2), math.Exp(-1), 1, 0}
	sum := e[0] + e[1] + e[2]
	want := []float64{e[0] / sum, e[1] / sum, e[2] / sum, 0}
	checkClose(t, "large logits", got.Data, want, softmaxTolerance(want))
}

func TestSoftmaxNonFiniteRows(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		name string
		row  []float32
		want []float64
	}{
		{"NaN makes the row NaN", []float32{1, nan, 2}, []float64{math.NaN(), math.NaN(), math.NaN()}},
		{"+Inf makes the row NaN", []float32{1, inf, 2}, []float64{math.NaN(), math.NaN(), math.NaN()}},
		{"all -Inf is NaN", []float32{-inf, -inf}, []float64{math.NaN(), math.NaN()}},
		{"-Inf next to finite is 0", []float32{-inf, 0, 0}, []float64{0, 0.5, 0.5}},
		{"one element", []float32{-3}, []float64{1}},
	}
	for _, tc := range cases {
		x := mustTensor(t, tc.row, 1, len(tc.row))
		got := forwardOne(t, Softmax{NodeName: "softmax1", Axis: 1}, x)
		checkClose(t, tc.name, got.Data, tc.want, softmaxTolerance(tc.want))
	}

	// A non-finite row leaves the other rows alone.
	x := mustTensor(t, []float32{nan, 0, 0, 0}, 2, 2)
	got := forwardOne(t, Softmax{NodeName: "softmax1", Axis: 1}, x)
	want := []float64{math.NaN(), math.NaN(), 0.5, 0.5}
	checkClose(t, "second row", got.Data, want, softmaxTolerance(want))
}

func TestSoftmaxValidation(t *testing.T) {
	x := mustTensor(t, make([]float32, 6), 2, 3)
	xInt, _ := FromInt64(make([]int64, 2), 2)
	s := Softmax{NodeName: "softmax1", Axis: 2}
	wantError(t, s, "axis 2 out of range [-2, 1] for input of shape [2 3]", x)
	wantError(t, Softmax{NodeName: "softmax1", Axis: -3}, "axis -3 out of range", x)
	wantError(t, Softmax{NodeName: "softmax1"}, "input is a scalar, want rank at least 1", mustTensor(t, []float32{1}))
	wantError(t, Softmax{NodeName: "softmax1"}, "input has element type int64", xInt)
	wantError(t, Softmax{NodeName: "softmax1"}, "got 0 inputs, want 1")
	wantError(t, Softmax{NodeName: "softmax1"}, "input is missing", nil)
}
