package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// smallDepthwiseKernels returns the supported sets with a small-plane 3×3
// depthwise kernel.
func smallDepthwiseKernels() []kernelSet {
	var sets []kernelSet
	for _, ks := range availableKernels() {
		if ks.depthwise3x3Small != nil {
			sets = append(sets, ks)
		}
	}
	return sets
}

// smallDepthwiseCases are the MobileNetV2 layers that the small-plane
// kernels serve, edge sizes and random geometries that they accept.
func smallDepthwiseCases(rng *rand.Rand, random int) []depthwise3x3Case {
	cases := []depthwise3x3Case{
		{c: 3, h: 14, w: 14, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1, relu: true, cap: 6},
		{c: 3, h: 7, w: 7, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1, relu: true, cap: 6},
		{c: 3, h: 28, w: 28, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1, relu: true, cap: 6},
		{c: 3, h: 14, w: 14, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1, relu: true, cap: 6},
		{h: 1, w: 1, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1},
		{h: 1, w: 1, stride: 2, pt: 2, pl: 2, pb: 0, pr: 0},
		{h: 3, w: 3, stride: 2},
		{h: 40, w: 16, stride: 1, pt: 2, pl: 0, pb: 0, pr: 0},
		{h: 5, w: 32, stride: 2, pt: 0, pl: 1, pb: 2, pr: 0, relu: true},
		{h: 9, w: 31, stride: 2, pt: 1, pl: 0, pb: 1, pr: 2},
		{h: 2, w: 17, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1},
	}
	for len(cases) < random+11 {
		tc := randomDepthwise3x3Case(rng, 34)
		tc.c = 1 + rng.IntN(5)
		if _, ok := newSmallDepthwise(tc.params()); ok {
			cases = append(cases, tc)
		}
	}
	return cases
}

// TestSmallDepthwiseServesMobileNet checks that the MobileNetV2 layers
// that the kernels were written for take the small-plane path, and that
// wide rows do not.
func TestSmallDepthwiseServesMobileNet(t *testing.T) {
	for _, tc := range smallDepthwiseCases(nil, 0)[:4] {
		if _, ok := newSmallDepthwise(tc.params()); !ok {
			t.Errorf("%v: not accepted", tc)
		}
	}
	for _, tc := range []depthwise3x3Case{
		{h: 28, w: 28, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1},
		{h: 56, w: 56, stride: 2, pt: 1, pl: 1, pb: 1, pr: 1},
		{h: 4000, w: 8, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1},
	} {
		if _, ok := newSmallDepthwise(tc.params()); ok {
			t.Errorf("%v: accepted", tc)
		}
	}

	// Heights near the int limit must not wrap the layout's sums into a
	// small plane.
	for _, stride := range []int{1, 2} {
		p := Conv2DParams{Channels: 1, Height: math.MaxInt - 1, Width: 1, KernelH: 3, KernelW: 3,
			StrideH: stride, StrideW: stride, DilationH: 1, DilationW: 1, PadTop: 2, OutH: 1, OutW: 1}
		if _, ok := newSmallDepthwise(p); ok {
			t.Errorf("height %d, stride %d: accepted", p.Height, stride)
		}
	}
}

// TestSmallDepthwiseMatchesPlaneKernel checks the small-plane kernels
// bit for bit against their set's row-strip kernel, which adds the same
// taps in the same order, on finite values, NaN, infinities and -0.
// Channels [c0, c1) of a band go through depthwise3x3Channels as a
// worker's band does, and nothing outside them may change.
func TestSmallDepthwiseMatchesPlaneKernel(t *testing.T) {
	sets := smallDepthwiseKernels()
	if len(sets) == 0 {
		t.Skip("no small-plane depthwise kernel on this CPU")
	}
	rng := rand.New(rand.NewPCG(81, 82))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	for _, ks := range sets {
		for _, tc := range smallDepthwiseCases(rng, 300) {
			p := tc.params()
			src, weights, bias := depthwise3x3Inputs(rng, p)
			if rng.IntN(3) == 0 {
				for range 1 + rng.IntN(3) {
					src[rng.IntN(len(src))] = special[rng.IntN(len(special))]
				}
			}
			want := make([]float32, p.Channels*p.OutH*p.OutW)
			ks.depthwise3x3(want, src, weights, bias, make([]float32, depthwise3x3BufferLen(p)), p, tc.activation())

			c0 := rng.IntN(p.Channels)
			c1 := c0 + 1 + rng.IntN(p.Channels-c0)
			got, intact := withSentinel(len(want))
			saved := impl
			impl = ks
			depthwise3x3Channels(got, src, weights, bias, p, tc.activation(), c0, c1)
			impl = saved

			label := fmt.Sprintf("%s %v channels [%d, %d)", ks.name, tc, c0, c1)
			outPlane := p.OutH * p.OutW
			for i := c0 * outPlane; i < c1*outPlane; i++ {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: output %d = %#x, row kernel %#x", label, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
				}
			}
			for i := range got {
				if (i < c0*outPlane || i >= c1*outPlane) && got[i] != 0 {
					t.Fatalf("%s: wrote output %d of another channel", label, i)
				}
			}
			if !intact() {
				t.Fatalf("%s: wrote past the end of dst", label)
			}
		}
	}
}

