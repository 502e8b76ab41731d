package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func runDepthwiseCase(t *testing.T, rng *rand.Rand, tc convCase) {
	t.Helper()
	p := tc.params()
	taps := p.KernelH * p.KernelW
	src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
	weights := randomFloats(rng, p.Channels*taps, 0)
	var bias []float32
	if tc.bias {
		bias = randomFloats(rng, p.Channels, 0)
	}
	outPlane := p.OutH * p.OutW
	dst, intact := withSentinel(p.Channels * outPlane)
	for i := range dst {
		dst[i] = float32(math.NaN())
	}
	DepthwiseConv2D(dst, src, weights, bias, p, tc.activation())

	// Each channel is a one-channel convolution with one filter.
	one := p
	one.Channels = 1
	const eps = 1.0 / (1 << 23)
	for c := 0; c < p.Channels; c++ {
		var b []float32
		if bias != nil {
			b = bias[c : c+1]
		}
		want, mag := directConv2D(src[c*p.Height*p.Width:], weights[c*taps:(c+1)*taps], b, 1, one, tc.activation())
		for i := range want {
			got := dst[c*outPlane+i]
			tol := 2*eps*float64(taps+2)*mag[i] + 1e-30
			if diff := math.Abs(float64(got) - want[i]); !(diff <= tol) {
				t.Fatalf("%v: channel %d pixel %d = %v, want %v (tolerance %.3g)", tc, c, i, got, want[i], tol)
			}
		}
	}
	if !intact() {
		t.Fatalf("%v: DepthwiseConv2D wrote past the end of dst", tc)
	}
}

func TestDepthwiseConv2DMatchesDirect(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 42))
		cases := []convCase{
			{c: 32, h: 112, w: 112, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true, relu: true, cap: 0.5},
			{c: 5, h: 15, w: 17, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true},
			{c: 3, h: 9, w: 40, kh: 5, kw: 5, sh: 1, sw: 1, dh: 2, dw: 2, pt: 4, pl: 4, pb: 4, pr: 4, relu: true, cap: 0.5},
			{c: 1, h: 1, w: 1, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1},
			{c: 2, h: 4, w: 4, kh: 7, kw: 7, sh: 1, sw: 1, dh: 1, dw: 1, pt: 3, pl: 3, pb: 3, pr: 3},
			{c: 4, h: 6, w: 6, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 2, pb: 2, pr: 0, bias: true},
			{c: 24, h: 28, w: 28, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true, relu: true},
			{c: 40, h: 7, w: 7, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true, relu: true},
			{c: 3, h: 10, w: 21, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 0, pl: 2, pb: 2, pr: 0},
		}
		for _, tc := range cases {
			runDepthwiseCase(t, rng, tc)
		}
		for range 200 {
			tc := convCase{
				c: 1 + rng.IntN(5), h: 1 + rng.IntN(12), w: 1 + rng.IntN(45),
				kh: 1 + rng.IntN(4), kw: 1 + rng.IntN(4), sh: 1 + rng.IntN(3), sw: 1 + rng.IntN(2),
				dh: 1 + rng.IntN(2), dw: 1 + rng.IntN(2), pt: rng.IntN(3), pl: rng.IntN(3), pb: rng.IntN(3), pr: rng.IntN(3),
				bias: rng.IntN(2) == 0, relu: rng.IntN(2) == 0,
			}
			if rng.IntN(2) == 0 {
				tc.cap = 0.5
			}
			runDepthwiseCase(t, rng, tc)
		}
	})
}

func TestTapsRowMatchesGeneric(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(43, 44))
		for _, n := range vectorLengths() {
			for _, taps := range []int{1, 2, 9, 25} {
				offsets := make([]int, taps)
				for i := range offsets {
					offsets[i] = rng.IntN(50)
				}
				src := randomFloats(rng, n+60, 3)
				weights := randomFloats(rng, taps, 0)
				bias := rng.Float32() - 0.5
				relu := taps%2 == 1
				want := make([]float32, n)
				tapsRowGeneric(want, src, offsets, weights, bias, relu)
				got, intact := withSentinel(n)
				impl.tapsRow(got, src, offsets, weights, bias, relu)
				for x := range got {
					if !closeOrSameSpecial(got[x], want[x], taps) {
						t.Fatalf("n=%d taps=%d: output %d = %v, generic %v", n, taps, x, got[x], want[x])
					}
				}
				if !intact() {
					t.Fatalf("n=%d taps=%d: wrote past the end of dst", n, taps)
				}
			}
		}
	})
}

