package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// depthwise3x3Case is a 3×3 depthwise convolution of c channels (1 when
// c is 0) with pads top, left, bottom, right.
type depthwise3x3Case struct {
	c, h, w, stride, pt, pl, pb, pr int
	relu                            bool
	cap                             float32 // the cap of a capped ReLU; 0 for plain ReLU
}

// activation returns the case's activation: none, ReLU or capped ReLU.
func (tc depthwise3x3Case) activation() Activation { return caseActivation(tc.relu, tc.cap) }

func (tc depthwise3x3Case) params() Conv2DParams {
	return convCase{c: max(tc.c, 1), h: tc.h, w: tc.w, kh: 3, kw: 3, sh: tc.stride, sw: tc.stride, dh: 1, dw: 1,
		pt: tc.pt, pl: tc.pl, pb: tc.pb, pr: tc.pr}.params()
}

func (tc depthwise3x3Case) String() string {
	return fmt.Sprintf("%d×%dx%d stride %d pads %d,%d,%d,%d %v", max(tc.c, 1), tc.h, tc.w, tc.stride, tc.pt, tc.pl, tc.pb, tc.pr, tc.activation())
}

// randomDepthwise3x3Case draws a case of 1 to 3 channels with input
// sides up to maxSide.
func randomDepthwise3x3Case(rng *rand.Rand, maxSide int) depthwise3x3Case {
	for {
		tc := depthwise3x3Case{c: 1 + rng.IntN(3), h: 1 + rng.IntN(maxSide), w: 1 + rng.IntN(maxSide), stride: 1 + rng.IntN(2),
			pt: rng.IntN(3), pl: rng.IntN(3), pb: rng.IntN(3), pr: rng.IntN(3), relu: rng.IntN(2) == 0}
		if rng.IntN(2) == 0 {
			tc.cap = 0.5
		}
		if p := tc.params(); p.OutH >= 1 && p.OutW >= 1 {
			return tc
		}
	}
}

// depthwise3x3Tolerance returns how far two float32 sums of the 9 taps
// plus bias of output (y, x) of one channel may differ when each adds in
// its own way (fused or not). That is twice the rounding bound of either
// sum, 11 roundings of the sum of the magnitudes.
func depthwise3x3Tolerance(src, weights []float32, bias float32, p Conv2DParams, y, x int) float64 {
	mag := math.Abs(float64(bias))
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			r, c := y*p.StrideH-p.PadTop+i, x*p.StrideW-p.PadLeft+j
			if r >= 0 && r < p.Height && c >= 0 && c < p.Width {
				mag += math.Abs(float64(weights[3*i+j]) * float64(src[r*p.Width+c]))
			}
		}
	}
	return 2*11*mag/(1<<23) + 1e-30
}

// checkDepthwise3x3Against compares got with want, the generic kernel's
// output, for every channel of p, naming the case by label in failures.
// Special values must be the same and finite ones within
// depthwise3x3Tolerance. bias may be nil.
func checkDepthwise3x3Against(t *testing.T, label string, got, want, src, weights, bias []float32, p Conv2DParams) {
	t.Helper()
	inPlane, outPlane := p.Height*p.Width, p.OutH*p.OutW
	for i := range want[:p.Channels*outPlane] {
		g, w := got[i], want[i]
		if sameFloat(g, w) {
			continue
		}
		c, y, x := i/outPlane, i%outPlane/p.OutW, i%p.OutW
		var b float32
		if bias != nil {
			b = bias[c]
		}
		tol := depthwise3x3Tolerance(src[c*inPlane:], weights[9*c:], b, p, y, x)
		if !isFinite(w) || !isFinite(g) || math.Abs(float64(g)-float64(w)) > tol {
			t.Fatalf("%s: channel %d output (%d, %d) = %v, generic %v (tolerance %.3g)", label, c, y, x, g, w, tol)
		}
	}
}

// depthwise3x3Inputs returns random src, weights and bias (nil with
// probability 1/4) for p.
func depthwise3x3Inputs(rng *rand.Rand, p Conv2DParams) (src, weights, bias []float32) {
	src = randomFloats(rng, p.Channels*p.Height*p.Width, 0)
	weights = randomFloats(rng, 9*p.Channels, 0)
	if rng.IntN(4) != 0 {
		bias = randomFloats(rng, p.Channels, 0)
	}
	return src, weights, bias
}

// ownDepthwise3x3Kernels returns the supported sets with a 3×3 depthwise
// kernel of their own, the generic one included.
func ownDepthwise3x3Kernels() []kernelSet {
	var sets []kernelSet
	for _, ks := range availableKernels() {
		if !ks.depthwise3x3Borrowed {
			sets = append(sets, ks)
		}
	}
	return sets
}