// TestSmallDepthwiseAtGuardPages runs the small-plane kernels on src,
// dst, weights, bias and buf that each end right before (or start right
// after) a PROT_NONE page. The masked loads of a row must stop at the
// image's last column, and the compressed stores at the last output.
func TestSmallDepthwiseAtGuardPages(t *testing.T) {
	sets := smallDepthwiseKernels()
	if len(sets) == 0 {
		t.Skip("no small-plane depthwise kernel on this CPU")
	}
	rng := rand.New(rand.NewPCG(83, 84))
	for _, ks := range sets {
		for _, atEnd := range []bool{true, false} {
			for _, tc := range smallDepthwiseCases(rng, 40) {
				p := tc.params()
				g, _ := newSmallDepthwise(p)
				src, weights, bias := depthwise3x3Inputs(rng, p)
				want := make([]float32, p.Channels*p.OutH*p.OutW)
				ks.depthwise3x3(want, src, weights, bias, make([]float32, depthwise3x3BufferLen(p)), p, tc.activation())

				gsrc, gweights := guardedCopy(t, src, atEnd), guardedCopy(t, weights, atEnd)
				var gbias []float32
				if bias != nil {
					gbias = guardedCopy(t, bias, atEnd)
				}
				got := guardedFloats(t, len(want), atEnd)
				buf := guardedFloats(t, g.bufLen(), atEnd)
				clear(buf)
				table := make([]int, g.tableLen)
				g.fillTable(table, p)
				ks.depthwise3x3Small(got, gsrc, gweights, gbias, buf, table, g, p, tc.activation())
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s %v atEnd=%v: output %d = %#x, row kernel %#x", ks.name, tc, atEnd, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}

// TestSmallDepthwiseChecksBounds checks that the wrapper rejects a layout
// of another geometry and slices shorter than the layout needs, instead
// of letting the assembly run off them.
func TestSmallDepthwiseChecksBounds(t *testing.T) {
	sets := smallDepthwiseKernels()
	if len(sets) == 0 {
		t.Skip("no small-plane depthwise kernel on this CPU")
	}
	tc := depthwise3x3Case{c: 2, h: 7, w: 7, stride: 1, pt: 1, pl: 1, pb: 1, pr: 1}
	p := tc.params()
	g, _ := newSmallDepthwise(p)
	full := func() (dst, src, weights, buf []float32, table []int) {
		table = make([]int, g.tableLen)
		g.fillTable(table, p)
		return make([]float32, 2*49), make([]float32, 2*49), make([]float32, 18), make([]float32, g.bufLen()), table
	}
	// A layout that is not p's: the table's rows and masks would not
	// match the slices checked against p.
	other := p
	other.Height, other.OutH = 6, 6
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("layout of another geometry: no panic")
			}
		}()
		dst, src, weights, buf, table := full()
		sets[0].depthwise3x3Small(dst, src, weights, nil, buf, table, g, other, NoActivation)
	}()

	for _, cut := range []string{"dst", "src", "weights", "buf", "table"} {
		dst, src, weights, buf, table := full()
		switch cut {
		case "dst":
			dst = dst[:len(dst)-1]
		case "src":
			src = src[:len(src)-1]
		case "weights":
			weights = weights[:17]
		case "buf":
			buf = buf[:len(buf)-1]
		case "table":
			table = table[:len(table)-1]
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("short %s: no panic", cut)
				}
			}()
			sets[0].depthwise3x3Small(dst, src, weights, nil, buf, table, g, p, NoActivation)
		}()
	}
}
