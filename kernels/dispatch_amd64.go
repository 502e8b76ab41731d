//go:build !purego

package kernels

import "github.com/klauspost/cpuid/v2"

var avx2Kernels = kernelSet{
	name:              "avx2",
	sgemmTile:         sgemmTileFMA,
	sgemmTileEpilogue: sgemmTileEpilogueFMA,
	sgemmColumns:      sgemmColumnsFMA,
	relu:              reluAVX2,
	maxRows:           maxRowsAVX2,
	addReLU:           addReLUAVX2,
	deinterleave:      deinterleaveAVX2,
	maxPairs:          maxPairsAVX2,
	maxPool3x3Stride2: maxPool3x3Stride2AVX2,
	clamp:             clampAVX2,
	planeMeans:        planeMeansAVX2,
	tapsRow:           tapsRowChecked,
	depthwise3x3:      depthwise3x3Checked,
	convTile:          convTileFMA,
	dotRows:           dotRowsChecked,
	axpy:              axpyChecked,
	winogradColumns:   winogradColumnsChecked,
	winogradRows:      winogradRowsChecked,
	winogradOutput:    winogradOutputChecked,

	// From 256 filters, packing the image once costs less than the
	// 6-row panels' repeated reads of it in place. This was measured on
	// an Intel Xeon (family 6, model 167) with these kernels, one
	// thread. There the packed path took 5–12 % less time in
	// BenchmarkConv1x1 for every layer of 256 to 1280 filters: 384×64
	// at 14×14 went from 130 to 118 µs, SqueezeNet's 1000×512
	// classifier from 2.12 to 1.92 ms. Sgemm 512³ went from 80 to 89
	// GFLOPS. With the threshold at 64 filters, the layers with k of
	// 512 to 960 lost 1–9 %.
	pointwisePackMinFilters: 256,
}

// hasAVX2 reports whether the AVX2 kernels can run. cpuid reports AVX only
// when the operating system saves the YMM registers on context switches
// (OSXSAVE and XCR0), so checking AVX covers OS support too.
func hasAVX2(cpu cpuid.CPUInfo) bool {
	return cpu.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3)
}

// avx512Kernels is the AVX2 set with GEMM and convolution micro-kernels
// that use ZMM registers. On cores with two 512-bit FMA ports (Intel's
// server cores) those can do twice the AVX2 kernels' work per cycle. The
// memory-bound kernels gain little from wider vectors, so they stay AVX2.
// 3×3 stride-2 max pooling is the exception. Its AVX2 kernel spends most
// of its instructions on shuffles and on Go's max semantics, and
// VPERMT2PS and VRANGEPS do that work in a few instructions per 16
// windows.
var avx512Kernels = func() kernelSet {
	s := avx2Kernels
	s.name = "avx512"
	s.sgemmTile = sgemmTileAVX512
	s.sgemmTileEpilogue = sgemmTileEpilogueAVX512
	s.sgemmTilePair = sgemmTilePairAVX512
	s.sgemmTilePairRows = sgemmTilePairRowsAVX512
	s.sgemmColumns = sgemmColumnsAVX512
	s.convTile = convTileAVX512
	s.convTilePair = convTilePairAVX512
	s.convTilePairPack = convTilePairPackAVX512
	s.sgemmEdge = sgemmEdgeAVX512
	s.convEdge = convEdgeAVX512
	s.convEdgePack = convEdgePackAVX512
	s.depthwise3x3Small = depthwise3x3SmallChecked
	s.maxPool3x3Stride2 = maxPool3x3Stride2AVX512
	s.convPackMinFilters = 128
	s.pointwisePackMinFilters = 768
	s.wideGEMM = true
	return s
}()

// hasAVX512 reports whether the AVX-512 kernels can run: the AVX2 set's
// features, AVX512F and AVX512DQ, which cpuid reports only when the
// operating system saves the ZMM and mask registers, and BMI1 and BMI2.
// Every AVX-512 core since Skylake-SP has all of them.
func hasAVX512(cpu cpuid.CPUInfo) bool {
	return hasAVX2(cpu) && cpu.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.BMI1, cpuid.BMI2)
}

func supportedKernels() []kernelSet {
	switch {
	case hasAVX512(cpuid.CPU):
		return []kernelSet{avx512Kernels, avx2Kernels, genericKernels}
	case hasAVX2(cpuid.CPU):
		return []kernelSet{avx2Kernels, genericKernels}
	}
	return []kernelSet{genericKernels}
}

// sgemmTileFMA checks the bounds that the assembly relies on, so that a
// driver bug panics in Go instead of touching memory outside the slices.
func sgemmTileFMA(kc int, a, b, c []float32, ldc int, accumulate bool) {
	checkTile(kc, a, b, c, ldc)
	sgemmKernel6x16FMA(kc, a, b, c, ldc, accumulate, nil, false, 0)
}

