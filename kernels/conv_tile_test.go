//go:build linux

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvTileMatchesGeneric runs each implementation's implicit-GEMM
// micro-kernel on random taps, odd and even kc among them (the AVX-512
// kernel sums even and odd steps apart), with and without accumulation,
// bias and ReLU, and compares with the portable kernel. The image, the
// panel and C each end at a guard page, or start right after one, so a
// read or write past them faults.
func TestConvTileMatchesGeneric(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 42))
		for _, atEnd := range []bool{true, false} {
			for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 63, 256} {
				const imageLen = 1000
				src := guardedCopy(t, randomFloats(rng, imageLen, 0), atEnd)
				offsets := make([]int, kc)
				for p := range offsets {
					offsets[p] = rng.IntN(imageLen - gemmNR + 1)
				}
				// The extreme taps: the image's first and last 16 floats.
				offsets[0] = 0
				offsets[kc-1] = imageLen - gemmNR
				a := guardedCopy(t, randomFloats(rng, gemmMR*kc, 0), atEnd)
				bias := guardedCopy(t, randomFloats(rng, gemmMR, 0), atEnd)
				c0 := randomFloats(rng, gemmMR*gemmNR, 0)

				for _, accumulate := range []bool{false, true} {
					for _, act := range testActivations {
						got := guardedCopy(t, c0, atEnd)
						want := append([]float32(nil), c0...)
						impl.convTile(kc, a, src, offsets, spanOf(offsets), got, gemmNR, accumulate, bias, act)
						genericKernels.convTile(kc, a, src, offsets, spanOf(offsets), want, gemmNR, accumulate, bias, act)
						for i := range want {
							// Each sum has kc+2 terms below 1 in magnitude.
							if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*float64(kc+2) {
								t.Fatalf("kc=%d accumulate=%v %v atEnd=%v: C[%d] = %v, generic gives %v", kc, accumulate, act, atEnd, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}

// TestConvTilePairMatchesTwoTiles checks every kernel set's pair kernel
// against two calls of its convTile, bit for bit, because convolution
// mixes the two on one output row. The image, the panel and C each end at
// a guard page, or start right after one, and the extreme taps read the
// image's first and last 32 floats, so a read or write past them faults.
func TestConvTilePairMatchesTwoTiles(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.convTilePair == nil {
			t.Skip("this kernel set has no pair kernel")
		}
		rng := rand.New(rand.NewPCG(43, 44))
		for _, atEnd := range []bool{true, false} {
			for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 63, 256} {
				src, offsets := pairTaps(t, rng, kc, atEnd)
				span := spanOf(offsets)
				a := guardedCopy(t, randomFloats(rng, gemmMR*kc, 50), atEnd)
				bias := guardedCopy(t, randomFloats(rng, gemmMR, 4), atEnd)
				c0 := randomFloats(rng, gemmMR*2*gemmNR, 20)

				for _, accumulate := range []bool{false, true} {
					for _, act := range testActivations {
						got := guardedCopy(t, c0, atEnd)
						impl.convTilePair(kc, a, src, offsets, span, got, 2*gemmNR, accumulate, bias, act)
						want := append([]float32(nil), c0...)
						impl.convTile(kc, a, src, offsets, span, want, 2*gemmNR, accumulate, bias, act)
						impl.convTile(kc, a, src[gemmNR:], offsets, span, want[gemmNR:], 2*gemmNR, accumulate, bias, act)
						for i, w := range want {
							if !sameFloat(got[i], w) {
								t.Fatalf("kc=%d accumulate=%v %v atEnd=%v: C[%d] (row %d, column %d) = %v, two tiles give %v",
									kc, accumulate, act, atEnd, i, i/(2*gemmNR), i%(2*gemmNR), got[i], w)
							}
						}
					}
				}
			}
		}
	})
}

// pairTaps returns a guarded image and kc random taps of a pair of
// tiles in it. The first and last taps read the image's first and last
// 32 floats, so a read past them faults.
func pairTaps(t *testing.T, rng *rand.Rand, kc int, atEnd bool) ([]float32, []int) {
	const imageLen = 1000
	src := guardedCopy(t, randomFloats(rng, imageLen, 50), atEnd)
	offsets := make([]int, kc)
	for p := range offsets {
		offsets[p] = rng.IntN(imageLen - 2*gemmNR + 1)
	}
	offsets[0] = 0
	offsets[kc-1] = imageLen - 2*gemmNR
	return src, offsets
}

// TestConvTilePairChecksBounds checks that the pair kernel's wrapper
// panics, before any assembly runs, on panels, C or taps that do not hold
// the pair of tiles.
func TestConvTilePairChecksBounds(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.convTilePair == nil {
			t.Skip("this kernel set has no pair kernel")
		}
		const kc, ldc = 4, 2 * gemmNR
		a, src := make([]float32, gemmMR*kc), make([]float32, 100)
		offsets := []int{0, 10, 20, 100 - 2*gemmNR}
		span := spanOf(offsets)
		c := make([]float32, (gemmMR-1)*ldc+2*gemmNR)
		expectPanics(t, []panicCase{
			{"kc 0", func() { impl.convTilePair(0, a, src, offsets, span, c, ldc, false, nil, NoActivation) }},
			{"short a", func() { impl.convTilePair(kc, a[:len(a)-1], src, offsets, span, c, ldc, false, nil, NoActivation) }},
			{"short offsets", func() { impl.convTilePair(kc, a, src, offsets[:kc-1], span, c, ldc, false, nil, NoActivation) }},
			{"ldc below 2 nr", func() { impl.convTilePair(kc, a, src, offsets, span, c, ldc-1, false, nil, NoActivation) }},
			{"short c", func() { impl.convTilePair(kc, a, src, offsets, span, c[:len(c)-1], ldc, false, nil, NoActivation) }},
			{"short bias", func() {
				impl.convTilePair(kc, a, src, offsets, span, c, ldc, false, make([]float32, gemmMR-1), NoActivation)
			}},
			{"last tap's right tile past src", func() { impl.convTilePair(kc, a, src[:len(src)-1], offsets, span, c, ldc, false, nil, NoActivation) }},
			{"ldc whose 5 rows wrap around", func() {
				impl.convTilePair(kc, a, src, offsets, span, c, 3689348814741910324, false, nil, NoActivation)
			}},
			{"negative tap", func() {
				impl.convTilePair(kc, a, src, offsets, offsetSpan{min: -1, max: span.max}, c, ldc, false, nil, NoActivation)
			}},
		})
	})
}
