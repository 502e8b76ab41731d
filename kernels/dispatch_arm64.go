//go:build !purego

package kernels

// neonKernels use ASIMD (NEON) only. Go requires ASIMD of every arm64 CPU
// (its runtime uses it without a feature check), so they need no
// detection and are always the best set on arm64.
var neonKernels = kernelSet{
	name:      "neon",
	sgemmTile: sgemmTileNEON,
	relu:      reluNEON,
	maxRows:   maxRowsNEON,
	maxPairs:  maxPairsNEON,
	tapsRow:   tapsRowNEONChecked,
	dotRows:   dotRowsNEONChecked,
	axpy:      axpyNEONChecked,
}

func supportedKernels() []kernelSet {
	return []kernelSet{neonKernels, genericKernels}
}

// The wrappers below check the bounds that the assembly relies on, so that
// a caller's bug panics in Go instead of touching memory outside the
// slices. They make the same checks as the amd64 wrappers.

func sgemmTileNEON(kc int, a, b, c []float32, ldc int, accumulate bool) {
	checkTile(kc, a, b, c, ldc)
	sgemmKernel6x16NEON(kc, a, b, c, ldc, accumulate)
}

// tapsRowNEONChecked also requires at least one tap, because the
// assembly's tap loops run their first step unconditionally.
func tapsRowNEONChecked(dst, src []float32, offsets []int, weights []float32, bias float32, relu bool) {
	if checkTapsRow(dst, src, offsets, weights) {
		tapsRowNEON(dst, src, offsets, weights, bias, relu)
	}
}

func dotRowsNEONChecked(dst, x, w []float32, ldw int) {
	if checkDotRows(dst, x, w, ldw) {
		dotRowsNEON(dst, x, w, ldw)
	}
}

func axpyNEONChecked(y, x []float32, alpha float32) {
	checkAxpy(y, x)
	axpyNEON(y, x, alpha)
}