// sgemmTileEpilogueFMA checks the bounds that the assembly relies on, the
// bias's included.
func sgemmTileEpilogueFMA(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	checkTile(kc, a, b, c, ldc)
	checkBias(bias)
	sgemmKernel6x16FMA(kc, a, b, c, ldc, accumulate, bias, act.relu, act.hi)
}

// sgemmTileAVX512 checks the bounds that the assembly relies on.
func sgemmTileAVX512(kc int, a, b, c []float32, ldc int, accumulate bool) {
	checkTile(kc, a, b, c, ldc)
	sgemmKernel6x16AVX512(kc, a, b, c, ldc, accumulate, nil, false, 0)
}

// sgemmTileEpilogueAVX512 checks the bounds that the assembly relies on,
// the bias's included.
func sgemmTileEpilogueAVX512(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	checkTile(kc, a, b, c, ldc)
	checkBias(bias)
	sgemmKernel6x16AVX512(kc, a, b, c, ldc, accumulate, bias, act.relu, act.hi)
}

// sgemmTilePairAVX512 checks the bounds of both panels, of the 6×32 tile
// of C and of the bias.
func sgemmTilePairAVX512(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	checkTilePair(kc, a, b, c, ldc)
	checkBias(bias)
	sgemmKernel6x32AVX512(kc, a, b, c, ldc, accumulate, bias, act.relu, act.hi)
}

// sgemmEdgeAVX512 checks the bounds of the panels and of the corner of C
// and the bias that the assembly reads and writes.
func sgemmEdgeAVX512(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation, rows, cols int) {
	if !panelFits(a, gemmMR, kc) || !panelFits(b, gemmNR, kc) {
		panic("kernels: GEMM edge kernel called with panels shorter than its tile")
	}
	checkEdge(c, ldc, bias, rows, cols)
	sgemmEdgeKernel6x16AVX512(kc, a, b, c, ldc, accumulate, bias, act.relu, act.hi, rows, columnMask(cols))
}

// pairRowKernels512 holds the 6×32 AVX-512 kernels by the number of
// rows they compute, minus one.
var pairRowKernels512 = [gemmMR]func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32){
	sgemmKernel1x32AVX512, sgemmKernel2x32AVX512, sgemmKernel3x32AVX512,
	sgemmKernel4x32AVX512, sgemmKernel5x32AVX512, sgemmKernel6x32AVX512,
}

// sgemmTilePairRowsAVX512 checks the bounds of both panels, of the rows
// of C and of the bias.
func sgemmTilePairRowsAVX512(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation, rows int) {
	if !panelFits(a, gemmMR, kc) || !panelFits(b, 2*gemmNR, kc) {
		panic("kernels: GEMM micro-kernel called with panels shorter than its pair of tiles")
	}
	checkRows(c, ldc, bias, rows, 2*gemmNR)
	pairRowKernels512[rows-1](kc, a, b, c, ldc, accumulate, bias, act.relu, act.hi)
}

// columnMask returns the mask of an edge kernel's first cols columns.
func columnMask(cols int) uint16 { return uint16(1<<cols - 1) }

// sgemmColumnsFMA checks the bounds that the assembly relies on.
func sgemmColumnsFMA(kc int, a0, a1, a2, a3, b, sums []float32) {
	checkColumns(kc, a0, a1, a2, a3, b, sums)
	sgemmColumn6x4FMA(kc, a0, a1, a2, a3, b, sums)
}

// sgemmColumnsAVX512 checks the bounds that the assembly relies on.
func sgemmColumnsAVX512(kc int, a0, a1, a2, a3, b, sums []float32) {
	checkColumns(kc, a0, a1, a2, a3, b, sums)
	sgemmColumn6x4AVX512(kc, a0, a1, a2, a3, b, sums)
}

// tapsRowChecked checks the bounds that the assembly relies on: at least
// one tap (its loop runs the first tap unconditionally), and every tap's
// run of len(dst) floats inside src.
func tapsRowChecked(dst, src []float32, offsets []int, weights []float32, bias float32, relu bool) {
	if checkTapsRow(dst, src, offsets, weights) {
		tapsRowFMA(dst, src, offsets, weights, bias, relu)
	}
}

// dotRowsChecked checks that every row of w that the assembly reads lies
// inside w.
func dotRowsChecked(dst, x, w []float32, ldw int) {
	if checkDotRows(dst, x, w, ldw) {
		dotRowsFMA(dst, x, w, ldw)
	}
}

// axpyChecked checks that x is at least as long as y.
func axpyChecked(y, x []float32, alpha float32) {
	checkAxpy(y, x)
	axpyFMA(y, x, alpha)
}

// convTileFMA checks the bounds of the panels, of C and, through span, of
// every tap's 16 floats in src.
func convTileFMA(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	checkConvTile(kc, a, src, offsets, span, c, ldc, bias)
	convKernel6x16FMA(kc, a, src, offsets, c, ldc, accumulate, bias, act.relu, act.hi)
}

// convTileAVX512 checks the same bounds as convTileFMA.
func convTileAVX512(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	checkConvTile(kc, a, src, offsets, span, c, ldc, bias)
	convKernel6x16AVX512(kc, a, src, offsets, c, ldc, accumulate, bias, act.relu, act.hi)
}

