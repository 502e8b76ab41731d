//go:build linux

package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestEdgeKernelsAtGuardPages runs the edge kernels on a C that holds
// just the corner, (rows-1)*ldc+cols floats, against an unmapped page
// on either side. The full tile's rows would reach into the page, so a
// load or store outside the mask faults. The pair kernels for fewer rows
// get a C of just their rows the same way.
func TestEdgeKernelsAtGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmEdge == nil || impl.convEdge == nil {
			t.Skip("this kernel set has no edge kernels")
		}
		rng := rand.New(rand.NewPCG(65, 66))
		const kc, ldc = 5, gemmNR + 1
		a := randomFloats(rng, gemmMR*kc, 0)
		b := randomFloats(rng, gemmNR*kc, 0)
		src := randomFloats(rng, kc+gemmNR, 0)
		offsets := []int{0, 1, 2, 3, 4}
		span := spanOf(offsets)
		packed := make([]float32, gemmNR*kc)
		pairB := randomFloats(rng, 2*gemmNR*kc, 0)
		const pairLdc = 2*gemmNR + 1

		for _, atEnd := range []bool{true, false} {
			for rows := 1; rows <= gemmMR; rows++ {
				for cols := 1; cols <= gemmNR; cols++ {
					c := guardedCopy(t, randomFloats(rng, (rows-1)*ldc+cols, 0), atEnd)
					bias := guardedCopy(t, randomFloats(rng, rows, 0), atEnd)
					for _, accumulate := range []bool{false, true} {
						if impl.sgemmTilePairRows != nil && cols == 1 {
							pair := guardedCopy(t, randomFloats(rng, (rows-1)*pairLdc+2*gemmNR, 0), atEnd)
							impl.sgemmTilePairRows(kc, a, pairB, pair, pairLdc, accumulate, bias, ReLUActivation, rows)
						}
						impl.sgemmEdge(kc, a, b, c, ldc, accumulate, bias, ReLUActivation, rows, cols)
						impl.convEdge(kc, a, src, offsets, span, c, ldc, accumulate, bias, ReLUActivation, rows, cols)
						if impl.convEdgePack != nil {
							impl.convEdgePack(kc, a, src, offsets, span, packed, c, ldc, accumulate, bias, ReLUActivation, rows, cols)
						}
					}
				}
			}
		}
	})
}
