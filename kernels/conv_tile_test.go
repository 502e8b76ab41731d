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