// convEdgeAVX512 checks the bounds of the panels, of every tap's 16
// floats in src, and of the corner of C and the bias.
func convEdgeAVX512(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation, rows, cols int) {
	checkConvEdge(kc, a, src, offsets, span, c, ldc, bias, rows, cols)
	convEdgeKernel6x16AVX512(kc, a, src, offsets, c, ldc, accumulate, bias, act.relu, act.hi, rows, columnMask(cols))
}

// convEdgePackAVX512 checks the bounds of convEdgeAVX512 and that packed
// holds a B panel of kc steps.
func convEdgePackAVX512(kc int, a, src []float32, offsets []int, span offsetSpan, packed, c []float32, ldc int, accumulate bool, bias []float32, act Activation, rows, cols int) {
	checkConvEdge(kc, a, src, offsets, span, c, ldc, bias, rows, cols)
	if !panelFits(packed, gemmNR, kc) {
		panic("kernels: convolution edge kernel called with a packing buffer shorter than a B panel")
	}
	convPackEdgeKernel6x16AVX512(kc, a, src, offsets, packed, c, ldc, accumulate, bias, act.relu, act.hi, rows, columnMask(cols))
}

// convTilePairAVX512 checks the bounds of the panels, of the 6×32 tile of
// C and, through span, of every tap's 32 floats in src.
func convTilePairAVX512(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	checkConvTilePair(kc, a, src, offsets, span, c, ldc, bias)
	convKernel6x32AVX512(kc, a, src, offsets, c, ldc, accumulate, bias, act.relu, act.hi)
}

// convTilePairPackAVX512 checks the bounds of convTilePairAVX512 and that
// packed holds two B panels of kc steps.
func convTilePairPackAVX512(kc int, a, src []float32, offsets []int, span offsetSpan, packed, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	checkConvTilePair(kc, a, src, offsets, span, c, ldc, bias)
	if !panelFits(packed, 2*gemmNR, kc) {
		panic("kernels: convolution micro-kernel called with a packing buffer shorter than two B panels")
	}
	convPackKernel6x32AVX512(kc, a, src, offsets, packed, c, ldc, accumulate, bias, act.relu, act.hi)
}

// winogradColumnsChecked checks the bounds that winogradColumnsFMA relies
// on.
func winogradColumnsChecked(dst, src []float32, stride, n int) {
	if checkWinogradColumns(dst, src, stride, n) {
		winogradColumnsFMA(dst, src, stride, n)
	}
}

// winogradRowsChecked checks the bounds that winogradRowsFMA relies on.
func winogradRowsChecked(dst []float32, dstStride int, src []float32, srcStride, groups int) {
	if checkWinogradRows(dst, dstStride, src, srcStride, groups) {
		winogradRowsFMA(dst, dstStride, src, srcStride, groups)
	}
}

// winogradOutputChecked checks the bounds that winogradOutputFMA relies
// on.
func winogradOutputChecked(dst []float32, dstStride int, src []float32, srcStride, groups int, bias float32, relu bool) {
	if checkWinogradOutput(dst, dstStride, src, srcStride, groups) {
		winogradOutputFMA(dst, dstStride, src, srcStride, groups, bias, relu)
	}
}

// checkConvTile panics unless the panels, C, the bias and, through span,
// every tap's 16 floats in src are inside their slices.
func checkConvTile(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, bias []float32) {
	if !panelFits(a, gemmMR, kc) || len(offsets) < kc || !tileFits(c, ldc, gemmNR) {
		panic("kernels: convolution micro-kernel called with panels or C shorter than its tile")
	}
	checkBias(bias)
	if span.min < 0 || span.max > len(src)-gemmNR {
		panic("kernels: convolution micro-kernel tap outside the image")
	}
}

// checkConvEdge panics unless the panels, every tap's 16 floats in src
// (through span), the corner of C and the bias of a convolution edge
// kernel are inside their slices.
func checkConvEdge(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, bias []float32, rows, cols int) {
	if !panelFits(a, gemmMR, kc) || len(offsets) < kc {
		panic("kernels: convolution edge kernel called with panels shorter than its tile")
	}
	if span.min < 0 || span.max > len(src)-gemmNR {
		panic("kernels: convolution edge kernel tap outside the image")
	}
	checkEdge(c, ldc, bias, rows, cols)
}

// checkConvTilePair is checkConvTile for the pair of tiles of
// convTilePair: 32 columns of C and 32 floats of src per tap.
func checkConvTilePair(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, bias []float32) {
	if !panelFits(a, gemmMR, kc) || len(offsets) < kc || !tileFits(c, ldc, 2*gemmNR) {
		panic("kernels: convolution micro-kernel called with panels or C shorter than its pair of tiles")
	}
	checkBias(bias)
	if span.min < 0 || span.max > len(src)-2*gemmNR {
		panic("kernels: convolution micro-kernel tap outside the image")
	}
}
