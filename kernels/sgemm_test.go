package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// gemmCase is one Sgemm call. Leading dimensions are the row length plus
// the pad fields, so that tests can use prime strides.
type gemmCase struct {
	transA, transB   bool
	m, n, k          int
	alpha, beta      float32
	padA, padB, padC int
}

func (g gemmCase) String() string {
	return fmt.Sprintf("transA=%v transB=%v m=%d n=%d k=%d alpha=%v beta=%v lda+%d ldb+%d ldc+%d",
		g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.beta, g.padA, g.padB, g.padC)
}

// operands returns A, B and C for the case, and their leading dimensions.
// C is filled with NaN when beta is 0 to prove that Sgemm does not read it.
func (g gemmCase) operands(rng *rand.Rand) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	aRows, aCols := g.m, g.k
	if g.transA {
		aRows, aCols = g.k, g.m
	}
	bRows, bCols := g.k, g.n
	if g.transB {
		bRows, bCols = g.n, g.k
	}
	lda, ldb, ldc = max(aCols, 1)+g.padA, max(bCols, 1)+g.padB, max(g.n, 1)+g.padC
	a = randomFloats(rng, aRows*lda, 0)
	b = randomFloats(rng, bRows*ldb, 0)
	c = randomFloats(rng, g.m*ldc, 0)
	if g.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	return a, lda, b, ldb, c, ldc
}

// checkGemm compares got (C after Sgemm) with a float64 reference computed
// from the operands and the original C. The tolerance for each element is
// proportional to k and to the sum of the magnitudes of its products, the
// error bound of float32 summation; the padding between rows of C must be
// unchanged.
func checkGemm(t *testing.T, g gemmCase, a []float32, lda int, b []float32, ldb int, c0, got []float32, ldc int) {
	t.Helper()
	at := func(x []float32, ld int, trans bool, i, j int) float64 {
		if trans {
			return float64(x[j*ld+i])
		}
		return float64(x[i*ld+j])
	}
	const eps = 1.0 / (1 << 23)
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			var sum, mag float64
			for p := 0; p < g.k; p++ {
				prod := at(a, lda, g.transA, i, p) * at(b, ldb, g.transB, p, j)
				sum += prod
				mag += math.Abs(prod)
			}
			want := float64(g.alpha) * sum
			mag *= math.Abs(float64(g.alpha))
			if g.beta != 0 {
				want += float64(g.beta) * float64(c0[i*ldc+j])
				mag += math.Abs(float64(g.beta) * float64(c0[i*ldc+j]))
			}
			tol := 2*eps*float64(g.k+2)*mag + 1e-30
			if diff := math.Abs(float64(got[i*ldc+j]) - want); !(diff <= tol) {
				t.Fatalf("%v: C[%d][%d] = %v, want %v (tolerance %.3g)", g, i, j, got[i*ldc+j], want, tol)
			}
		}
		for j := g.n; j < ldc && i*ldc+j < len(got); j++ {
			if !sameFloat(got[i*ldc+j], c0[i*ldc+j]) {
				t.Fatalf("%v: padding C[%d][%d] changed from %v to %v", g, i, j, c0[i*ldc+j], got[i*ldc+j])
			}
		}
	}
}

func runGemmCase(t *testing.T, rng *rand.Rand, g gemmCase) {
	t.Helper()
	a, lda, b, ldb, c, ldc := g.operands(rng)
	c0 := append([]float32(nil), c...)
	Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c, ldc)
	checkGemm(t, g, a, lda, b, ldb, c0, c, ldc)
}

func TestSgemmSubTileSizes(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		// Every m and n from 0 to three tiles plus one, against k that
		// covers no steps, a single step, the unrolled loop with and
		// without a remainder, and more than one kc block.
		for _, k := range []int{0, 1, 3, 4, 7, 17, gemmKC + 1} {
			for m := 0; m <= 3*gemmMR+1; m++ {
				for n := 0; n <= 3*gemmNR+1; n++ {
					g := gemmCase{m: m, n: n, k: k, alpha: 1, beta: 0, padA: 3, padB: 5, padC: 7}
					runGemmCase(t, rng, g)
				}
			}
		}
	})
}

func TestSgemmTransposesAndScalars(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, transA := range []bool{false, true} {
			for _, transB := range []bool{false, true} {
				for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {0, 0.5}, {2, -1}} {
					for _, shape := range [][3]int{{13, 37, 29}, {1, 1, 1}, {6, 16, 8}, {31, 17, 300}, {150, 40, 11}} {
						g := gemmCase{transA: transA, transB: transB, m: shape[0], n: shape[1], k: shape[2],
							alpha: ab[0], beta: ab[1], padA: 2, padB: 11, padC: 13}
						runGemmCase(t, rng, g)
					}
				}
			}
		}
	})
}

