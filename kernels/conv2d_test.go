package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// directConv2D is the float64 reference: the convolution written as its
// definition, with the magnitude of each sum for the tolerance.
func directConv2D(src, weights, bias []float32, m int, p Conv2DParams, act Activation) (out, mag []float64) {
	n := p.OutH * p.OutW
	out = make([]float64, m*n)
	mag = make([]float64, m*n)
	for o := 0; o < m; o++ {
		for y := 0; y < p.OutH; y++ {
			for x := 0; x < p.OutW; x++ {
				var sum, abs float64
				for c := 0; c < p.Channels; c++ {
					for i := 0; i < p.KernelH; i++ {
						for j := 0; j < p.KernelW; j++ {
							iy := y*p.StrideH - p.PadTop + i*p.DilationH
							ix := x*p.StrideW - p.PadLeft + j*p.DilationW
							if iy < 0 || iy >= p.Height || ix < 0 || ix >= p.Width {
								continue
							}
							w := float64(weights[o*p.k()+(c*p.KernelH+i)*p.KernelW+j])
							prod := w * float64(src[(c*p.Height+iy)*p.Width+ix])
							sum += prod
							abs += math.Abs(prod)
						}
					}
				}
				if bias != nil {
					sum += float64(bias[o])
					abs += math.Abs(float64(bias[o]))
				}
				if act.ReLU() {
					sum = min(max(sum, 0), float64(act.Cap()))
				}
				out[o*n+y*p.OutW+x] = sum
				mag[o*n+y*p.OutW+x] = abs
			}
		}
	}
	return out, mag
}

// convOutput returns the output size that zero padding of pads on both
// sides gives, or 0 where the kernel does not fit.
func convOutput(in, kernel, stride, dilation, padBegin, padEnd int) int {
	span := (kernel-1)*dilation + 1
	if in+padBegin+padEnd < span {
		return 0
	}
	return (in+padBegin+padEnd-span)/stride + 1
}

type convCase struct {
	m, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr int
	bias, relu                                         bool
	cap                                                float32 // the cap of a capped ReLU; 0 for plain ReLU
}

// activation returns the case's activation: none, ReLU or capped ReLU.
func (tc convCase) activation() Activation { return caseActivation(tc.relu, tc.cap) }

func (tc convCase) params() Conv2DParams {
	return Conv2DParams{
		Channels: tc.c, Height: tc.h, Width: tc.w,
		KernelH: tc.kh, KernelW: tc.kw, StrideH: tc.sh, StrideW: tc.sw,
		DilationH: tc.dh, DilationW: tc.dw, PadTop: tc.pt, PadLeft: tc.pl,
		OutH: convOutput(tc.h, tc.kh, tc.sh, tc.dh, tc.pt, tc.pb),
		OutW: convOutput(tc.w, tc.kw, tc.sw, tc.dw, tc.pl, tc.pr),
	}
}

func (tc convCase) String() string {
	return fmt.Sprintf("m=%d in=%dx%dx%d kernel=%dx%d stride=%dx%d dilation=%dx%d pads=%d,%d,%d,%d bias=%v relu=%v",
		tc.m, tc.c, tc.h, tc.w, tc.kh, tc.kw, tc.sh, tc.sw, tc.dh, tc.dw, tc.pt, tc.pl, tc.pb, tc.pr, tc.bias, tc.relu)
}

func runConvCase(t *testing.T, rng *rand.Rand, tc convCase) {
	t.Helper()
	p := tc.params()
	src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
	weights := randomFloats(rng, tc.m*p.k(), 0)
	var bias []float32
	if tc.bias {
		bias = randomFloats(rng, tc.m, 0)
	}
	n := p.OutH * p.OutW
	dst, intact := withSentinel(tc.m * n)
	for i := range dst {
		dst[i] = float32(math.NaN()) // Conv2D must overwrite every element
	}
	Conv2D(dst, src, weights, bias, tc.m, p, tc.activation())

	want, mag := directConv2D(src, weights, bias, tc.m, p, tc.activation())
	const eps = 1.0 / (1 << 23)
	for i := range want {
		tol := 2*eps*float64(p.k()+2)*mag[i] + 1e-30
		if diff := math.Abs(float64(dst[i]) - want[i]); !(diff <= tol) {
			t.Fatalf("%v: output %d (filter %d, pixel %d) = %v, want %v (tolerance %.3g)", tc, i, i/max(n, 1), i%max(n, 1), dst[i], want[i], tol)
		}
	}
	if !intact() {
		t.Fatalf("%v: Conv2D wrote past the end of dst", tc)
	}
}

