package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmColumnsMatchTile checks every kernel set's column kernel
// against its tile kernel, bit for bit, for each of the 16 columns of a B
// panel: the driver computes the last columns of a product with it, and a
// result must not depend on where its column falls. The inputs include
// NaN, signed zeros and infinities, and the kc values cover the unrolled
// loop, its tail and both.
func TestSgemmColumnsMatchTile(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmColumns == nil {
			t.Skip("this kernel set has no column kernel")
		}
		rng := rand.New(rand.NewPCG(61, 62))
		for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 17, 256, 1000} {
			var a [4][]float32
			for g := range a {
				a[g] = randomFloats(rng, gemmMR*kc, 50)
			}
			b := randomFloats(rng, gemmNR*kc, 50)

			var tiles [4][gemmMR * gemmNR]float32
			for g := range a {
				impl.sgemmTile(kc, a[g], b, tiles[g][:], gemmNR, false)
			}
			sums := make([]float32, 4*gemmMR)
			for j := range gemmNR {
				impl.sgemmColumns(kc, a[0], a[1], a[2], a[3], b[j:], sums)
				for g := range a {
					for i := range gemmMR {
						got, want := sums[g*gemmMR+i], tiles[g][i*gemmNR+j]
						if !sameFloat(got, want) {
							t.Fatalf("kc=%d panel %d: row %d, column %d = %v, want %v as the tile kernel computes it", kc, g, i, j, got, want)
						}
					}
				}
			}
		}
	})
}

// TestSgemmColumnTailMatchesFullPanel checks the driver's use of the
// column kernel. A product whose last B panel holds 1 to 5 columns must
// give the same bits as the same product with more columns, where the
// tile kernel computes them. k spans several kc blocks, so the column
// tiles also accumulate into C, and m leaves a short A panel.
func TestSgemmColumnTailMatchesFullPanel(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(63, 64))
		const m, k = 4*gemmMR + 1, 2*gemmKC + 37
		a := randomFloats(rng, m*k, 0)
		for _, n := range []int{1, 2, 3, 4, 5, gemmNR + 1, 3*gemmNR + 1, 3*gemmNR + 4} {
			t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
				wide := roundUp(n, gemmNR) + gemmNR // no short last panel
				bWide := randomFloats(rng, k*wide, 0)
				b := make([]float32, k*n)
				for p := range k {
					copy(b[p*n:(p+1)*n], bWide[p*wide:])
				}
				for _, beta := range []float32{0, 1} {
					c0 := randomFloats(rng, m*wide, 0)
					cWide := append([]float32(nil), c0...)
					Sgemm(false, false, m, wide, k, 1, a, k, bWide, wide, beta, cWide, wide)
					c := make([]float32, m*n)
					for i := range m {
						copy(c[i*n:(i+1)*n], c0[i*wide:])
					}
					Sgemm(false, false, m, n, k, 1, a, k, b, n, beta, c, n)
					for i := range m {
						for j := range n {
							if got, want := c[i*n+j], cWide[i*wide+j]; !sameFloat(got, want) {
								t.Fatalf("beta=%v: C[%d][%d] = %v, want %v as in the product with a full last panel", beta, i, j, got, want)
							}
						}
					}
				}
			})
		}
	})
}

// TestSgemmColumnsRejectsShortOperands checks that the column kernels'
// wrappers panic instead of letting the assembly read or write outside
// the slices.
func TestSgemmColumnsRejectsShortOperands(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmColumns == nil {
			t.Skip("this kernel set has no column kernel")
		}
		const kc = 5
		a := make([]float32, gemmMR*kc)
		b := make([]float32, gemmNR*(kc-1)+1)
		sums := make([]float32, 4*gemmMR)
		cases := map[string]func(){
			"kc 0":       func() { impl.sgemmColumns(0, a, a, a, a, b, sums) },
			"short a0":   func() { impl.sgemmColumns(kc, a[1:], a, a, a, b, sums) },
			"short a3":   func() { impl.sgemmColumns(kc, a, a, a, a[1:], b, sums) },
			"short b":    func() { impl.sgemmColumns(kc, a, a, a, a, b[1:], sums) },
			"short sums": func() { impl.sgemmColumns(kc, a, a, a, a, b, sums[1:]) },
		}
		for name, call := range cases {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: sgemmColumns did not panic", name)
					}
				}()
				call()
			}()
		}
	})
}

// TestSgemmColumnsKeepNaNPayload checks that a column passes on the same
// NaN as the tile kernel when A and B both contain one at the same k step.
// An x86 FMA passes on the NaN of a fixed operand, so the column kernel
// must order its operands as the tile kernel does. Go does not specify
// which NaN its float operations pass on, so the generic kernels are
// exempt.
func TestSgemmColumnsKeepNaNPayload(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmColumns == nil || impl.name == "generic" {
			t.Skip("this kernel set has no column kernel in assembly")
		}
		const kc = 3
		nanA, nanB := math.Float32frombits(0x7fc00001), math.Float32frombits(0x7fc00002)
		a := make([]float32, gemmMR*kc)
		b := make([]float32, gemmNR*kc)
		for i := range gemmMR {
			a[gemmMR+i] = nanA
		}
		for j := range gemmNR {
			b[gemmNR+j] = nanB
		}
		var tile [gemmMR * gemmNR]float32
		impl.sgemmTile(kc, a, b, tile[:], gemmNR, false)
		sums := make([]float32, 4*gemmMR)
		impl.sgemmColumns(kc, a, a, a, a, b, sums)
		for i := range gemmMR {
			if got, want := math.Float32bits(sums[i]), math.Float32bits(tile[i*gemmNR]); got != want {
				t.Errorf("row %d: column kernel gives NaN %#x, tile kernel %#x", i, got, want)
			}
		}
	})
}
