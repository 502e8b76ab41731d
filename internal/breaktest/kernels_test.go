package breaktest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// specials are the values whose handling the numeric contract fixes.
var specials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.Copysign(0, -1)), 0, math.Float32frombits(1), -math.Float32frombits(1),
	math.Float32frombits(0x007fffff), math.MaxFloat32, -math.MaxFloat32, 1, -1, 6, 0.5,
}

func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// values returns n values mixing specials and normal numbers.
func values(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		if r.IntN(3) == 0 {
			out[i] = specials[r.IntN(len(specials))]
		} else {
			out[i] = float32(r.NormFloat64() * 4)
		}
	}
	return out
}

// TestElementwiseKernelsContract checks ReLU, Clamp, MaxRows and MaxPairs
// against Go expressions bit for bit, for every length up to 70, at every
// offset into the slices, in place and not.
func TestElementwiseKernelsContract(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 70; n++ {
		for offset := range 9 {
			src := values(r, n+offset)[offset:]
			other := values(r, n+offset)[offset:]
			dst := make([]float32, n+offset)[offset:]

			kernels.ReLU(dst, src)
			for i, v := range src {
				want := v
				if v < 0 {
					want = 0
				}
				if !sameBits(dst[i], want) {
					t.Fatalf("ReLU n=%d: dst[%d] = %v (%#x) for %v, want %v", n, i, dst[i], math.Float32bits(dst[i]), v, want)
				}
			}

			for _, lo := range specials {
				for _, hi := range []float32{6, float32(math.NaN()), 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), -1} {
					in := append([]float32(nil), src...)
					kernels.Clamp(dst, in, lo, hi)
					kernels.Clamp(in, in, lo, hi)
					for i, v := range src {
						want := min(max(v, lo), hi)
						if !sameBits(dst[i], want) || !sameBits(in[i], want) {
							t.Fatalf("Clamp n=%d lo=%v hi=%v: element %d = %v (%#x), in place %v, for %v; want %v (%#x)", n, lo, hi, i, dst[i], math.Float32bits(dst[i]), in[i], v, want, math.Float32bits(want))
						}
					}
				}
			}

			kernels.MaxRows(dst, src, other)
			for i := range dst {
				if want := max(src[i], other[i]); !sameBits(dst[i], want) {
					t.Fatalf("MaxRows n=%d: dst[%d] = %v for %v, %v; want %v", n, i, dst[i], src[i], other[i], want)
				}
			}
			x := append([]float32(nil), src...)
			kernels.MaxRows(x, x, other)
			for i := range x {
				if want := max(src[i], other[i]); !sameBits(x[i], want) {
					t.Fatalf("MaxRows in place n=%d: x[%d] = %v, want %v", n, i, x[i], want)
				}
			}

			pairs := values(r, 2*n+1+offset)[offset:]
			kernels.MaxPairs(dst, pairs)
			for i := range dst {
				if want := max(pairs[2*i], pairs[2*i+1]); !sameBits(dst[i], want) {
					t.Fatalf("MaxPairs n=%d: dst[%d] = %v, want %v", n, i, dst[i], want)
				}
			}
		}
	}
}

// mustPanic checks that f panics with a message that mentions want.
func mustPanic(t *testing.T, what, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", what)
			return
		}
		if !strings.Contains(strings.ToLower(fmt.Sprint(r)), strings.ToLower(want)) {
			t.Errorf("%s: panic %q, want one that mentions %q", what, r, want)
		}
	}()
	f()
}

