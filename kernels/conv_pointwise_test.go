package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Pointwise convolutions read tiles across image rows and copy only the
// last partial tile. The cases cover pixel counts below, at and just past
// multiples of 16, and channel and filter counts past one GEMM block, on 1
// and several threads, split into bands of columns or of filters.
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
				// From 256 filters the AVX2 set packs the image, from 768
				// the AVX-512 set (pointwisePackMinFilters).
				{256, 20, 7, 7}, {301, 33, 5, 9}, {769, 5, 3, 7},
				// On several threads these split into bands of filters,
				// the last one ending in a partial panel.
				{100, 120, 14, 14}, {320, 200, 7, 7},
			} {
				for _, flags := range [][2]bool{{false, false}, {true, true}} {
					runConvCase(t, rng, convCase{m: s.m, c: s.c, h: s.h, w: s.w, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, bias: flags[0], relu: flags[1]})
				}
			}
		}
	})
}

// TestConvPointwiseTailKeepsNaN checks that the last one to three columns,
// which the column kernel computes, give the same NaN bits as a full tile:
// with ReLU6, and when two k blocks each add a different NaN.
func TestConvPointwiseTailKeepsNaN(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		const m, n = 6, 17
		nan0, nan1, nan2 := math.Float32frombits(0x7fc00000), math.Float32frombits(0x7fc00001), math.Float32frombits(0x7fc00002)
		p := Conv2DParams{Channels: 1, Height: 1, Width: n, KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1,
			DilationH: 1, DilationW: 1, OutH: 1, OutW: n}
		src := make([]float32, n)
		for i := range src {
			src[i] = nan0
		}
		dst := make([]float32, m*n)
		Conv2D(dst, src, []float32{1, 1, 1, 1, 1, 1}, nil, m, p, CappedReLU(6))
		if full, tail := math.Float32bits(dst[0]), math.Float32bits(dst[n-1]); full != tail {
			t.Errorf("ReLU6: column 0 = %#x, column %d = %#x", full, n-1, tail)
		}

		const k = 300
		p.Channels = k
		src = make([]float32, k*n)
		for j := 0; j < n; j++ {
			src[j] = nan1
			src[280*n+j] = nan2
		}
		weights := make([]float32, m*k)
		for i := range weights {
			weights[i] = 1
		}
		Conv2D(dst, src, weights, nil, m, p, NoActivation)
		if full, tail := math.Float32bits(dst[0]), math.Float32bits(dst[n-1]); full != tail {
			t.Errorf("two k blocks: column 0 = %#x, column %d = %#x", full, n-1, tail)
		}
	})
}