func TestDepthwise3x3MatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	cases := []depthwise3x3Case{
		{h: 112, w: 112, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1, relu: true, cap: 6},
		{h: 112, w: 112, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1},
		{h: 56, w: 56, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1, relu: true, cap: 0.25},
		{h: 14, w: 14, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1},
		{h: 7, w: 7, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1, relu: true},
		{h: 7, w: 7, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1},
		{h: 1, w: 1, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1},
		{h: 3, w: 3, stride: 2, pt: 0, pl: 0, pb: 0, pr: 0},
		{h: 25, w: 33, stride: 2, pt: 2, pl: 0, pb: 1, pr: 2, relu: true},
		{h: 13, w: 9, stride: 1, pt: 0, pl: 2, pb: 2, pr: 0},
		// Rows wider than the ring's 16 KiB over 9 slots, so that it
		// restarts every block or two.
		{c: 2, h: 30, w: 600, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1, relu: true},
		{c: 2, h: 30, w: 700, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1},
		// Right pads wider than the filter, so that outputs left of the
		// last strip reach past the image: direct reads must be refused
		// (where they do) or allowed (where they just do not).
		{h: 24, w: 31, stride: 2, pt: 1, pl: 1, pb: 1, pr: 17},
		{h: 24, w: 32, stride: 2, pt: 1, pl: 1, pb: 1, pr: 16},
		{h: 20, w: 20, stride: 1, pt: 1, pl: 1, pb: 1, pr: 20, relu: true},
		{h: 24, w: 16, stride: 1, pt: 1, pl: 1, pb: 1, pr: 9},
		{h: 24, w: 16, stride: 1, pt: 1, pl: 1, pb: 1, pr: 8, relu: true},
	}
	for range 300 {
		cases = append(cases, randomDepthwise3x3Case(rng, 40))
	}
	for _, ks := range ownDepthwise3x3Kernels() {
		for _, tc := range cases {
			p := tc.params()
			src, weights, bias := depthwise3x3Inputs(rng, p)
			buf := make([]float32, depthwise3x3BufferLen(p))
			for i := range buf {
				buf[i] = float32(math.NaN()) // the kernel must write every float it reads
			}
			want := make([]float32, p.Channels*p.OutH*p.OutW)
			depthwise3x3Generic(want, src, weights, bias, buf, p, tc.activation())
			got, intact := withSentinel(len(want))
			ks.depthwise3x3(got, src, weights, bias, buf, p, tc.activation())
			checkDepthwise3x3Against(t, fmt.Sprintf("%s %v", ks.name, tc), got, want, src, weights, bias, p)
			if !intact() {
				t.Fatalf("%s %v: wrote past the end of dst", ks.name, tc)
			}
		}
	}
}

// TestDepthwise3x3MatchesRowKernel checks stride 1 bit for bit against the
// set's row kernel on a padded plane. Both add the taps in the same order
// with the same operations, so DepthwiseConv2D's results do not depend on
// which of the two computes them.
func TestDepthwise3x3MatchesRowKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(49, 50))
	for _, ks := range ownDepthwise3x3Kernels() {
		for range 100 {
			tc := randomDepthwise3x3Case(rng, 30)
			tc.stride = 1
			p := tc.params()
			src, weights, bias := depthwise3x3Inputs(rng, p)
			want := make([]float32, p.Channels*p.OutH*p.OutW)
			saved := impl
			impl = ks
			depthwiseChannels(want, src, weights, bias, p, tc.activation(), 0, p.Channels)
			impl = saved

			got := make([]float32, len(want))
			ks.depthwise3x3(got, src, weights, bias, make([]float32, depthwise3x3BufferLen(p)), p, tc.activation())
			for i := range want {
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("%s %v: output %d = %v, row kernel %v", ks.name, tc, i, got[i], want[i])
				}
			}
		}
	}
}

// TestDepthwise3x3SpecialValues checks that NaN reaches exactly the
// outputs whose window holds it and that ReLU keeps -0 and NaN. With zero
// weights, inputs of -1 and a bias of -0, every product of an input is -0,
// so an output is -0 unless its window reaches the padding, whose products
// are +0.
func TestDepthwise3x3SpecialValues(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	nan := float32(math.NaN())
	for _, ks := range ownDepthwise3x3Kernels() {
		for _, stride := range []int{1, 2} {
			for _, relu := range []bool{false, true} {
				tc := depthwise3x3Case{h: 11, w: 19, stride: stride, pt: 1, pl: 1, pb: 1, pr: 1, relu: relu}
				p := tc.params()
				src := make([]float32, p.Height*p.Width)
				for i := range src {
					src[i] = -1
				}
				const nanRow, nanCol = 5, 9
				src[nanRow*p.Width+nanCol] = nan
				weights := make([]float32, 9)
				got := make([]float32, p.OutH*p.OutW)
				ks.depthwise3x3(got, src, weights, []float32{negZero}, make([]float32, depthwise3x3BufferLen(p)), p, ReLUIf(relu))
				for y := 0; y < p.OutH; y++ {
					for x := 0; x < p.OutW; x++ {
						top, left := y*stride-1, x*stride-1
						want := negZero
						if top < 0 || left < 0 || top+3 > p.Height || left+3 > p.Width {
							want = 0
						}
						if dr, dc := nanRow-top, nanCol-left; dr >= 0 && dr < 3 && dc >= 0 && dc < 3 {
							want = nan
						}
						if v := got[y*p.OutW+x]; !sameFloat(v, want) {
							t.Fatalf("%s %v: output (%d, %d) = %v (bits %#x), want %v", ks.name, tc, y, x, v, math.Float32bits(v), want)
						}
					}
				}
			}
		}
	}
}