// closeOrSameSpecial reports whether got equals want up to the rounding of
// a sum of terms (fused or not), or both are the same non-finite value.
func closeOrSameSpecial(got, want float32, terms int) bool {
	if sameFloat(got, want) {
		return true
	}
	g, w := float64(got), float64(want)
	if math.IsNaN(g) || math.IsNaN(w) || math.IsInf(g, 0) || math.IsInf(w, 0) {
		return false
	}
	return math.Abs(g-w) <= 4*float64(terms)*(1.0/(1<<23))*max(math.Abs(w), 1)
}

// depthwiseBenchShapes are MobileNetV2's 3×3 depthwise layers, pads 1:
// the stride-1 layer at 112×112 (32 channels), its stride-2 layers and
// stride-1 layers on smaller maps, where per-row costs dominate. The
// AVX-512 set runs the 14×14 and 7×7 outputs with the small-plane kernels
// and the AVX2 set with the row kernels, so the two compare those.
var depthwiseBenchShapes = []struct {
	name            string
	c, h, w, stride int
}{
	{"mobilenet_dw3x3_32ch_112px", 32, 112, 112, 1},
	{"s2_96ch_112px", 96, 112, 112, 2},
	{"s2_144ch_56px", 144, 56, 56, 2},
	{"s1_144ch_56px", 144, 56, 56, 1},
	{"s1_192ch_28px", 192, 28, 28, 1},
	{"s2_192ch_28px", 192, 28, 28, 2},
	{"s1_384ch_14px", 384, 14, 14, 1},
	{"s1_576ch_14px", 576, 14, 14, 1},
	{"s2_576ch_14px", 576, 14, 14, 2},
	{"s1_960ch_7px", 960, 7, 7, 1},
}

// BenchmarkDepthwiseConv2D times the layers of depthwiseBenchShapes with
// bias and ReLU on one thread, as the single-thread comparison with ONNX
// Runtime in BENCHMARKS.md runs them.
func BenchmarkDepthwiseConv2D(b *testing.B) {
	saved := int(threads.Load())
	defer SetThreads(saved)
	SetThreads(1)
	rng := rand.New(rand.NewPCG(5, 5))
	for _, s := range depthwiseBenchShapes {
		tc := convCase{c: s.c, h: s.h, w: s.w, kh: 3, kw: 3, sh: s.stride, sw: s.stride, dh: 1, dw: 1,
			pt: 1, pl: 1, pb: 1, pr: 1, bias: true, relu: true}
		p := tc.params()
		src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
		weights := randomFloats(rng, p.Channels*9, 0)
		bias := randomFloats(rng, p.Channels, 0)
		dst := make([]float32, p.Channels*p.OutH*p.OutW)
		benchEachImpl(b, s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				DepthwiseConv2D(dst, src, weights, bias, p, ReLUActivation)
			}
			flops := 2 * 9 * float64(len(dst)) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

func TestDepthwiseHugeStridesAndPads(t *testing.T) {
	const huge = 1<<31 - 1
	rng := rand.New(rand.NewPCG(45, 46))
	p := Conv2DParams{Channels: 3, Height: 1, Width: 1, KernelH: 3, KernelW: 3,
		StrideH: huge, StrideW: huge, DilationH: 1, DilationW: 1, PadTop: huge, PadLeft: huge, OutH: 3, OutW: 3}
	src := randomFloats(rng, 3, 0)
	weights := randomFloats(rng, 3*9, 0)
	dst := make([]float32, 3*9)
	DepthwiseConv2D(dst, src, weights, nil, p, ReLUActivation)
	one := p
	one.Channels = 1
	for c := 0; c < 3; c++ {
		want, _ := directConv2D(src[c:c+1], weights[c*9:(c+1)*9], nil, 1, one, ReLUActivation)
		for i := range want {
			if math.Abs(float64(dst[c*9+i])-want[i]) > 1e-5 {
				t.Fatalf("channel %d output %d = %v, want %v", c, i, dst[c*9+i], want[i])
			}
		}
	}
}
