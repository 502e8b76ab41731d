package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refGemm returns alpha*op(A)*op(B) + beta*C in float64 with tolerances.
// c is nil or already broadcast to [m, n].
func refGemm(a, b *Tensor, c []float64, transA, transB bool, alpha, beta float64, m, n, k int) (out, tol []float64) {
	at := func(i, p int) float64 {
		if transA {
			return float64(a.Data[p*m+i])
		}
		return float64(a.Data[i*k+p])
	}
	bt := func(p, j int) float64 {
		if transB {
			return float64(b.Data[j*k+p])
		}
		return float64(b.Data[p*n+j])
	}
	out = make([]float64, m*n)
	tol = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			sum, absSum := 0.0, 0.0
			for p := 0; p < k; p++ {
				v := at(i, p) * bt(p, j)
				sum += v
				absSum += math.Abs(v)
			}
			out[i*n+j] = alpha * sum
			absSum *= math.Abs(alpha)
			if c != nil && beta != 0 {
				out[i*n+j] += beta * c[i*n+j]
				absSum += math.Abs(beta * c[i*n+j])
			}
			tol[i*n+j] = dotTolerance(k+1, absSum)
		}
	}
	return out, tol
}

// broadcastRef expands c of shape cShape to [m, n] by numpy rules.
func broadcastRef(c *Tensor, m, n int) []float64 {
	rows, cols := 1, 1
	if len(c.Shape) >= 1 {
		cols = c.Shape[len(c.Shape)-1]
	}
	if len(c.Shape) == 2 {
		rows = c.Shape[0]
	}
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			out[i*n+j] = float64(c.Data[(i%rows)*cols+j%cols])
		}
	}
	return out
}

func TestGemmMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][3]int{{1, 1, 1}, {3, 4, 5}, {7, 1, 9}, {1, 6, 3}, {5, 5, 0}, {0, 3, 2}, {3, 0, 2}, {17, 13, 33}}
	scales := [][2]float32{{1, 1}, {0.5, -2}, {2, 0}}

	for _, size := range sizes {
		m, n, k := size[0], size[1], size[2]
		cShapes := [][]int{nil, {}, {1}, {n}, {1, n}, {m, 1}, {m, n}, {1, 1}}
		for _, cShape := range cShapes {
			for _, scale := range scales {
				for _, transA := range []bool{false, true} {
					for _, transB := range []bool{false, true} {
						aShape, bShape := []int{m, k}, []int{k, n}
						if transA {
							aShape = []int{k, m}
						}
						if transB {
							bShape = []int{n, k}
						}
						a := randomTensor(t, rng, aShape...)
						b := randomTensor(t, rng, bShape...)
						inputs := []*Tensor{a, b}
						var c *Tensor
						var cFull []float64
						if cShape != nil {
							c = randomTensor(t, rng, cShape...)
							inputs = append(inputs, c)
							cFull = broadcastRef(c, m, n)
						}
						gemm := Gemm{NodeName: "fc1", Alpha: scale[0], Beta: scale[1], TransA: transA, TransB: transB}
						label := fmt.Sprintf("m %d n %d k %d C %v alpha %v beta %v transA %v transB %v",
							m, n, k, cShape, scale[0], scale[1], transA, transB)

						got := forwardOne(t, gemm, inputs...)

						if !sameShape(got.Shape, []int{m, n}) {
							t.Errorf("%s: output shape %v, want [%d %d]", label, got.Shape, m, n)
							continue
						}
						want, tol := refGemm(a, b, cFull, transA, transB, float64(scale[0]), float64(scale[1]), m, n, k)
						checkClose(t, label, got.Data, want, tol)
					}
				}
			}
		}
	}
}

func TestGemmBetaZeroIgnoresC(t *testing.T) {
	a := mustTensor(t, []float32{1, 2}, 1, 2)
	b := mustTensor(t, []float32{3, 4}, 2, 1)
	c := mustTensor(t, []float32{float32(math.NaN())}, 1)
	got := forwardOne(t, Gemm{NodeName: "fc1", Alpha: 1, Beta: 0}, a, b, c)
	if got.Data[0] != 11 {
		t.Errorf("output %v, want 11: with beta 0, C is not read", got.Data[0])
	}
}

func TestGemmValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := randomTensor(t, rng, 3, 4)
	b := randomTensor(t, rng, 4, 5)
	aInt, _ := FromInt64(make([]int64, 12), 3, 4)
	gemm := Gemm{Alpha: 1, Beta: 1}
	transB := Gemm{Alpha: 1, Beta: 1, TransB: true}

	cases := []struct {
		name   string
		gemm   Gemm
		inputs []*Tensor
		want   string
	}{
		{"one input", gemm, []*Tensor{a}, "got 1 inputs, want 2 to 3"},
		{"nil B", gemm, []*Tensor{a, nil}, "input B is missing"},
		{"int64 A", gemm, []*Tensor{aInt, b}, "input A has element type int64"},
		{"A rank 1", gemm, []*Tensor{randomTensor(t, rng, 4), b}, "input A has rank 1 (shape [4]), want rank 2"},
		{"B rank 3", gemm, []*Tensor{a, randomTensor(t, rng, 1, 4, 5)}, "input B has rank 3"},
		{"inner mismatch", transB, []*Tensor{a, b}, "inputs A [3 4] and B [4 5] have inner dimensions 4 and 5 (transA false, transB true), want equal"},
		{"C rows", gemm, []*Tensor{a, b, randomTensor(t, rng, 2, 5)}, "input C has shape [2 5], which does not broadcast to [3 5]"},
		{"C columns", gemm, []*Tensor{a, b, randomTensor(t, rng, 4)}, "input C has shape [4], which does not broadcast"},
		{"C rank 3", gemm, []*Tensor{a, b, randomTensor(t, rng, 1, 3, 5)}, "input C has shape [1 3 5]"},
		{"C int64", gemm, []*Tensor{a, b, func() *Tensor { c, _ := FromInt64([]int64{1}, 1); return c }()}, "input C has element type int64"},
	}
	for _, tc := range cases {
		tc.gemm.NodeName = "fc1"
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.gemm, tc.want, tc.inputs...)
		})
	}
}