// TestKernelArgumentChecks passes documented programmer errors and checks
// for a clear panic.
func TestKernelArgumentChecks(t *testing.T) {
	a := make([]float32, 100)
	mustPanic(t, "ReLU short dst", "ReLU", func() { kernels.ReLU(a[:3], a[:4]) })
	mustPanic(t, "Clamp short dst", "Clamp", func() { kernels.Clamp(a[:3], a[:4], 0, 1) })
	mustPanic(t, "MaxRows short x", "MaxRows", func() { kernels.MaxRows(a[:4], a[:3], a[:4]) })
	mustPanic(t, "MaxPairs short src", "MaxPairs", func() { kernels.MaxPairs(a[:4], a[:7]) })
	mustPanic(t, "Sgemm negative m", "negative", func() { kernels.Sgemm(false, false, -1, 2, 2, 1, a, 2, a, 2, 0, a, 2) })
	mustPanic(t, "Sgemm negative k", "negative", func() { kernels.Sgemm(false, false, 1, 2, -2, 1, a, 2, a, 2, 0, a, 2) })
	mustPanic(t, "Sgemm small lda", "lda", func() { kernels.Sgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) })
	mustPanic(t, "Sgemm small lda transposed", "lda", func() { kernels.Sgemm(true, false, 3, 2, 2, 1, a, 2, a, 2, 0, a, 2) })
	mustPanic(t, "Sgemm small ldc", "ldc", func() { kernels.Sgemm(false, false, 2, 3, 2, 1, a, 2, a, 3, 0, a, 2) })
	mustPanic(t, "Sgemm short A", "A has", func() { kernels.Sgemm(false, false, 3, 2, 4, 1, a[:11], 4, a, 2, 0, a, 2) })
	mustPanic(t, "Sgemm short B", "B has", func() { kernels.Sgemm(false, true, 3, 5, 4, 1, a, 4, a[:19], 4, 0, a, 5) })
	mustPanic(t, "Sgemm short C", "C has", func() { kernels.Sgemm(false, false, 3, 5, 4, 1, a, 4, a, 5, 0, a[:14], 5) })
	mustPanic(t, "Sgemm huge dims", "has", func() { kernels.Sgemm(false, false, math.MaxInt/2, 2, 2, 1, a, 2, a, 2, 0, a, 2) })
	mustPanic(t, "Sgemm huge ld", "has", func() { kernels.Sgemm(false, false, 3, 2, 2, 1, a, math.MaxInt, a, 2, 0, a, 2) })

	p := kernels.Conv2DParams{Channels: 1, Height: 4, Width: 4, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: 2, OutW: 2}
	bad := p
	bad.StrideW = 0
	mustPanic(t, "Conv2D zero stride", "stride", func() { kernels.Conv2D(a, a, a, nil, 1, bad, kernels.NoActivation) })
	bad = p
	bad.PadTop = -1
	mustPanic(t, "Conv2D negative pad", "padding", func() { kernels.Conv2D(a, a, a, nil, 1, bad, kernels.NoActivation) })
	mustPanic(t, "Conv2D short src", "src", func() { kernels.Conv2D(a, a[:15], a, nil, 1, p, kernels.NoActivation) })
	mustPanic(t, "Conv2D short weights", "weights", func() { kernels.Conv2D(a, a, a[:17], nil, 2, p, kernels.NoActivation) })
	mustPanic(t, "Conv2D short bias", "bias", func() { kernels.Conv2D(a, a, a, a[:1], 2, p, kernels.NoActivation) })
	mustPanic(t, "Conv2D negative m", "filters", func() { kernels.Conv2D(a, a, a, nil, -1, p, kernels.NoActivation) })
	mustPanic(t, "Depthwise short dst", "too short", func() { kernels.DepthwiseConv2D(a[:3], a, a, nil, p, kernels.NoActivation) })
	bad = p
	bad.KernelH = 0
	mustPanic(t, "Depthwise zero kernel", "kernel", func() { kernels.DepthwiseConv2D(a, a, a, nil, bad, kernels.NoActivation) })
}

// refGemm computes C = alpha*op(A)*op(B) + beta*C in float64, with BLAS's
// rule that C is not read when beta is 0, and the magnitude bound of each
// element.
func refGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, mag []float64) {
	want, mag = make([]float64, m*n), make([]float64, m*n)
	for i := range m {
		for j := range n {
			var sum, abs float64
			for p := range k {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				prod := float64(av) * float64(bv)
				sum += prod
				abs += math.Abs(prod)
			}
			v := float64(alpha) * sum
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
				abs = math.Abs(float64(alpha))*abs + math.Abs(float64(beta)*float64(c[i*ldc+j]))
			} else {
				abs *= math.Abs(float64(alpha))
			}
			want[i*n+j], mag[i*n+j] = v, abs
		}
	}
	return
}