func TestConv2DMatchesDirect(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(31, 32))
		cases := []convCase{
			{m: 1, c: 1, h: 1, w: 1, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1},
			{m: 16, c: 1, h: 28, w: 28, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, pt: 2, pl: 2, pb: 2, pr: 2, bias: true, relu: true},
			{m: 7, c: 3, h: 17, w: 23, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true},
			{m: 5, c: 4, h: 12, w: 40, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 3, pt: 2, pl: 3, pb: 2, pr: 3, relu: true},
			{m: 9, c: 2, h: 9, w: 9, kh: 4, kw: 2, sh: 3, sw: 1, dh: 1, dw: 1, pt: 0, pl: 2, pb: 3, pr: 0, bias: true},
			{m: 13, c: 5, h: 6, w: 7, kh: 7, kw: 7, sh: 1, sw: 1, dh: 1, dw: 1, pt: 3, pl: 3, pb: 3, pr: 3},
			{m: 3, c: 2, h: 3, w: 3, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, bias: true},
			{m: 6, c: 8, h: 20, w: 33, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, bias: true, relu: true, cap: 0.5},
			{m: 4, c: 3, h: 10, w: 10, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1},
			{m: 300, c: 16, h: 14, w: 14, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, bias: true, relu: true},
			{m: 40, c: 9, h: 11, w: 13, kh: 1, kw: 1, sh: 3, sw: 2, dh: 2, dw: 1, pt: 2, pl: 5, pb: 4, pr: 0, bias: true},
			{m: 3, c: 2, h: 4, w: 3, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 6, pb: 1, pr: 2},
			{m: 2, c: 1, h: 1, w: 0, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, pr: 1, bias: true}, // no input column
			{m: 2, c: 3, h: 0, w: 4, kh: 1, kw: 1, sh: 3, sw: 2, dh: 1, dw: 1, pt: 2, pb: 1, bias: true},
			{m: 20, c: 70, h: 8, w: 8, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true},
			{m: 150, c: 2, h: 5, w: 6, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true, relu: true, cap: 0.5},
			{m: 2, c: 1, h: 5, w: 100, kh: 1, kw: 17, sh: 1, sw: 1, dh: 1, dw: 1, pl: 8, pr: 8, relu: true},
		}
		for _, tc := range cases {
			runConvCase(t, rng, tc)
		}
	})
}

// TestConv2DRandomGeometry draws many small geometries, edge tiles and
// out-of-image taps included.
func TestConv2DRandomGeometry(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(33, 34))
		for range 300 {
			tc := convCase{
				m: 1 + rng.IntN(14), c: 1 + rng.IntN(4), h: 1 + rng.IntN(12), w: 1 + rng.IntN(40),
				kh: 1 + rng.IntN(4), kw: 1 + rng.IntN(4), sh: 1 + rng.IntN(3), sw: 1 + rng.IntN(3),
				dh: 1 + rng.IntN(2), dw: 1 + rng.IntN(2), pt: rng.IntN(3), pl: rng.IntN(3), pb: rng.IntN(3), pr: rng.IntN(3),
				bias: rng.IntN(2) == 0, relu: rng.IntN(2) == 0,
			}
			if rng.IntN(2) == 0 {
				tc.cap = 0.5
			}
			runConvCase(t, rng, tc)
		}
	})
}

