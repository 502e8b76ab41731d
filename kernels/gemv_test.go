package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestSgemmSingleRow covers the matrix-vector path that Sgemm takes when
// op(A) has one row: both layouts of B, a strided A row, every scalar
// case and lengths on both sides of the vector width.
func TestSgemmSingleRow(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(51, 52))
		for _, transA := range []bool{false, true} {
			for _, transB := range []bool{false, true} {
				for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-2, 0.5}, {0.5, 0}} {
					for _, n := range []int{1, 3, 4, 5, 8, 17, 33, 130} {
						for _, k := range []int{1, 7, 8, 9, 31, 300} {
							g := gemmCase{transA: transA, transB: transB, m: 1, n: n, k: k,
								alpha: ab[0], beta: ab[1], padA: 3, padB: 5, padC: 2}
							runGemmCase(t, rng, g)
						}
					}
				}
			}
		}
	})
}

func TestSgemmSingleRowThreadsBitwise(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(53, 54))
	const n, k = 1000, 2048
	for _, transB := range []bool{false, true} {
		a := randomFloats(rng, k, 0)
		b := randomFloats(rng, n*k, 0)
		ldb := n
		if transB {
			ldb = k
		}
		SetThreads(1)
		want := make([]float32, n)
		Sgemm(false, transB, 1, n, k, 1, a, k, b, ldb, 0, want, n)
		SetThreads(2)
		got := make([]float32, n)
		Sgemm(false, transB, 1, n, k, 1, a, k, b, ldb, 0, got, n)
		for j := range got {
			if !sameFloat(got[j], want[j]) {
				t.Fatalf("transB=%v: C[%d] = %v with 2 threads, %v with 1", transB, j, got[j], want[j])
			}
		}
	}
}

func TestGemvKernelsMatchGeneric(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(55, 56))
		for _, rows := range []int{0, 1, 3, 4, 5, 9} {
			for _, k := range vectorLengths() {
				ldw := k + 3
				x := randomFloats(rng, k, 0)
				w := randomFloats(rng, rows*ldw, 0)
				want := make([]float32, rows)
				dotRowsGeneric(want, x, w, ldw)
				got, intact := withSentinel(rows)
				impl.dotRows(got, x, w, ldw)
				for j := range got {
					if !closeOrSameSpecial(got[j], want[j], k) {
						t.Fatalf("rows=%d k=%d: dot %d = %v, generic %v", rows, k, j, got[j], want[j])
					}
				}
				if !intact() {
					t.Fatalf("rows=%d k=%d: dotRows wrote past dst", rows, k)
				}
			}
		}
		for _, n := range vectorLengths() {
			x := randomFloats(rng, n, 0)
			y0 := randomFloats(rng, n, 0)
			want := append([]float32(nil), y0...)
			axpyGeneric(want, x, 0.75)
			got, intact := withSentinel(n)
			copy(got, y0)
			impl.axpy(got, x, 0.75)
			for i := range got {
				if !closeOrSameSpecial(got[i], want[i], 2) {
					t.Fatalf("n=%d: axpy element %d = %v, generic %v", n, i, got[i], want[i])
				}
			}
			if !intact() {
				t.Fatalf("n=%d: axpy wrote past y", n)
			}
		}
	})
}
