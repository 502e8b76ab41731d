package kernels

import (
	"math/rand/v2"
	"testing"
)

// Pointwise convolutions read tiles across image rows and copy only the
// last partial tile. The cases cover pixel counts below, at and just past
// multiples of 16, and channel and filter counts past one GEMM block, on 1
// and several threads.
func TestConvPointwiseMatchesDirect(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(53, 54))
		for _, threads := range []int{1, 3} {
			SetThreads(threads)
			for _, s := range []struct{ m, c, h, w int }{
				{1, 1, 1, 1}, {7, 3, 1, 15}, {7, 3, 4, 4}, {6, 2, 1, 17}, {5, 4, 7, 7},
				{13, 300, 5, 7}, {150, 2, 3, 17}, {6, 16, 8, 8}, {5, 2, 33, 1},
				{3, 257, 1, 16}, {145, 9, 2, 9}, {64, 64, 56, 56}, {100, 40, 13, 13},
				// From 256 filters, kernel sets with a pair kernel pack the image.
				{256, 20, 7, 7}, {301, 33, 5, 9},
			} {
				for _, flags := range [][2]bool{{false, false}, {true, true}} {
					runConvCase(t, rng, convCase{m: s.m, c: s.c, h: s.h, w: s.w, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, bias: flags[0], relu: flags[1]})
				}
			}
		}
	})
}
