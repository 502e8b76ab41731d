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
}

func supportedKernels() []kernelSet {
	return []kernelSet{neonKernels, genericKernels}
}

// sgemmTileNEON checks the bounds that the assembly relies on, so that a
// driver bug panics in Go instead of touching memory outside the slices.
func sgemmTileNEON(kc int, a, b, c []float32, ldc int, accumulate bool) {
	if kc < 1 || len(a) < gemmMR*kc || len(b) < gemmNR*kc || ldc < gemmNR || len(c) < (gemmMR-1)*ldc+gemmNR {
		panic("kernels: GEMM micro-kernel called with panels or C shorter than its tile")
	}
	sgemmKernel6x16NEON(kc, a, b, c, ldc, accumulate)
}
