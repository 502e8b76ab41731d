package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool3x3Stride2PlanesMatchesPerPlane checks the planes call
// against MaxPool3x3Stride2 on each plane, bit for bit, with 1, 2 and 3
// threads and enough planes to run in parallel.
func TestMaxPool3x3Stride2PlanesMatchesPerPlane(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(71, 72))
	for _, c := range []maxPool3x3Stride2Case{{111, 111, 55, 55, 0}, {112, 112, 56, 56, 1}, {27, 27, 13, 13, 0}, {5, 7, 3, 4, 1}} {
		for _, planes := range []int{1, 3, 64} {
			src := randomFloats(rng, planes*c.h*c.w, 1)
			want := make([]float32, planes*c.outH*c.outW)
			out := c.outH * c.outW
			for p := range planes {
				MaxPool3x3Stride2(want[p*out:(p+1)*out], src[p*c.h*c.w:], c.h, c.w, c.outH, c.outW, c.pad)
			}
			for _, threads := range []int{1, 2, 3} {
				SetThreads(threads)
				got := make([]float32, len(want))
				MaxPool3x3Stride2Planes(got, src, planes, c.h, c.w, c.outH, c.outW, c.pad)
				checkPooledBits(t, fmt.Sprintf("%v, %d planes, %d threads", c, planes, threads), got, want)
			}
		}
	}
}

// TestMaxPoolPlanesAllocateNothing covers both planes calls at 1 and 2
// threads on ResNet's and VGG's pooling sizes.
func TestMaxPoolPlanesAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	defer SetThreads(0)
	src := make([]float32, 64*112*112)
	dst := make([]float32, 64*56*56)
	calls := map[string]func(){
		"3x3": func() { MaxPool3x3Stride2Planes(dst, src, 64, 112, 112, 56, 56, 1) },
		"2x2": func() { MaxPool2x2Stride2Planes(dst, src, 64, 112, 112, 56, 56) },
	}
	for name, call := range calls {
		for _, threads := range []int{1, 2} {
			SetThreads(threads)
			call()
			if allocs := testing.AllocsPerRun(10, call); allocs != 0 {
				t.Errorf("%s, %d threads: %v allocations per call, want 0", name, threads, allocs)
			}
		}
	}
}

func TestMaxPool3x3Stride2PlanesPanics(t *testing.T) {
	planes := make([]float32, 2*4*6)
	out := make([]float32, 2*3*4)
	expectPanics(t, []panicCase{
		{"pad 2", func() { MaxPool3x3Stride2Planes(out, planes, 2, 4, 6, 1, 1, 2) }},
		{"negative planes", func() { MaxPool3x3Stride2Planes(out, planes, -1, 4, 6, 3, 4, 1) }},
		{"height 0", func() { MaxPool3x3Stride2Planes(out, planes, 2, 0, 6, 1, 1, 1) }},
		{"output row in padding only", func() { MaxPool3x3Stride2Planes(out, planes, 2, 4, 6, 4, 4, 1) }},
		{"short source", func() { MaxPool3x3Stride2Planes(out, planes[:47], 2, 4, 6, 3, 4, 1) }},
		{"short destination", func() { MaxPool3x3Stride2Planes(out[:23], planes, 2, 4, 6, 3, 4, 1) }},
		// h*w and outH*outW wrap around to 0 and 64 in 64-bit integers.
		{"plane size past int", func() { MaxPool3x3Stride2Planes(out, planes[:0], 1, 1<<62, 4, 1, 2, 0) }},
		{"output size past int", func() { MaxPool3x3Stride2Planes(make([]float32, 64), planes, 1, 1<<60, 128, 1<<58+1, 64, 0) }},
	})
}

func TestMaxPool3x3Stride2PlanesEmpty(t *testing.T) {
	MaxPool3x3Stride2Planes(nil, nil, 0, 4, 6, 3, 4, 1)
	MaxPool3x3Stride2Planes(nil, make([]float32, 24), 1, 4, 6, 0, 4, 1)
}

// TestMaxPool2x2Stride2PlanesMatchesPerPlane checks the planes call
// against MaxRows and MaxPairs on each pair of rows, bit for bit, with 1,
// 2 and 3 threads, odd sizes that drop the last row or column, and enough
// planes to run in parallel. The inputs include NaNs and signed zeros.
func TestMaxPool2x2Stride2PlanesMatchesPerPlane(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(73, 74))
	cases := []struct{ h, w, outH, outW int }{
		{112, 112, 56, 56}, {28, 28, 14, 14}, {5, 7, 2, 3}, {2, 67, 1, 33}, {9, 9, 3, 2},
	}
	for _, c := range cases {
		for _, planes := range []int{1, 3, 64} {
			src := randomFloats(rng, planes*c.h*c.w, 1)
			for i := 0; i < len(src); i += 37 {
				src[i] = []float32{float32(math.NaN()), 0, float32(math.Copysign(0, -1))}[i%3]
			}
			want := make([]float32, planes*c.outH*c.outW)
			rowMax := make([]float32, 2*c.outW)
			for p := range planes {
				plane := src[p*c.h*c.w:]
				for i := range c.outH {
					MaxRows(rowMax, plane[2*i*c.w:], plane[(2*i+1)*c.w:])
					MaxPairs(want[(p*c.outH+i)*c.outW:][:c.outW], rowMax)
				}
			}
			for _, threads := range []int{1, 2, 3} {
				SetThreads(threads)
				got := make([]float32, len(want))
				MaxPool2x2Stride2Planes(got, src, planes, c.h, c.w, c.outH, c.outW)
				checkPooledBits(t, fmt.Sprintf("%v, %d planes, %d threads", c, planes, threads), got, want)
			}
		}
	}
}

func TestMaxPool2x2Stride2PlanesPanics(t *testing.T) {
	planes := make([]float32, 2*4*6)
	out := make([]float32, 2*2*3)
	expectPanics(t, []panicCase{
		{"negative planes", func() { MaxPool2x2Stride2Planes(out, planes, -1, 4, 6, 2, 3) }},
		{"output rows past the input", func() { MaxPool2x2Stride2Planes(out, planes, 2, 4, 6, 3, 3) }},
		{"output columns past the input", func() { MaxPool2x2Stride2Planes(out, planes, 2, 4, 6, 2, 4) }},
		{"short source", func() { MaxPool2x2Stride2Planes(out, planes[:47], 2, 4, 6, 2, 3) }},
		{"short destination", func() { MaxPool2x2Stride2Planes(out[:11], planes, 2, 4, 6, 2, 3) }},
		// h*w and outH*outW wrap around in 64-bit integers.
		{"plane size past int", func() { MaxPool2x2Stride2Planes(out, planes[:0], 1, 1<<62, 4, 1, 2) }},
		{"output size past int", func() { MaxPool2x2Stride2Planes(make([]float32, 64), planes, 1, 1<<60, 128, 1<<58+1, 64) }},
	})
}

func TestMaxPool2x2Stride2PlanesEmpty(t *testing.T) {
	MaxPool2x2Stride2Planes(nil, nil, 0, 4, 6, 2, 3)
	MaxPool2x2Stride2Planes(nil, make([]float32, 24), 1, 4, 6, 0, 3)
	MaxPool2x2Stride2Planes(nil, make([]float32, 24), 1, 4, 6, 2, 0)
	MaxPool2x2Stride2Planes(nil, nil, 1, 1, 1, 0, 0)
}

// checkPooledBits fails the test at the first element of got whose bits
// differ from want's.
func checkPooledBits(t *testing.T, label string, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: output %d = %v, want %v", label, i, got[i], want[i])
		}
	}
}
