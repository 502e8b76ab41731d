package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestConv2DMaxPoolMatchesTwoCalls compares the fused call with
// Conv2DPacked followed by MaxPool3x3Stride2Planes, bit for bit, on every
// kernel set. The cases cover both pool paddings and the largest pooled
// height, where ceil mode adds a last window that reaches past the
// output. Band sizes range from one pooled row to the default, and the
// thread counts split the pooled rows unevenly. Some layers take the
// unfused path: pointwise, many filters, no implicit kernel. NaN and
// infinities are in the input.
func TestConv2DMaxPoolMatchesTwoCalls(t *testing.T) {
	saved := poolBandBytes
	defer func() { poolBandBytes = saved }()
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(61, 62))
		type layer struct{ m, c, h, w, kernel, stride, convPad int }
		layers := []layer{
			{64, 3, 41, 101, 3, 2, 0}, // SqueezeNet's stem, small
			{64, 3, 40, 100, 7, 2, 3}, // ResNet's stem, small
			{7, 2, 19, 40, 3, 1, 1},   // an edge panel of one filter
			{1, 1, 9, 33, 3, 1, 0},    // one filter
			{16, 4, 60, 120, 3, 2, 1}, // one band per thread by default
			{5, 3, 12, 16, 1, 1, 0},   // pointwise: the unfused path
			{130, 2, 11, 36, 3, 1, 1}, // packed path from 128 filters
			{8, 1, 10, 21, 3, 1, 0},   // output too narrow for the implicit kernel
		}
		for _, l := range layers {
			outH := (l.h+2*l.convPad-l.kernel)/l.stride + 1
			outW := (l.w+2*l.convPad-l.kernel)/l.stride + 1
			p := Conv2DParams{Channels: l.c, Height: l.h, Width: l.w, KernelH: l.kernel, KernelW: l.kernel,
				StrideH: l.stride, StrideW: l.stride, DilationH: 1, DilationW: 1, PadTop: l.convPad, PadLeft: l.convPad, OutH: outH, OutW: outW}
			src := randomFloats(rng, l.c*l.h*l.w, 200)
			weights := PackWeights(randomFloats(rng, l.m*p.k(), 0), l.m, p.k())
			bias := randomFloats(rng, l.m, 0)
			conv := make([]float32, l.m*outH*outW)
			Conv2DPacked(conv, src, weights, bias, p, ReLUActivation)

			for pad := range 2 {
				maxH, poolW := (outH-1+pad)/2+1, (outW-1+pad)/2+1
				for _, poolH := range []int{maxH, maxH - 1, 1} {
					want := make([]float32, l.m*poolH*poolW)
					MaxPool3x3Stride2Planes(want, conv, l.m, outH, outW, poolH, poolW, pad)
					for _, bandBytes := range []int{saved, 1, 40 << 10} {
						poolBandBytes = bandBytes
						for _, threads := range []int{1, 2, 3, 7} {
							SetThreads(threads)
							got := make([]float32, len(want))
							Conv2DMaxPool(got, src, weights, bias, p, ReLUActivation, poolH, poolW, pad)
							name := fmt.Sprintf("%+v pooled to %dx%d with pad %d, bands of %d bytes on %d threads", l, poolH, poolW, pad, bandBytes, threads)
							for i, w := range want {
								if !sameFloat(got[i], w) {
									t.Fatalf("%s: output %d (plane %d) = %v, two calls give %v", name, i, i/(poolH*poolW), got[i], w)
								}
							}
						}
					}
					poolBandBytes = saved
					SetThreads(0)
				}
			}
		}
	})
}

// TestConv2DMaxPoolPanics checks the argument checks of the fused call.
func TestConv2DMaxPoolPanics(t *testing.T) {
	p := Conv2DParams{Channels: 1, Height: 9, Width: 9, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1,
		DilationH: 1, DilationW: 1, OutH: 7, OutW: 7}
	weights := PackWeights(make([]float32, 2*9), 2, 9)
	src, dst := make([]float32, 81), make([]float32, 2*16)
	expectPanics(t, []panicCase{
		{"nil weights", func() { Conv2DMaxPool(dst, src, nil, nil, p, NoActivation, 4, 4, 1) }},
		{"pad 2", func() { Conv2DMaxPool(dst, src, weights, nil, p, NoActivation, 4, 4, 2) }},
		{"pooled height too large", func() { Conv2DMaxPool(dst, src, weights, nil, p, NoActivation, 5, 4, 1) }},
		{"negative pooled width", func() { Conv2DMaxPool(dst, src, weights, nil, p, NoActivation, 4, -1, 1) }},
		{"short dst", func() { Conv2DMaxPool(dst[:31], src, weights, nil, p, NoActivation, 4, 4, 1) }},
		{"short src", func() { Conv2DMaxPool(dst, src[:80], weights, nil, p, NoActivation, 4, 4, 1) }},
		{"short bias", func() { Conv2DMaxPool(dst, src, weights, make([]float32, 1), p, NoActivation, 4, 4, 1) }},
	})
}