func TestSgemmBlockBoundaries(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		// Shapes that cross the mc, nc and kc blocks, and a long k where
		// accumulation error matters.
		for _, shape := range [][3]int{
			{gemmMC + 7, 33, gemmKC*2 + 5},
			{9, gemmNC + 17, 20},
			{7, 19, 4099},
			// Enough rows of A that AVX-512 packs B instead of
			// reading it in place (pointwisePackMinFilters).
			{800, 37, 19},
		} {
			g := gemmCase{m: shape[0], n: shape[1], k: shape[2], alpha: 1, beta: 1, padA: 1, padB: 1, padC: 1}
			runGemmCase(t, rng, g)
		}
	})
}

// TestSgemmPathThresholds runs m on both sides of the point where a
// kernel set stops reading a row-major B in place and packs it
// (pointwisePackMinFilters: 256 with AVX2, 768 with AVX-512). The cases
// have padded leading dimensions and beta 0 and 1. A last case has a
// long k, whose partial last tile is copied block by block.
func TestSgemmPathThresholds(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, m := range []int{255, 256, 257, 767, 768, 769} {
			for _, n := range []int{1, 17, 40} {
				for _, beta := range []float32{0, 1} {
					g := gemmCase{m: m, n: n, k: gemmKC + 3, alpha: 1, beta: beta, padA: 1, padB: 13, padC: 5}
					runGemmCase(t, rng, g)
				}
			}
		}
		runGemmCase(t, rng, gemmCase{m: 7, n: 17, k: 20000, alpha: 1, beta: 1, padA: 2, padB: 3, padC: 1})
	})
}

func TestSgemmKZeroScalesC(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		c := []float32{1, 2, 3, 4, 5, 6}
		Sgemm(false, false, 2, 3, 0, 1, nil, 1, nil, 3, 2, c, 3)
		for i, v := range c {
			if want := float32(2 * (i + 1)); v != want {
				t.Fatalf("k=0 beta=2: C[%d] = %v, want %v", i, v, want)
			}
		}
		for i := range c {
			c[i] = float32(math.NaN())
		}
		Sgemm(false, false, 2, 3, 0, 1, nil, 1, nil, 3, 0, c, 3)
		for i, v := range c {
			if v != 0 {
				t.Fatalf("k=0 beta=0: C[%d] = %v, want 0", i, v)
			}
		}
	})
}

// TestSgemmSameDotSameResult checks that a dot product gives the same bits
// wherever its element sits in the tile grid, edges included.
func TestSgemmSameDotSameResult(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		const m, n, k = 2*gemmMR + 1, 2*gemmNR + 3, 300
		row := randomFloats(rng, k, 0)
		col := randomFloats(rng, k, 0)
		a := make([]float32, m*k)
		b := make([]float32, k*n)
		for i := 0; i < m; i++ {
			copy(a[i*k:], row)
		}
		for p := 0; p < k; p++ {
			for j := 0; j < n; j++ {
				b[p*n+j] = col[p]
			}
		}
		c := make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		for i, v := range c {
			if v != c[0] {
				t.Fatalf("C[%d][%d] = %v, C[0][0] = %v: same dot product, different result", i/n, i%n, v, c[0])
			}
		}
	})
}

func TestSgemmRejectsBadArguments(t *testing.T) {
	expectPanics(t, []panicCase{
		{"negative m", func() {
			Sgemm(false, false, -1, 1, 1, 1, make([]float32, 1), 1, make([]float32, 1), 1, 0, make([]float32, 1), 1)
		}},
		{"lda too small", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 2, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}},
		{"A too short", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 5), 3, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}},
		{"C too short", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 3, make([]float32, 6), 2, 0, make([]float32, 3), 2)
		}},
		{"transposed B too short", func() {
			Sgemm(false, true, 2, 2, 3, 1, make([]float32, 6), 3, make([]float32, 5), 3, 0, make([]float32, 4), 2)
		}},
	})
}

// TestSgemmZeroLeadingDimensionMessage checks the message for ldb=0 when
// B's rows are empty: it must ask for 1, not call 0 smaller than 0.
func TestSgemmZeroLeadingDimensionMessage(t *testing.T) {
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "ldB=0, want at least 1") {
			t.Errorf("panic message %q, want it to ask for ldB of at least 1", msg)
		}
	}()
	Sgemm(false, true, 2, 2, 0, 1, nil, 1, nil, 0, 0, make([]float32, 4), 2)
}
