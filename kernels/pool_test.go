package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// maxPool3x3Stride2Reference returns the output of the plane kernels by
// visiting every tap of every window: the maximum, with Go's max, of the
// window's elements inside the plane, with top rows and left columns of
// padding. MaxPool3x3Stride2 pads both by pad.
func maxPool3x3Stride2Reference(src []float32, h, w, outH, outW, top, left int) []float32 {
	out := make([]float32, outH*outW)
	for i := range outH {
		for j := range outW {
			m := float32(math.Inf(-1))
			for r := 2*i - top; r <= 2*i-top+2; r++ {
				for c := 2*j - left; c <= 2*j-left+2; c++ {
					if r >= 0 && r < h && c >= 0 && c < w {
						m = max(m, src[r*w+c])
					}
				}
			}
			out[i*outW+j] = m
		}
	}
	return out
}

// maxPool3x3Stride2Case is one plane size, output size and padding that
// MaxPool3x3Stride2 accepts.
type maxPool3x3Stride2Case struct {
	h, w, outH, outW, pad int
}

func (c maxPool3x3Stride2Case) String() string {
	return fmt.Sprintf("%dx%d to %dx%d, pad %d", c.h, c.w, c.outH, c.outW, c.pad)
}

// maxPool3x3Stride2Cases returns, for pads 0 and 1, planes with every
// output size that MaxPool3x3Stride2 accepts. The widths lie on both sides
// of the AVX2 kernel's thresholds of 8 (pad 0) and 9 (pad 1) inner windows
// and of its 8-window blocks, and of the AVX-512 kernel's 16-window steps,
// whose last step moves back when the row has a step before it. The
// heights put one, two or three rows under the last window.
func maxPool3x3Stride2Cases() []maxPool3x3Stride2Case {
	var cases []maxPool3x3Stride2Case
	for _, pad := range []int{0, 1} {
		for _, h := range []int{1, 2, 3, 4, 5, 7} {
			for _, w := range []int{1, 2, 3, 4, 15, 16, 17, 18, 19, 20, 21, 31, 32, 33, 34, 35, 36, 63, 64, 65, 66, 67, 68, 111, 112, 113} {
				for outH := 1; outH <= (h-1+pad)/2+1; outH++ {
					for outW := 1; outW <= (w-1+pad)/2+1; outW++ {
						cases = append(cases, maxPool3x3Stride2Case{h, w, outH, outW, pad})
					}
				}
			}
		}
	}
	return cases
}

func TestMaxPool3x3Stride2MatchesReference(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, c := range maxPool3x3Stride2Cases() {
			for _, special := range []int{0, 4} {
				src := randomFloats(rng, c.h*c.w, special)
				want := maxPool3x3Stride2Reference(src, c.h, c.w, c.outH, c.outW, c.pad, c.pad)
				dst, intact := withSentinel(c.outH * c.outW)
				MaxPool3x3Stride2(dst, src, c.h, c.w, c.outH, c.outW, c.pad)
				for k := range dst {
					if !sameFloat(dst[k], want[k]) {
						t.Fatalf("%v, special 1/%d: output (%d, %d) = %v, want %v",
							c, special, k/c.outW, k%c.outW, dst[k], want[k])
					}
				}
				if !intact() {
					t.Fatalf("%v: MaxPool3x3Stride2 wrote past the end of dst", c)
				}
			}
		}
	})
}

func TestMaxPool3x3Stride2Panics(t *testing.T) {
	plane := make([]float32, 4*6)
	out := make([]float32, 3*4)
	expectPanics(t, []panicCase{
		{"pad 2", func() { MaxPool3x3Stride2(out, plane, 4, 6, 1, 1, 2) }},
		{"negative pad", func() { MaxPool3x3Stride2(out, plane, 4, 6, 1, 1, -1) }},
		{"height 0", func() { MaxPool3x3Stride2(out, plane, 0, 6, 1, 1, 1) }},
		{"width 0", func() { MaxPool3x3Stride2(out, plane, 4, 0, 1, 1, 1) }},
		{"negative output height", func() { MaxPool3x3Stride2(out, plane, 4, 6, -1, 1, 1) }},
		{"output row in padding only", func() { MaxPool3x3Stride2(out, plane, 4, 6, 4, 4, 1) }},
		{"output column in padding only", func() { MaxPool3x3Stride2(out, plane, 4, 6, 3, 5, 1) }},
		{"unpadded output row past the input", func() { MaxPool3x3Stride2(out, plane, 4, 6, 3, 3, 0) }},
		{"unpadded output column past the input", func() { MaxPool3x3Stride2(out, plane, 4, 6, 2, 4, 0) }},
		{"short source", func() { MaxPool3x3Stride2(out, plane[:23], 4, 6, 3, 4, 1) }},
		{"short destination", func() { MaxPool3x3Stride2(out[:11], plane, 4, 6, 3, 4, 1) }},
	})
}

func TestMaxPool3x3Stride2EmptyOutput(t *testing.T) {
	plane := []float32{1, 2, 3, 4}
	for _, pad := range []int{0, 1} {
		MaxPool3x3Stride2(nil, plane, 2, 2, 0, 1, pad)
		MaxPool3x3Stride2(nil, plane, 2, 2, 1, 0, pad)
	}
}
