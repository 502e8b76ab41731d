package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// refBatchedMatMul multiplies a and b with numpy.matmul semantics, written
// as a direct loop over the output's multi-index.
func refBatchedMatMul(a, b *Tensor) (shape []int, out, tol []float64) {
	aShape, bShape := a.Shape, b.Shape
	if len(aShape) == 1 {
		aShape = []int{1, aShape[0]}
	}
	if len(bShape) == 1 {
		bShape = []int{bShape[0], 1}
	}
	m, k, n := aShape[len(aShape)-2], aShape[len(aShape)-1], bShape[len(bShape)-1]
	aBatch, bBatch := aShape[:len(aShape)-2], bShape[:len(bShape)-2]
	rank := max(len(aBatch), len(bBatch))
	pad := func(s []int) []int {
		out := make([]int, rank)
		for i := range out {
			out[i] = 1
		}
		copy(out[rank-len(s):], s)
		return out
	}
	aBatch, bBatch = pad(aBatch), pad(bBatch)
	batch := make([]int, rank)
	count := 1
	for i := range batch {
		batch[i] = max(aBatch[i], bBatch[i])
		if aBatch[i] == 0 || bBatch[i] == 0 {
			batch[i] = 0
		}
		count *= batch[i]
	}

	for flat := 0; flat < count; flat++ {
		// Decompose flat into a multi-index and find each operand's matrix.
		aIndex, bIndex, rest := 0, 0, flat
		aStride, bStride := 1, 1
		for d := rank - 1; d >= 0; d-- {
			idx := rest % batch[d]
			rest /= batch[d]
			if aBatch[d] != 1 {
				aIndex += idx * aStride
			}
			if bBatch[d] != 1 {
				bIndex += idx * bStride
			}
			aStride *= aBatch[d]
			bStride *= bBatch[d]
		}
		o, tl := refMatMul(a.Data[aIndex*m*k:(aIndex+1)*m*k], b.Data[bIndex*k*n:(bIndex+1)*k*n], m, n, k)
		out = append(out, o...)
		tol = append(tol, tl...)
	}

	shape = append(shape, batch...)
	if len(a.Shape) > 1 {
		shape = append(shape, m)
	}
	if len(b.Shape) > 1 {
		shape = append(shape, n)
	}
	return shape, out, tol
}

func TestMatMulMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := [][2][]int{
		{{4}, {4}},
		{{3}, {3, 5}},
		{{3, 4}, {4}},
		{{3, 4}, {4, 5}},
		{{2, 3, 4}, {4, 5}},
		{{2, 3, 4}, {2, 4, 5}},
		{{4}, {2, 4, 5}},
		{{2, 3, 4}, {4}},
		{{1, 3, 4}, {2, 4, 5}},
		{{2, 1, 3, 4}, {3, 4, 5}},
		{{3, 4}, {2, 2, 4, 5}},
		{{2, 3, 1, 4}, {1, 4, 6}},
		{{2, 3, 0}, {0, 5}},
		{{2, 0, 4}, {4, 5}},
		{{0, 3, 4}, {1, 4, 2}},
		{{17, 33}, {33, 9}},
	}
	for _, tc := range cases {
		a := randomTensor(t, rng, tc[0]...)
		b := randomTensor(t, rng, tc[1]...)
		label := fmt.Sprintf("A %v B %v", tc[0], tc[1])

		got := forwardOne(t, MatMul{NodeName: "mm1"}, a, b)

		wantShape, want, tol := refBatchedMatMul(a, b)
		if !sameShape(got.Shape, wantShape) {
			t.Errorf("%s: output shape %v, want %v", label, got.Shape, wantShape)
			continue
		}
		checkClose(t, label, got.Data, want, tol)
	}
}

func TestMatMulOutputShapes(t *testing.T) {
	// Shapes from the ONNX backend tests, written out by hand.
	cases := []struct{ a, b, want []int }{
		{[]int{3}, []int{3}, []int{}},
		{[]int{3}, []int{2, 3, 4}, []int{2, 4}},
		{[]int{1, 2, 3, 4}, []int{4}, []int{1, 2, 3}},
		{[]int{3, 1, 3, 4}, []int{2, 4, 2}, []int{3, 2, 3, 2}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range cases {
		got := forwardOne(t, MatMul{NodeName: "mm1"}, randomTensor(t, rng, tc.a...), randomTensor(t, rng, tc.b...))
		if !sameShape(got.Shape, tc.want) {
			t.Errorf("A %v B %v: output shape %v, want %v", tc.a, tc.b, got.Shape, tc.want)
		}
	}
}

func TestMatMulValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	scalar := mustTensor(t, []float32{1})
	aInt, _ := FromInt64(make([]int64, 6), 2, 3)
	cases := []struct {
		name   string
		inputs []*Tensor
		want   string
	}{
		{"one input", []*Tensor{randomTensor(t, rng, 2, 3)}, "got 1 inputs, want 2"},
		{"nil A", []*Tensor{nil, randomTensor(t, rng, 2, 3)}, "input A is missing"},
		{"int64 A", []*Tensor{aInt, randomTensor(t, rng, 3, 2)}, "input A has element type int64"},
		{"scalar", []*Tensor{scalar, randomTensor(t, rng, 3)}, "want both of rank at least 1"},
		{"inner mismatch", []*Tensor{randomTensor(t, rng, 2, 3), randomTensor(t, rng, 4, 2)}, "inner dimensions 3 and 4, want equal"},
		{"1-D mismatch", []*Tensor{randomTensor(t, rng, 3), randomTensor(t, rng, 4)}, "inner dimensions 3 and 4"},
		{"batch mismatch", []*Tensor{randomTensor(t, rng, 2, 2, 3), randomTensor(t, rng, 3, 3, 2)}, "batch dimensions that do not broadcast"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, MatMul{NodeName: "mm1"}, tc.want, tc.inputs...)
		})
	}
}