// TestSgemmMatchesReference runs Sgemm on random shapes, leading dimensions
// larger than needed, slices of exactly the minimum length, every
// transposition and alpha and beta values with special meaning, and
// compares with a float64 reference within the documented k·2⁻²³ bound.
func TestSgemmMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	dims := []int{0, 1, 2, 5, 6, 7, 15, 16, 17, 31, 97, 145, 300}
	iterations := layerIterations(t, 1500)
	for it := range iterations {
		m, n, k := dims[r.IntN(len(dims))], dims[r.IntN(len(dims))], dims[r.IntN(len(dims))]
		if r.IntN(8) == 0 {
			k = 257 + r.IntN(300)
		}
		transA, transB := r.IntN(2) == 0, r.IntN(2) == 0
		alpha := []float32{1, 0, -1, 0.5, 3}[r.IntN(5)]
		beta := []float32{0, 1, float32(math.Copysign(0, -1)), -0.5, 2}[r.IntN(5)]
		aRows, aCols := m, k
		if transA {
			aRows, aCols = k, m
		}
		bRows, bCols := k, n
		if transB {
			bRows, bCols = n, k
		}
		lda, ldb, ldc := max(aCols, 1)+r.IntN(3), max(bCols, 1)+r.IntN(3), max(n, 1)+r.IntN(3)
		// Exactly the minimum length: the last row ends at the last element.
		minLen := func(rows, cols, ld int) int {
			if rows == 0 || cols == 0 {
				return 0
			}
			return (rows-1)*ld + cols
		}
		a := make([]float32, minLen(aRows, aCols, lda))
		b := make([]float32, minLen(bRows, bCols, ldb))
		c := make([]float32, minLen(m, n, ldc))
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		for i := range c {
			c[i] = float32(r.NormFloat64())
			if beta == 0 && r.IntN(4) == 0 {
				c[i] = float32(math.NaN()) // must not be read
			}
		}
		c0 := append([]float32(nil), c...)
		want, mag := refGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc)
		kernels.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		for i := range m {
			for j := range n {
				got := float64(c[i*ldc+j])
				tol := float64(k+2) * 0x1p-22 * mag[i*n+j]
				if math.IsNaN(got) || math.Abs(got-want[i*n+j]) > tol+1e-30 {
					t.Fatalf("case %d: Sgemm(%v, %v, m=%d, n=%d, k=%d, alpha=%v, lda=%d, ldb=%d, beta=%v, ldc=%d): C[%d][%d] = %v, want %v ± %.3g",
						it, transA, transB, m, n, k, alpha, lda, ldb, beta, ldc, i, j, got, want[i*n+j], tol)
				}
			}
			// Padding between rows of C is not written.
			for j := n; j < ldc && i*ldc+j < len(c); j++ {
				if !sameBits(c[i*ldc+j], c0[i*ldc+j]) {
					t.Fatalf("case %d: Sgemm m=%d n=%d ldc=%d wrote C[%d] in the gap after row %d", it, m, n, ldc, i*ldc+j, i)
				}
			}
		}
	}
}

// TestSgemmSpecialValuesLargeM checks that 0·Inf gives NaN through Sgemm
// for m > 1: an Inf in B meets a zero in A. The matrix-vector path of
// m = 1 gets this wrong (TestSgemmM1IgnoresInfTimesZero).
func TestSgemmSpecialValuesLargeM(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, m := range []int{2, 3, 6, 7} {
		for _, transB := range []bool{false, true} {
			a := make([]float32, m*2)
			b := []float32{inf, 1, 2, 3}
			if transB {
				b = []float32{inf, 2, 1, 3}
			}
			c := make([]float32, m*2)
			kernels.Sgemm(false, transB, m, 2, 2, 1, a, 2, b, 2, 0, c, 2)
			for i := range m {
				if !math.IsNaN(float64(c[i*2])) {
					t.Errorf("m=%d transB=%v: C[%d][0] = %v, want NaN (0·Inf)", m, transB, i, c[i*2])
				}
			}
		}
	}
}

// TestParallelForEdgeCases covers n of 0, 1 and many, nested calls and
// calls with more pieces than workers.
func TestParallelForEdgeCases(t *testing.T) {
	kernels.ParallelFor(0, func(int) { t.Error("called for n = 0") })
	kernels.ParallelFor(-3, func(int) { t.Error("called for n < 0") })
	for _, n := range []int{1, 2, 3, 17, 1000} {
		hits := make([]int32, n)
		kernels.ParallelFor(n, func(i int) {
			kernels.ParallelFor(3, func(int) {})
			hits[i]++
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("n=%d: piece %d ran %d times", n, i, h)
			}
		}
	}
	for _, n := range []int{0, -1, 1, 1 << 20, 1<<31 - 1} {
		kernels.SetThreads(n)
		if got := kernels.Threads(); got < 1 {
			t.Errorf("SetThreads(%d): Threads() = %d", n, got)
		}
	}
	kernels.SetThreads(0)
}