// TestTileEpilogueMatchesGeneric compares each implementation's tile
// kernel with epilogue against the generic tile followed by the epilogue
// in Go, for every combination of accumulate, bias and ReLU.
func TestTileEpilogueMatchesGeneric(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(37, 38))
		const kc, ldc = 37, gemmNR + 3
		a := randomFloats(rng, gemmMR*kc, 0)
		b := randomFloats(rng, gemmNR*kc, 0)
		c0 := randomFloats(rng, (gemmMR-1)*ldc+gemmNR, 2)
		bias := randomFloats(rng, gemmMR, 0)
		reference := tileWithGoEpilogue(sgemmKernelGeneric, reluGeneric, clampGeneric)
		for _, accumulate := range []bool{false, true} {
			for _, withBias := range []bool{false, true} {
				for _, act := range testActivations {
					var bs []float32
					if withBias {
						bs = bias
					}
					want := append([]float32(nil), c0...)
					reference(kc, a, b, want, ldc, accumulate, bs, act)
					got := append([]float32(nil), c0...)
					impl.sgemmTileEpilogue(kc, a, b, got, ldc, accumulate, bs, act)
					for i := range got {
						if !closeOrSameSpecial(got[i], want[i], kc+2) {
							t.Fatalf("accumulate=%v bias=%v %v: C[%d] = %v, want %v", accumulate, withBias, act, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestConv2DEdgeRowsMatchFullTiles checks that a filter in an edge tile
// (13 filters: two full tiles and one row) gets the same bits as in a
// full tile (18 filters). It covers the implicit path (30 outputs per
// row) and the packed one (20), two kc blocks, bias and each activation.
func TestConv2DEdgeRowsMatchFullTiles(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(39, 40))
		for _, w := range []int{20, 30} {
			tc := convCase{m: 18, c: 32, h: 9, w: w, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1}
			p := tc.params()
			n := p.OutH * p.OutW
			src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
			weights := randomFloats(rng, tc.m*p.k(), 0)
			bias := randomFloats(rng, tc.m, 0)
			for _, act := range testActivations {
				full := make([]float32, 18*n)
				Conv2D(full, src, weights, bias, 18, p, act)
				edge := make([]float32, 13*n)
				Conv2D(edge, src, weights, bias, 13, p, act)
				for i := range edge {
					if math.Float32bits(edge[i]) != math.Float32bits(full[i]) {
						t.Fatalf("width %d, %v: filter %d output %d = %v with 13 filters, %v with 18", w, act, i/n, i%n, edge[i], full[i])
					}
				}
			}
		}
	})
}

// TestConv2DThreadCountBitwise checks that the parallel split gives the
// same bits as one goroutine, bias and ReLU included. The stem-like cases
// have padded inputs large enough to be copied on several threads, at
// strides 2 and 3.
func TestConv2DThreadCountBitwise(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(35, 36))
	cases := []convCase{
		{m: 64, c: 32, h: 30, w: 30, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true, relu: true},
		{m: 16, c: 3, h: 224, w: 224, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, bias: true, relu: true},
		{m: 8, c: 3, h: 101, w: 230, kh: 7, kw: 7, sh: 3, sw: 3, dh: 1, dw: 1, pt: 3, pl: 3, pb: 3, pr: 3, bias: true, relu: true},
	}
	for _, tc := range cases {
		p := tc.params()
		src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
		weights := randomFloats(rng, tc.m*p.k(), 0)
		bias := randomFloats(rng, tc.m, 0)
		n := p.OutH * p.OutW

		SetThreads(1)
		want := make([]float32, tc.m*n)
		Conv2D(want, src, weights, bias, tc.m, p, ReLUActivation)
		for _, threads := range []int{2, 5} {
			SetThreads(threads)
			// The padded copy comes from the scratch pool: poison the
			// buffer that the call will get, so that a row the copy
			// misses shows.
			stale := newImageB(src, p)
			for i := range stale.padded {
				stale.padded[i] = float32(math.NaN())
			}
			putScratch(stale.padded)

			got := make([]float32, tc.m*n)
			Conv2D(got, src, weights, bias, tc.m, p, ReLUActivation)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v, threads=%d: output %d = %v, one thread gives %v", p, threads, i, got[i], want[i])
				}
			}
		}
	}
}

