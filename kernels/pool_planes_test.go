package kernels

import (
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
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v, %d planes, %d threads: output %d = %v, want %v", c, planes, threads, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestMaxPool3x3Stride2PlanesAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	defer SetThreads(0)
	src := make([]float32, 64*112*112)
	dst := make([]float32, 64*56*56)
	for _, threads := range []int{1, 2} {
		SetThreads(threads)
		MaxPool3x3Stride2Planes(dst, src, 64, 112, 112, 56, 56, 1)
		allocs := testing.AllocsPerRun(10, func() {
			MaxPool3x3Stride2Planes(dst, src, 64, 112, 112, 56, 56, 1)
		})
		if allocs != 0 {
			t.Errorf("%d threads: %v allocations per call, want 0", threads, allocs)
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
