package im2col

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveOutputLength is the output size formula written independently of
// outputLength: it counts window positions that fit in the padded input.
func naiveOutputLength(in, padBegin, padEnd, kernel, stride, dilation int) int {
	extent := (kernel-1)*dilation + 1
	n := 0
	for start := 0; start+extent <= in+padBegin+padEnd; start += stride {
		n++
	}
	return n
}

// naiveIm2col loops over the documented layout directly.
func naiveIm2col(src []float32, c, h, w int, p Params) []float32 {
	outH := naiveOutputLength(h, p.PadTop, p.PadBottom, p.KernelH, p.StrideH, p.DilationH)
	outW := naiveOutputLength(w, p.PadLeft, p.PadRight, p.KernelW, p.StrideW, p.DilationW)
	cols := outH * outW
	dst := make([]float32, c*p.KernelH*p.KernelW*cols)
	for ci := 0; ci < c; ci++ {
		for ki := 0; ki < p.KernelH; ki++ {
			for kj := 0; kj < p.KernelW; kj++ {
				row := (ci*p.KernelH+ki)*p.KernelW + kj
				for oh := 0; oh < outH; oh++ {
					for ow := 0; ow < outW; ow++ {
						ih := oh*p.StrideH - p.PadTop + ki*p.DilationH
						iw := ow*p.StrideW - p.PadLeft + kj*p.DilationW
						if ih >= 0 && ih < h && iw >= 0 && iw < w {
							dst[row*cols+oh*outW+ow] = src[(ci*h+ih)*w+iw]
						}
					}
				}
			}
		}
	}
	return dst
}

type im2colCase struct {
	c, h, w int
	p       Params
}

func (tc im2colCase) String() string {
	p := tc.p
	return fmt.Sprintf("c%d_%dx%d_k%dx%d_s%dx%d_p%d,%d,%d,%d_d%dx%d", tc.c, tc.h, tc.w,
		p.KernelH, p.KernelW, p.StrideH, p.StrideW, p.PadTop, p.PadLeft, p.PadBottom, p.PadRight,
		p.DilationH, p.DilationW)
}

// square returns Params with the same kernel, stride, pad and dilation on
// both axes.
func square(k, s, pad, d int) Params {
	return Params{KernelH: k, KernelW: k, StrideH: s, StrideW: s,
		PadTop: pad, PadLeft: pad, PadBottom: pad, PadRight: pad, DilationH: d, DilationW: d}
}

func im2colCases() []im2colCase {
	cases := []im2colCase{
		{1, 1, 1, square(1, 1, 0, 1)},
		{3, 5, 7, square(1, 1, 0, 1)},
		{2, 5, 5, square(3, 1, 1, 1)},
		{2, 6, 7, square(3, 2, 1, 1)},
		{1, 7, 9, square(2, 3, 0, 1)}, // stride larger than kernel
		{2, 9, 8, square(3, 1, 2, 2)}, // dilation
		{1, 4, 4, square(5, 1, 2, 1)}, // kernel larger than input, pads make it fit
		{1, 3, 3, square(5, 1, 1, 1)}, // output 1x1 from a mostly padded window
		{1, 2, 2, square(5, 1, 1, 1)}, // output size 0
		{1, 2, 3, square(6, 3, 0, 1)}, // output size 0 with stride 3
		{1, 0, 0, square(1, 1, 1, 1)}, // empty input, all padding
		{0, 4, 4, square(3, 1, 1, 1)}, // no channels
		{1, 5, 5, square(3, 1, 4, 1)}, // pads larger than the kernel
		{2, 5, 6, Params{KernelH: 3, KernelW: 2, StrideH: 1, StrideW: 2,
			PadTop: 0, PadLeft: 1, PadBottom: 2, PadRight: 0, DilationH: 1, DilationW: 3}},
		{1, 6, 5, Params{KernelH: 1, KernelW: 4, StrideH: 2, StrideW: 1,
			PadTop: 3, PadLeft: 0, PadBottom: 0, PadRight: 2, DilationH: 2, DilationW: 1}},
	}

	// Random shapes with odd sizes and asymmetric pads.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		p := Params{
			KernelH: 1 + rng.IntN(4), KernelW: 1 + rng.IntN(4),
			StrideH: 1 + rng.IntN(3), StrideW: 1 + rng.IntN(3),
			PadTop: rng.IntN(3), PadLeft: rng.IntN(3), PadBottom: rng.IntN(3), PadRight: rng.IntN(3),
			DilationH: 1 + rng.IntN(3), DilationW: 1 + rng.IntN(3),
		}
		cases = append(cases, im2colCase{c: 1 + rng.IntN(3), h: rng.IntN(10), w: rng.IntN(10), p: p})
	}
	return cases
}