func TestConv2DRejectsBadArguments(t *testing.T) {
	good := convCase{m: 2, c: 1, h: 4, w: 4, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1}.params()
	cases := map[string]func(){
		"zero stride": func() {
			p := good
			p.StrideH = 0
			Conv2D(make([]float32, 8), make([]float32, 16), make([]float32, 18), nil, 2, p, NoActivation)
		},
		"short src": func() {
			Conv2D(make([]float32, 8), make([]float32, 15), make([]float32, 18), nil, 2, good, NoActivation)
		},
		"short weights": func() {
			Conv2D(make([]float32, 8), make([]float32, 16), make([]float32, 17), nil, 2, good, NoActivation)
		},
		"short dst": func() {
			Conv2D(make([]float32, 7), make([]float32, 16), make([]float32, 18), nil, 2, good, NoActivation)
		},
		"short bias": func() {
			Conv2D(make([]float32, 8), make([]float32, 16), make([]float32, 18), make([]float32, 1), 2, good, NoActivation)
		},
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			call()
		})
	}
}

// TestConv2DHugeStridesAndPads covers geometries whose padded copy would
// not fit in memory, or in an int: Conv2D must read the image directly.
func TestConv2DHugeStridesAndPads(t *testing.T) {
	const huge = 1<<31 - 1
	rng := rand.New(rand.NewPCG(39, 40))
	p := Conv2DParams{Channels: 4, Height: 1, Width: 1, KernelH: 3, KernelW: 3,
		StrideH: huge, StrideW: huge, DilationH: 1, DilationW: 1, PadTop: huge, PadLeft: huge, OutH: 3, OutW: 3}
	src := randomFloats(rng, 4, 0)
	weights := randomFloats(rng, 2*4*9, 0)
	bias := randomFloats(rng, 2, 0)
	dst := make([]float32, 2*9)
	Conv2D(dst, src, weights, bias, 2, p, NoActivation)
	want, _ := directConv2D(src, weights, bias, 2, p, NoActivation)
	for i := range want {
		if math.Abs(float64(dst[i])-want[i]) > 1e-5 {
			t.Fatalf("output %d = %v, want %v", i, dst[i], want[i])
		}
	}
}

// TestDirectPackerMatchesDirect runs the bounds-testing packer, which
// Conv2D keeps for extreme geometries, on ordinary ones.
func TestDirectPackerMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for range 100 {
		tc := convCase{
			m: 1 + rng.IntN(14), c: 1 + rng.IntN(4), h: 1 + rng.IntN(12), w: 1 + rng.IntN(40),
			kh: 1 + rng.IntN(4), kw: 1 + rng.IntN(4), sh: 1 + rng.IntN(3), sw: 1 + rng.IntN(3),
			dh: 1 + rng.IntN(2), dw: 1 + rng.IntN(2), pt: rng.IntN(3), pl: rng.IntN(3), pb: rng.IntN(3), pr: rng.IntN(3),
		}
		p := tc.params()
		if p.OutH*p.OutW == 0 {
			continue
		}
		src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
		weights := randomFloats(rng, tc.m*p.k(), 0)
		n := p.OutH * p.OutW
		dst := make([]float32, tc.m*n)
		gemmParallel(tc.m, n, p.k(), aSource{a: weights, lda: p.k(), alpha: 1}, directImageB{src: src, p: p}, 0, dst, n, epilogue{})
		want, mag := directConv2D(src, weights, nil, tc.m, p, NoActivation)
		for i := range want {
			if math.Abs(float64(dst[i])-want[i]) > 2*float64(p.k()+2)*mag[i]/(1<<23)+1e-30 {
				t.Fatalf("%v: output %d = %v, want %v", tc, i, dst[i], want[i])
			}
		}
	}
}
