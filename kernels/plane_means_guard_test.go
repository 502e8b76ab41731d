//go:build linux

package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestPlaneMeansAtGuardPages places the planes right before and right
// after a PROT_NONE page: the tail's masked loads must not touch the
// floats past the last plane or before the first.
func TestPlaneMeansAtGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(93, 94))
		for _, atEnd := range []bool{true, false} {
			for size := 1; size <= 2*8+1; size++ {
				for _, planes := range []int{1, 3} {
					src := guardedCopy(t, randomFloats(rng, planes*size, 5), atEnd)
					got := guardedFloats(t, planes, atEnd)
					want := make([]float32, planes)
					PlaneMeans(got, src, size)
					planeMeansGeneric(want, src, size)
					for i := range got {
						if !sameFloat(got[i], want[i]) {
							t.Fatalf("size %d, %d planes, at end %v: plane %d mean %v, portable kernel %v", size, planes, atEnd, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}
