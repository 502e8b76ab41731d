package im2col

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveIm2col3D loops over the documented layout of one output depth.
func naiveIm2col3D(src []float32, c, d, h, w int, p Params3D, od int) []float32 {
	outH := naiveOutputLength(h, p.PadTop, p.PadBottom, p.KernelH, p.StrideH, p.DilationH)
	outW := naiveOutputLength(w, p.PadLeft, p.PadRight, p.KernelW, p.StrideW, p.DilationW)
	cols := outH * outW
	dst := make([]float32, c*p.KernelD*p.KernelH*p.KernelW*cols)
	for ci := 0; ci < c; ci++ {
		for kd := 0; kd < p.KernelD; kd++ {
			for ki := 0; ki < p.KernelH; ki++ {
				for kj := 0; kj < p.KernelW; kj++ {
					row := ((ci*p.KernelD+kd)*p.KernelH+ki)*p.KernelW + kj
					for oh := 0; oh < outH; oh++ {
						for ow := 0; ow < outW; ow++ {
							id := od*p.StrideD - p.PadFront + kd*p.DilationD
							ih := oh*p.StrideH - p.PadTop + ki*p.DilationH
							iw := ow*p.StrideW - p.PadLeft + kj*p.DilationW
							if id >= 0 && id < d && ih >= 0 && ih < h && iw >= 0 && iw < w {
								dst[row*cols+oh*outW+ow] = src[((ci*d+id)*h+ih)*w+iw]
							}
						}
					}
				}
			}
		}
	}
	return dst
}

type im2col3DCase struct {
	c, d, h, w int
	p          Params3D
}

func (tc im2col3DCase) String() string {
	return fmt.Sprintf("c%d_%dx%dx%d_kD%d_sD%d_pD%d,%d_dD%d_%v", tc.c, tc.d, tc.h, tc.w,
		tc.p.KernelD, tc.p.StrideD, tc.p.PadFront, tc.p.PadBack, tc.p.DilationD,
		im2colCase{c: tc.c, h: tc.h, w: tc.w, p: tc.p.Params})
}

func TestIm2col3DMatchesNaive(t *testing.T) {
	const sentinel = float32(-12345)
	rng := rand.New(rand.NewPCG(5, 6))

	tested := 0
	for range 300 {
		tc := im2col3DCase{
			c: rng.IntN(3) + 1, d: rng.IntN(6), h: rng.IntN(6), w: rng.IntN(6),
			p: Params3D{
				Params: Params{
					KernelH: 1 + rng.IntN(3), KernelW: 1 + rng.IntN(3),
					StrideH: 1 + rng.IntN(3), StrideW: 1 + rng.IntN(3),
					PadTop: rng.IntN(3), PadLeft: rng.IntN(3), PadBottom: rng.IntN(3), PadRight: rng.IntN(3),
					DilationH: 1 + rng.IntN(2), DilationW: 1 + rng.IntN(2),
				},
				KernelD: 1 + rng.IntN(3), StrideD: 1 + rng.IntN(3), DilationD: 1 + rng.IntN(3),
				PadFront: rng.IntN(4), PadBack: rng.IntN(4),
			},
		}
		outD, outH, outW, err := tc.p.OutputSize(tc.d, tc.h, tc.w)
		if err != nil {
			continue // a negative output size, checked in TestParams3DOutputSize
		}
		wantD := naiveOutputLength(tc.d, tc.p.PadFront, tc.p.PadBack, tc.p.KernelD, tc.p.StrideD, tc.p.DilationD)
		if outD != wantD {
			t.Errorf("%v: output depth %d, want %d", tc, outD, wantD)
			continue
		}

		src := make([]float32, tc.c*tc.d*tc.h*tc.w)
		for i := range src {
			src[i] = float32(rng.IntN(1000) + 1)
		}
		n := tc.c * tc.p.KernelD * tc.p.KernelH * tc.p.KernelW * outH * outW
		buf := make([]float32, n+2)
		for od := 0; od < outD; od++ {
			// Sentinels around dst catch writes outside the matrix, and
			// NaN inside it catches elements left unwritten.
			buf[0], buf[n+1] = sentinel, sentinel
			for i := 1; i <= n; i++ {
				buf[i] = float32(math.NaN())
			}
			Im2col3D(buf[1:n+1], src, tc.c, tc.d, tc.h, tc.w, tc.p, od)

			want := naiveIm2col3D(src, tc.c, tc.d, tc.h, tc.w, tc.p, od)
			if buf[0] != sentinel || buf[n+1] != sentinel {
				t.Errorf("%v od %d: Im2col3D wrote outside dst", tc, od)
			}
			for i, v := range want {
				if buf[1+i] != v {
					t.Errorf("%v od %d: dst[%d] = %v, want %v", tc, od, i, buf[1+i], v)
					break
				}
			}
			tested++
		}
	}
	if tested < 200 {
		t.Errorf("only %d output depths ran, want at least 200", tested)
	}
}

