//go:build linux

package kernels

import (
	"math/rand/v2"
	"testing"
)

// The Winograd transforms on slices that are exactly as long as their
// documented reads and writes, against a guard page at either end.
func TestWinogradAtGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(49, 50))
		for _, atEnd := range []bool{true, false} {
			for groups := 1; groups <= 3; groups++ {
				// Columns: six rows of n floats, stride n+8 apart.
				n := 32*groups + 8
				stride := n + 8
				src := guardedCopy(t, randomFloats(rng, 5*stride+n, 0), atEnd)
				z := guardedFloats(t, 5*stride+n, atEnd)
				impl.winogradColumns(z, src, stride, n)

				// Rows: six rows of 32*groups+4 floats in, 36 rows of
				// 8*groups floats out.
				rowLen := 32*groups + 4
				rows := guardedCopy(t, randomFloats(rng, 5*stride+rowLen, 0), atEnd)
				vStride := 8*groups + 5
				v := guardedFloats(t, 35*vStride+8*groups, atEnd)
				impl.winogradRows(v, vStride, rows, stride, groups)

				// Output: 36 rows of 8*groups floats in, 4 rows of
				// 32*groups floats out.
				outStride := 32*groups + 3
				out := guardedFloats(t, 3*outStride+32*groups, atEnd)
				impl.winogradOutput(out, outStride, v, vStride, groups, 1, true)
			}
		}
	})
}
