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
	if kc < 1 || len(a) < gemmMR*kc || len(b) < gemmNR*kc || ldc < gemmNR || len(c) < (gemmMR-1)*ldc+gemmNR {
		panic("kernels: GEMM micro-kernel called with panels or C shorter than its tile")
	}
	sgemmKernel6x16NEON(kc, a, b, c, ldc, accumulate)
}

// tapsRowNEONChecked also requires at least one tap, because the
// assembly's tap loops run their first step unconditionally.
func tapsRowNEONChecked(dst, src []float32, offsets []int, weights []float32, bias float32, relu bool) {
	if len(dst) == 0 {
		return
	}
	if len(offsets) == 0 || len(weights) < len(offsets) {
		panic("kernels: depthwise row kernel called without taps or weights")
	}
	for _, off := range offsets {
		if off < 0 || off > len(src)-len(dst) {
			panic("kernels: depthwise row kernel tap outside its source row")
		}
	}
	tapsRowNEON(dst, src, offsets, weights, bias, relu)
}

func dotRowsNEONChecked(dst, x, w []float32, ldw int) {
	if len(dst) == 0 {
		return
	}
	if ldw < 0 || (len(dst)-1) > (len(w)-len(x))/max(ldw, 1) || len(w) < len(x) {
		panic("kernels: matrix-vector kernel rows outside w")
	}
	dotRowsNEON(dst, x, w, ldw)
}

func axpyNEONChecked(y, x []float32, alpha float32) {
	if len(x) < len(y) {
		panic("kernels: axpy source shorter than destination")
	}
	axpyNEON(y, x, alpha)
}
