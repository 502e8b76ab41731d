//go:build linux

package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestDepthwise3x3AtGuardPages runs the 3×3 depthwise kernels on src, dst,
// weights and buf that each end right before (or start right after) a
// PROT_NONE page. Neither the padding copy nor the direct reads may load
// past the ends of src, and no vector store may run past dst or buf.
func TestDepthwise3x3AtGuardPages(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	var cases []depthwise3x3Case
	for _, stride := range []int{1, 2} {
		for _, side := range []int{1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 24, 33} {
			cases = append(cases,
				depthwise3x3Case{h: side, w: side, stride: stride, pt: 1, pl: 1, pb: 1, pr: 1},
				depthwise3x3Case{h: 3, w: side, stride: stride, pt: 0, pl: 0, pb: 2, pr: 2, relu: true},
				depthwise3x3Case{h: side, w: 4, stride: stride, pt: 2, pl: 2, pb: 0, pr: 0})
		}
	}
	// Direct reads that reach furthest past the last column of a row.
	cases = append(cases,
		depthwise3x3Case{c: 2, h: 40, w: 31, stride: 2, pt: 1, pl: 1, pb: 1, pr: 17},
		depthwise3x3Case{c: 2, h: 40, w: 33, stride: 2, pt: 2, pl: 2, pb: 2, pr: 2},
		depthwise3x3Case{c: 2, h: 40, w: 17, stride: 1, pt: 2, pl: 2, pb: 2, pr: 2},
		depthwise3x3Case{c: 2, h: 40, w: 17, stride: 2, pt: 1, pl: 1, pb: 1, pr: 15})
	for range 40 {
		cases = append(cases, randomDepthwise3x3Case(rng, 20))
	}
	for _, ks := range ownDepthwise3x3Kernels() {
		for _, atEnd := range []bool{true, false} {
			for _, tc := range cases {
				p := tc.params()
				src, weights, bias := depthwise3x3Inputs(rng, p)
				want := make([]float32, p.Channels*p.OutH*p.OutW)
				depthwise3x3Generic(want, src, weights, bias, make([]float32, depthwise3x3BufferLen(p)), p, tc.activation())

				gsrc, gweights := guardedCopy(t, src, atEnd), guardedCopy(t, weights, atEnd)
				var gbias []float32
				if bias != nil {
					gbias = guardedCopy(t, bias, atEnd)
				}
				got := guardedFloats(t, len(want), atEnd)
				buf := guardedFloats(t, depthwise3x3BufferLen(p), atEnd)
				ks.depthwise3x3(got, gsrc, gweights, gbias, buf, p, tc.activation())
				checkDepthwise3x3Against(t, fmt.Sprintf("%s %v atEnd=%v", ks.name, tc, atEnd), got, want, src, weights, bias, p)
			}
		}
	}
}
