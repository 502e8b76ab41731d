//go:build linux

package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestConvTilePairPackMatchesPair checks every kernel set's packing pair
// kernel against its convTilePair, bit for bit, and the packed copy of B
// against the rows it read: two panels of gemmNR columns, in the layout
// that sgemmTilePair reads. A second A panel multiplied by the packed
// copy must then give convTilePair's bits too, as packedPairs relies on.
// The image, the panels, the packed buffer and C each end at a guard
// page, or start right after one, so a read or write past them faults.
func TestConvTilePairPackMatchesPair(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.convTilePairPack == nil {
			t.Skip("this kernel set has no packing pair kernel")
		}
		rng := rand.New(rand.NewPCG(45, 46))
		for _, atEnd := range []bool{true, false} {
			for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 63, 256} {
				src, offsets := pairTaps(t, rng, kc, atEnd)
				span := spanOf(offsets)
				a := guardedCopy(t, randomFloats(rng, gemmMR*kc, 50), atEnd)
				a2 := guardedCopy(t, randomFloats(rng, gemmMR*kc, 50), atEnd)
				bias := guardedCopy(t, randomFloats(rng, gemmMR, 4), atEnd)
				c0 := randomFloats(rng, gemmMR*2*gemmNR, 20)

				for _, accumulate := range []bool{false, true} {
					for _, act := range testActivations {
						name := fmt.Sprintf("kc=%d accumulate=%v %v atEnd=%v", kc, accumulate, act, atEnd)
						packed := guardedFloats(t, 2*gemmNR*kc, atEnd)
						got := guardedCopy(t, c0, atEnd)
						impl.convTilePairPack(kc, a, src, offsets, span, packed, got, 2*gemmNR, accumulate, bias, act)
						want := append([]float32(nil), c0...)
						impl.convTilePair(kc, a, src, offsets, span, want, 2*gemmNR, accumulate, bias, act)
						compareTiles(t, name, got, want)

						for p, off := range offsets {
							for j := range 2 * gemmNR {
								at := (j/gemmNR*kc+p)*gemmNR + j%gemmNR
								if !sameFloat(packed[at], src[off+j]) {
									t.Fatalf("%s: packed row %d column %d = %v, the image holds %v", name, p, j, packed[at], src[off+j])
								}
							}
						}

						got = guardedCopy(t, c0, atEnd)
						impl.sgemmTilePair(kc, a2, packed, got, 2*gemmNR, accumulate, bias, act)
						want = append(want[:0], c0...)
						impl.convTilePair(kc, a2, src, offsets, span, want, 2*gemmNR, accumulate, bias, act)
						compareTiles(t, name+" second panel", got, want)
					}
				}
			}
		}
	})
}

func compareTiles(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i, w := range want {
		if !sameFloat(got[i], w) {
			t.Fatalf("%s: C[%d] (row %d, column %d) = %v, convTilePair gives %v",
				name, i, i/(2*gemmNR), i%(2*gemmNR), got[i], w)
		}
	}
}

// TestConvTilePairPackChecksBounds checks that the packing pair kernel's
// wrapper panics, before any assembly runs, on operands that do not hold
// the tiles or the packed panels.
func TestConvTilePairPackChecksBounds(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.convTilePairPack == nil {
			t.Skip("this kernel set has no packing pair kernel")
		}
		const kc, ldc = 4, 2 * gemmNR
		a, src := make([]float32, gemmMR*kc), make([]float32, 100)
		offsets := []int{0, 10, 20, 100 - 2*gemmNR}
		span := spanOf(offsets)
		packed := make([]float32, 2*gemmNR*kc)
		c := make([]float32, (gemmMR-1)*ldc+2*gemmNR)
		call := func(kc int, a, src []float32, span offsetSpan, packed, c []float32, ldc int) func() {
			return func() { impl.convTilePairPack(kc, a, src, offsets, span, packed, c, ldc, false, nil, NoActivation) }
		}
		expectPanics(t, []panicCase{
			{"kc 0", call(0, a, src, span, packed, c, ldc)},
			{"short a", call(kc, a[:len(a)-1], src, span, packed, c, ldc)},
			{"short packed", call(kc, a, src, span, packed[:len(packed)-1], c, ldc)},
			{"short c", call(kc, a, src, span, packed, c[:len(c)-1], ldc)},
			{"ldc below 2 nr", call(kc, a, src, span, packed, c, ldc-1)},
			{"last tap's right tile past src", call(kc, a, src[:len(src)-1], span, packed, c, ldc)},
			{"negative tap", call(kc, a, src, offsetSpan{min: -1, max: span.max}, packed, c, ldc)},
		})
	})
}

// TestConvPackedTilesMatchInPlace runs pointwise and 3×3 convolutions
// through each kernel set with and without its packing pair kernel and
// requires the same bits: packedPairs must be invisible in the results.
// The filter counts leave no edge panel, an edge panel of each size, and
// several A blocks; k crosses gemmKC. At 40 channels a pointwise
// convolution runs 19 pairs as packedPairs calls of 6 (pairRunBytes).
func TestConvPackedTilesMatchInPlace(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.convTilePairPack == nil {
			t.Skip("this kernel set has no packing pair kernel")
		}
		rng := rand.New(rand.NewPCG(47, 48))
		for _, kernel := range []int{1, 3} {
			for _, c := range []int{1, 5, 40, 300} {
				for _, m := range []int{6, 7, 8, 11, 12, 13, 16, 17, 64, 150} {
					if kernel == 3 && c == 300 && m > 16 {
						continue // k = 2700: enough with the small filter counts
					}
					p := Conv2DParams{Channels: c, Height: 9, Width: 70, KernelH: kernel, KernelW: kernel,
						StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: 9 - kernel + 1, OutW: 70 - kernel + 1}
					src := randomFloats(rng, c*p.Height*p.Width, 40)
					weights := randomFloats(rng, m*p.k(), 40)
					bias := randomFloats(rng, m, 10)
					for _, act := range testActivations {
						got := make([]float32, m*p.OutH*p.OutW)
						Conv2D(got, src, weights, bias, m, p, act)

						saved := impl
						impl.convTilePairPack = nil
						want := make([]float32, len(got))
						Conv2D(want, src, weights, bias, m, p, act)
						impl = saved

						for i, w := range want {
							if !sameFloat(got[i], w) {
								t.Fatalf("%dx%d kernel, %d channels, %d filters, %v: output %d = %v, %v without packing",
									kernel, kernel, c, m, act, i, got[i], w)
							}
						}
					}
				}
			}
		}
	})
}
