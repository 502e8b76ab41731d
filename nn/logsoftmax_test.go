package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refLogSoftmax returns the log-softmax of each row of n elements spaced
// inner apart, in float64: log(exp(x - max) / sum), taken as
// (x - max) - log(sum) so that it stays finite where exp underflows.
func refLogSoftmax(x []float32, outer, n, inner int) []float64 {
	out := make([]float64, len(x))
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			at := func(j int) int { return (o*n+j)*inner + i }
			m := math.Inf(-1)
			for j := 0; j < n; j++ {
				m = max(m, float64(x[at(j)]))
			}
			sum := 0.0
			for j := 0; j < n; j++ {
				sum += math.Exp(float64(x[at(j)]) - m)
			}
			for j := 0; j < n; j++ {
				out[at(j)] = float64(x[at(j)]) - m - math.Log(sum)
			}
		}
	}
	return out
}

// logSoftmaxTolerance allows float32 rounding of each result.
func logSoftmaxTolerance(want []float64) []float64 {
	tol := make([]float64, len(want))
	for i, w := range want {
		tol[i] = 1e-7*math.Abs(w) + 1e-7
	}
	return tol
}

func TestLogSoftmaxMatchesReference(t *testing.T) {
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

				got := forwardOne(t, LogSoftmax{NodeName: "logsoftmax1", Axis: axis, Coerce2D: coerce}, x)

				a := axis
				if a < 0 {
					a += rank
				}
				outer, n, inner := elementCount(shape[:a]), shape[a], elementCount(shape[a+1:])
				if coerce {
					n, inner = n*inner, 1
				}
				want := refLogSoftmax(x.Data, outer, n, inner)
				if !sameShape(got.Shape, shape) {
					t.Errorf("%s: output shape %v, want %v", label, got.Shape, shape)
					continue
				}
				checkClose(t, label, got.Data, want, logSoftmaxTolerance(want))
			}
		}
	}
}

func TestLogSoftmaxCoerce2DDiffersFromAxis(t *testing.T) {
	// On [2, 3] with axis 0 the opset-13 operator normalises each column of
	// 2, the coerced one all 6 elements as one row.
	x := mustTensor(t, make([]float32, 6), 2, 3)
	perAxis := forwardOne(t, LogSoftmax{NodeName: "logsoftmax1", Axis: 0}, x)
	coerced := forwardOne(t, LogSoftmax{NodeName: "logsoftmax1", Axis: 0, Coerce2D: true}, x)
	for i := range x.Data {
		if math.Abs(float64(perAxis.Data[i])+math.Log(2)) > 1e-7 {
			t.Errorf("axis 0: element %d = %v, want -log 2", i, perAxis.Data[i])
		}
		if math.Abs(float64(coerced.Data[i])+math.Log(6)) > 1e-6 {
			t.Errorf("coerced: element %d = %v, want -log 6", i, coerced.Data[i])
		}
	}
}

func TestLogSoftmaxLargeLogits(t *testing.T) {
	// exp(10000) overflows float64 and exp(-20000) underflows, so this
	// needs the maximum subtracted and the logarithm taken of the sum.
	x := mustTensor(t, []float32{10000, 10001, 10002, -10000, -10000, -9999}, 2, 3)
	got := forwardOne(t, LogSoftmax{NodeName: "logsoftmax1", Axis: -1}, x)
	logSum := math.Log(math.Exp(-2) + math.Exp(-1) + 1)
	logSum2 := math.Log(math.Exp(-1) + math.Exp(-1) + 1)
	want := []float64{-2 - logSum, -1 - logSum, -logSum, -1 - logSum2, -1 - logSum2, -logSum2}
	checkClose(t, "large logits", got.Data, want, logSoftmaxTolerance(want))

	// Logits 2*10^4 apart give a finite log-probability of -2*10^4.
	x = mustTensor(t, []float32{1e4, -1e4}, 1, 2)
	got = forwardOne(t, LogSoftmax{NodeName: "logsoftmax1", Axis: 1}, x)
	want = []float64{0, -2e4}
	checkClose(t, "logits 2e4 apart", got.Data, want, logSoftmaxTolerance(want))
}

func TestLogSoftmaxNonFiniteRows(t *testing.T) {
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
		{"-Inf next to finite is -Inf", []float32{-inf, 0, 0}, []float64{math.Inf(-1), -math.Log(2), -math.Log(2)}},
		{"one element", []float32{-3}, []float64{0}},
	}
	for _, tc := range cases {
		x := mustTensor(t, tc.row, 1, len(tc.row))
		got := forwardOne(t, LogSoftmax{NodeName: "logsoftmax1", Axis: 1}, x)
		checkClose(t, tc.name, got.Data, tc.want, logSoftmaxTolerance(tc.want))
	}

	// A non-finite row leaves the other rows alone.
	x := mustTensor(t, []float32{nan, 0, 0, 0}, 2, 2)
	got := forwardOne(t, LogSoftmax{NodeName: "logsoftmax1", Axis: 1}, x)
	want := []float64{math.NaN(), math.NaN(), -math.Log(2), -math.Log(2)}
	checkClose(t, "second row", got.Data, want, logSoftmaxTolerance(want))
}

func TestLogSoftmaxValidation(t *testing.T) {
	x := mustTensor(t, make([]float32, 6), 2, 3)
	xInt, _ := FromInt64(make([]int64, 2), 2)
	wantError(t, LogSoftmax{NodeName: "logsoftmax1", Axis: 2}, "axis 2 out of range [-2, 1] for input of shape [2 3]", x)
	wantError(t, LogSoftmax{NodeName: "logsoftmax1", Axis: -3}, "axis -3 out of range", x)
	wantError(t, LogSoftmax{NodeName: "logsoftmax1"}, "input is a scalar, want rank at least 1", mustTensor(t, []float32{1}))
	wantError(t, LogSoftmax{NodeName: "logsoftmax1"}, "input has element type int64", xInt)
	wantError(t, LogSoftmax{NodeName: "logsoftmax1"}, "got 0 inputs, want 1")
	wantError(t, LogSoftmax{NodeName: "logsoftmax1"}, "input is missing", nil)
}