func TestDepthwise3x3RejectsShortSlices(t *testing.T) {
	p := depthwise3x3Case{c: 2, h: 8, w: 8, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1}.params()
	n := p.Channels * p.Height * p.Width
	for _, ks := range availableKernels() {
		for _, short := range []string{"dst", "src", "weights", "bias", "buf"} {
			dst, src, weights, bias := make([]float32, n), make([]float32, n), make([]float32, 18), make([]float32, 2)
			buf := make([]float32, depthwise3x3BufferLen(p))
			switch short {
			case "dst":
				dst = dst[:n-1]
			case "src":
				src = src[:n-1]
			case "weights":
				weights = weights[:17]
			case "bias":
				bias = bias[:1]
			case "buf":
				buf = buf[:len(buf)-1]
			}
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: short %s did not panic", ks.name, short)
					}
				}()
				ks.depthwise3x3(dst, src, weights, bias, buf, p, NoActivation)
			}()
		}
	}
}

func TestDepthwise3x3Fits(t *testing.T) {
	base := depthwise3x3Case{h: 8, w: 8, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1}.params()
	if !depthwise3x3Fits(base) {
		t.Fatalf("%+v does not fit", base)
	}
	for _, tc := range []struct {
		name   string
		modify func(p *Conv2DParams)
	}{
		{"5x5 filter", func(p *Conv2DParams) { p.KernelH, p.KernelW = 5, 5 }},
		{"dilation 2", func(p *Conv2DParams) { p.DilationW = 2 }},
		{"stride 3", func(p *Conv2DParams) { p.StrideH, p.StrideW = 3, 3 }},
		{"strides 1x2", func(p *Conv2DParams) { p.StrideW = 2 }},
		{"pad top 3", func(p *Conv2DParams) { p.PadTop = 3 }},
		{"pad left 3", func(p *Conv2DParams) { p.PadLeft = 3 }},
		{"empty output", func(p *Conv2DParams) { p.OutW = 0 }},
		{"huge output", func(p *Conv2DParams) { p.OutH, p.OutW = math.MaxInt/2, math.MaxInt/2 }},
	} {
		p := base
		tc.modify(&p)
		if depthwise3x3Fits(p) {
			t.Errorf("%s: %+v fits", tc.name, p)
		}
	}
}

func TestDepthwise3x3MasksLimits(t *testing.T) {
	masks := make([]float32, depthwise3x3MaskFloats)
	for _, tc := range []struct {
		c    depthwise3x3Case
		want bool
	}{
		{depthwise3x3Case{h: 56, w: 56, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1}, true},
		{depthwise3x3Case{h: 56, w: 56, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1}, true},
		{depthwise3x3Case{h: 56, w: 15, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1}, false},  // 15 outputs a row
		{depthwise3x3Case{h: 56, w: 31, stride: 2, pt: 1, pl: 1, pb: 1, pr: 17}, false}, // output 15 of 24 uses column 31
		{depthwise3x3Case{h: 56, w: 32, stride: 2, pt: 1, pl: 1, pb: 1, pr: 16}, true},
		{depthwise3x3Case{h: 56, w: 16, stride: 1, pt: 1, pl: 1, pb: 1, pr: 9}, false}, // output 15 of 24 uses column 16
		{depthwise3x3Case{h: 56, w: 16, stride: 1, pt: 1, pl: 1, pb: 1, pr: 8}, true},
		{depthwise3x3Case{h: 56, w: 16, stride: 2, pt: 1, pl: 1, pb: 1, pr: 16}, false}, // the last strip loads column 32
		{depthwise3x3Case{h: 56, w: 17, stride: 2, pt: 1, pl: 1, pb: 1, pr: 15}, true},
	} {
		p := tc.c.params()
		if got := depthwise3x3Masks(p, masks); got != tc.want {
			t.Errorf("%v (%d outputs a row): direct reads %v, want %v", tc.c, p.OutW, got, tc.want)
		}
	}
}