func TestIm2colMatchesNaive(t *testing.T) {
	const sentinel = float32(-12345)
	rng := rand.New(rand.NewPCG(3, 4))

	tested := 0
	for _, tc := range im2colCases() {
		p := tc.p
		wantH := naiveOutputLength(tc.h, p.PadTop, p.PadBottom, p.KernelH, p.StrideH, p.DilationH)
		wantW := naiveOutputLength(tc.w, p.PadLeft, p.PadRight, p.KernelW, p.StrideW, p.DilationW)
		extentH := (p.KernelH-1)*p.DilationH + 1
		extentW := (p.KernelW-1)*p.DilationW + 1
		negative := tc.h+p.PadTop+p.PadBottom-extentH < -p.StrideH || tc.w+p.PadLeft+p.PadRight-extentW < -p.StrideW

		outH, outW, err := p.OutputSize(tc.h, tc.w)
		if negative {
			// The naive count returns 0 here, but the formula gives a
			// negative size, which OutputSize must reject.
			if err == nil {
				t.Errorf("%v: OutputSize = %dx%d, want an error for a negative size", tc, outH, outW)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: OutputSize returned error %v", tc, err)
			continue
		}
		if outH != wantH || outW != wantW {
			t.Errorf("%v: OutputSize = %dx%d, want %dx%d", tc, outH, outW, wantH, wantW)
			continue
		}

		src := make([]float32, tc.c*tc.h*tc.w)
		for i := range src {
			src[i] = float32(rng.IntN(1000) + 1)
		}
		n := tc.c * p.KernelH * p.KernelW * outH * outW
		// Sentinels before and after dst catch writes outside the matrix,
		// and NaN in dst catches elements Im2col leaves unwritten.
		buf := make([]float32, n+2)
		buf[0], buf[n+1] = sentinel, sentinel
		for i := 1; i <= n; i++ {
			buf[i] = float32(math.NaN())
		}
		Im2col(buf[1:n+1], src, tc.c, tc.h, tc.w, p)

		want := naiveIm2col(src, tc.c, tc.h, tc.w, p)
		if buf[0] != sentinel || buf[n+1] != sentinel {
			t.Errorf("%v: Im2col wrote outside dst", tc)
		}
		for i, v := range want {
			if buf[1+i] != v {
				t.Errorf("%v: dst[%d] = %v, want %v", tc, i, buf[1+i], v)
				break
			}
		}
		tested++
	}
	if tested < 150 {
		t.Errorf("only %d cases ran, want at least 150", tested)
	}
}

func TestOutputSizeFormula(t *testing.T) {
	cases := []struct {
		name          string
		h, w          int
		p             Params
		outH, outW    int
		errorContains string
	}{
		{"3x3 pad 1", 5, 5, square(3, 1, 1, 1), 5, 5, ""},
		{"stride 2 floors", 6, 7, square(3, 2, 0, 1), 2, 3, ""},
		{"dilation 2", 9, 9, square(3, 1, 0, 2), 5, 5, ""},
		{"output 0", 4, 4, square(5, 1, 0, 1), 0, 0, ""},
		{"output 0 stride 3", 2, 2, square(5, 3, 0, 1), 0, 0, ""},
		{"negative output", 2, 2, square(5, 1, 0, 1), 0, 0, "exceeds padded input"},
		{"kernel 0", 2, 2, square(0, 1, 0, 1), 0, 0, "kernel 0x0"},
		{"stride 0", 2, 2, square(1, 0, 0, 1), 0, 0, "strides 0x0"},
		{"dilation 0", 2, 2, square(1, 1, 0, 0), 0, 0, "dilations 0x0"},
		{"negative pad", 2, 2, square(1, 1, -1, 1), 0, 0, "pads"},
		{"negative input", -1, 2, square(1, 1, 0, 1), 0, 0, "negative size"},
		{"dilation overflow", 2, 2, square(3, 1, 0, math.MaxInt/2+1), 0, 0, "overflows int"},
		{"pad overflow", 2, 2, square(1, 1, math.MaxInt/2, 1), 0, 0, "overflows int"},
	}
	for _, tc := range cases {
		outH, outW, err := tc.p.OutputSize(tc.h, tc.w)
		if tc.errorContains != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errorContains) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.errorContains)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", tc.name, err)
			continue
		}
		if outH != tc.outH || outW != tc.outW {
			t.Errorf("%s: OutputSize = %dx%d, want %dx%d", tc.name, outH, outW, tc.outH, tc.outW)
		}
	}
}

func TestIm2colPanicsOnShortBuffers(t *testing.T) {
	p := square(3, 1, 1, 1)
	cases := []struct {
		name     string
		dst, src []float32
	}{
		{"short src", make([]float32, 9*16), make([]float32, 15)},
		{"short dst", make([]float32, 9*16-1), make([]float32, 16)},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Im2col did not panic", tc.name)
				}
			}()
			Im2col(tc.dst, tc.src, 1, 4, 4, p)
		}()
	}
}