func TestParams3DOutputSize(t *testing.T) {
	base := Params3D{Params: square(1, 1, 0, 1), KernelD: 1, StrideD: 1, DilationD: 1}
	with := func(change func(p *Params3D)) Params3D {
		p := base
		change(&p)
		return p
	}
	cases := []struct {
		name          string
		d             int
		p             Params3D
		outD          int
		errorContains string
	}{
		{"depth 3 pads 1", 5, with(func(p *Params3D) { p.KernelD, p.PadFront, p.PadBack = 3, 1, 1 }), 5, ""},
		{"depth stride 2 dilation 2", 9, with(func(p *Params3D) { p.KernelD, p.StrideD, p.DilationD = 3, 2, 2 }), 3, ""},
		{"depth output 0", 2, with(func(p *Params3D) { p.KernelD, p.StrideD = 4, 3 }), 0, ""},
		{"depth negative output", 2, with(func(p *Params3D) { p.KernelD = 4 }), 0, "depth: dilated kernel 4 exceeds padded input 2"},
		{"depth kernel 0", 2, with(func(p *Params3D) { p.KernelD = 0 }), 0, "depth kernel 0"},
		{"depth negative pad", 2, with(func(p *Params3D) { p.PadBack = -1 }), 0, "depth pads [front 0, back -1]"},
		{"negative depth", -1, base, 0, "input depth -1 is negative"},
		{"invalid height params", 2, with(func(p *Params3D) { p.StrideH = 0 }), 0, "strides 0x1"},
		{"depth pad overflow", 2, with(func(p *Params3D) { p.PadFront, p.PadBack = math.MaxInt/2, math.MaxInt/2 }), 0, "overflows int"},
	}
	for _, tc := range cases {
		outD, outH, outW, err := tc.p.OutputSize(tc.d, 3, 3)
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
		if outD != tc.outD || outH != 3 || outW != 3 {
			t.Errorf("%s: OutputSize = %dx%dx%d, want %dx3x3", tc.name, outD, outH, outW, tc.outD)
		}
	}
}

func TestIm2col3DPanics(t *testing.T) {
	p := Params3D{Params: square(2, 1, 0, 1), KernelD: 2, StrideD: 1, DilationD: 1}
	// A 3x3x3 input gives outD = outH = outW = 2 and 1*8 rows of 4 columns.
	cases := []struct {
		name     string
		dst, src []float32
		od       int
	}{
		{"short src", make([]float32, 32), make([]float32, 26), 0},
		{"short dst", make([]float32, 31), make([]float32, 27), 0},
		{"output depth past the end", make([]float32, 32), make([]float32, 27), 2},
		{"negative output depth", make([]float32, 32), make([]float32, 27), -1},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Im2col3D did not panic", tc.name)
				}
			}()
			Im2col3D(tc.dst, tc.src, 1, 3, 3, 3, p, tc.od)
		}()
	}
}
