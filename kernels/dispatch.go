package kernels

import (
	"fmt"
	"os"
)

// kernelSet is one implementation of every kernel. The GEMM micro-kernel's
// tile is gemmMR×gemmNR in every implementation, so one packing layout
// serves them all.
type kernelSet struct {
	name      string
	sgemmTile func(kc int, a, b, c []float32, ldc int, accumulate bool)

	// sgemmTileEpilogue is sgemmTile followed by adding bias[i] to row i
	// of the tile (when bias is not empty) and the activation.
	sgemmTileEpilogue func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation)

	// sgemmTilePair, when not nil, computes the two gemmMR×gemmNR tiles
	// of two adjacent packed B panels (b[:2*gemmNR*kc]) side by side, each
	// bit for bit as sgemmTileEpilogue would. A wider tile shares each
	// element of A between more FMAs, which the AVX-512 kernel needs to
	// keep both FMA ports busy.
	sgemmTilePair func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation)

	// sgemmEdge, when not nil, computes the tile of sgemmTileEpilogue
	// but reads and writes only its top-left rows×cols corner of C, with
	// bias[:rows] (or none). Its elements are those of sgemmTileEpilogue,
	// bit for bit. Without it, edge tiles go through a buffer.
	sgemmEdge func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation, rows, cols int)

	// sgemmTilePairRows, when not nil, is sgemmTilePair for the first
	// rows (1 to gemmMR) rows of the tile only: it reads bias[:rows] and
	// writes those rows of C. The last A panel of a GEMM whose rows are
	// not a multiple of gemmMR takes it, with fewer FMAs per k step than
	// a whole tile.
	sgemmTilePairRows func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation, rows int)

	// sgemmColumns, when not nil, computes column 0 of the tiles of four
	// packed A panels and the packed B panel b. sums[gemmMR*g+i] is
	// element (i, 0) of panel ag's tile, bit for bit as sgemmTile
	// computes it before C is added. The driver uses it for a last panel
	// of B with at most columnMaxCols columns, because the tile kernel
	// would do gemmNR columns of work there.
	sgemmColumns func(kc int, a0, a1, a2, a3, b, sums []float32)

	relu     func(dst, src []float32)
	maxRows  func(dst, x, y []float32)
	maxPairs func(dst, src []float32)

	// addReLU stores x[i] + y[i] in dst[i], then ReLU when relu is set,
	// for i < len(dst). x and y are as long as dst.
	addReLU func(dst, x, y []float32, relu bool)

	// deinterleave stores src[2*i] in even[i] and src[2*i+1] in odd[i]
	// for i < len(even). odd is as long as even, and src twice as long.
	deinterleave func(even, odd, src []float32)

	// maxPool3x3Stride2 is the plane kernel of MaxPool3x3Stride2, which
	// checks its bounds, with top rows and left columns of padding.
	maxPool3x3Stride2 func(dst, src []float32, h, w, outH, outW, top, left int)

	clamp func(dst, src []float32, lo, hi float32)

	// planeMeans stores the mean of each plane of size floats (size >= 1,
	// src long enough), summed in float64 as planeMeansGeneric does.
	planeMeans func(dst, src []float32, size int)

	tapsRow func(dst, src []float32, offsets []int, weights []float32, bias float32, relu bool)

	// depthwise3x3 computes the channels of a depthwise convolution that
	// depthwise3x3Fits accepts, with buf (depthwise3x3BufferLen long) as
	// scratch.
	// depthwise3x3Borrowed is set when it is the generic kernel standing
	// in for a missing one. DepthwiseConv2D then runs the set's own
	// tapsRow instead.
	depthwise3x3         func(dst, src, weights, bias, buf []float32, p Conv2DParams, act Activation)
	depthwise3x3Borrowed bool

	// depthwise3x3Small, when set, computes the channels of a depthwise
	// convolution whose geometry newSmallDepthwise accepts, in the
	// layout g, with buf (g.bufLen() floats, zero) and table (g.tableLen
	// ints, as g.fillTable writes it) as scratch. It computes what
	// depthwise3x3 does, bit for bit.
	depthwise3x3Small func(dst, src, weights, bias, buf []float32, table []int, g smallDepthwise, p Conv2DParams, act Activation)

	// convTile is the implicit-GEMM micro-kernel: sgemmTileEpilogue with
	// row p of B at src[offsets[p]:offsets[p]+gemmNR]. span holds the
	// smallest and largest of offsets[:kc], which the caller computes once
	// for many tiles so that the bounds check costs nothing per tile. The
	// wrappers check src through span alone: a span that does not match
	// offsets lets the assembly read outside src.
	convTile func(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation)

	// convEdge, when not nil, is convTile reading and writing only the
	// rows×cols corner of C, as sgemmEdge does. It reads src as convTile
	// does, 16 floats per tap whatever cols is.
	convEdge func(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation, rows, cols int)

	// convEdgePack, when not nil, is convEdge that also copies the 16
	// floats of each row of B it reads into packed[:gemmNR*kc], the layout
	// of a packed B panel, which the set's sgemmEdge (then required)
	// reads. As with convTilePairPack, only a column block's first A
	// panel then reads the image.
	convEdgePack func(kc int, a, src []float32, offsets []int, span offsetSpan, packed, c []float32, ldc int, accumulate bool, bias []float32, act Activation, rows, cols int)

	// convTilePair, when not nil, computes the two tiles of convTile whose
	// rows of B start at src[offsets[p]:] and 16 floats further, side by
	// side, each bit for bit as convTile would. span must then allow
	// 2*gemmNR floats after its largest offset. As with sgemmTilePair,
	// sharing each element of A between two FMAs keeps the AVX-512 FMA
	// ports busy.
	convTilePair func(kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation)

	// convTilePairPack, when not nil, is convTilePair that also copies the
	// 32 floats of each row of B it reads into packed[:2*gemmNR*kc]. The
	// copy has the layout of two packed B panels, which the set's
	// sgemmTilePair (then required) reads. With several A panels per
	// column block, only the first panel reads the image.
	convTilePairPack func(kc int, a, src []float32, offsets []int, span offsetSpan, packed, c []float32, ldc int, accumulate bool, bias []float32, act Activation)

	// convTileBorrowed is set when convTile is the generic kernel standing
	// in for a missing one; convolution then prefers the packed path,
	// which uses the set's own micro-kernel.
	convTileBorrowed bool

	// convPackMinFilters is the number of filters from which a
	// convolution that is not pointwise packs its im2col matrix into
	// panels for sgemmTile instead of letting convTile read the image in
	// place; 0 means never. Packing costs a copy of every element of B,
	// which m filters share. With AVX-512, each row of B that convTile
	// reads is a 64-byte load that straddles two cache lines unless the
	// image happens to align. So convTile runs well below sgemmTile's rate
	// on an Intel Xeon, and from 128 filters on the copy costs less than
	// that loss (BenchmarkConvLayer). A pointwise convolution reads B as it lies
	// in memory, with no padded copy, and stays in place whatever m is
	// (BenchmarkConv1x1).
	convPackMinFilters int

	// pointwisePackMinFilters is convPackMinFilters for pointwise
	// convolutions, which the in-place kernel reads without a padded
	// copy, and for Sgemm with a row-major B, which is such an image.
	// 0 means never. With AVX-512, convTilePairPack packs each
	// block of 32 columns in place once per A block. Packing the whole
	// image first pays only when many A blocks re-read each block, from
	// about 768 filters in BenchmarkConv1x1. Packed, MobileNetV2's
	// 960×160 layer at 7×7 and SqueezeNet's 1000-filter classifier took
	// 2–6 % less time, and layers of 256–576 filters 3–12 % more. With
	// 16 filters packing took twice the time.
	pointwisePackMinFilters int

	// wideGEMM is set when the GEMM micro-kernel does twice the AVX2
	// kernel's work per cycle, which moves the point where Winograd's
	// transforms pay for themselves.
	wideGEMM bool

	dotRows func(dst, x, w []float32, ldw int)
	axpy    func(y, x []float32, alpha float32)

	// The transforms of Winograd F(4×4, 3×3) convolution (winograd.go).
	// winogradBorrowed is set when they are the generic kernels standing
	// in for missing ones; convolution then does not choose Winograd.
	winogradColumns  func(dst, src []float32, stride, n int)
	winogradRows     func(dst []float32, dstStride int, src []float32, srcStride, groups int)
	winogradOutput   func(dst []float32, dstStride int, src []float32, srcStride, groups int, bias float32, relu bool)
	winogradBorrowed bool
}

// availableKernels returns the implementations that this build can run on
// this CPU, best first and each completed with generic kernels where it
// has none of its own; the last is always the generic set.
func availableKernels() []kernelSet {
	sets := supportedKernels()
	for i := range sets {
		sets[i] = sets[i].completed()
	}
	return sets
}

// tileWithGoEpilogue returns a tile kernel with epilogue made of a plain
// tile kernel followed by the epilogue in Go, with the given ReLU and
// clamp kernels.
func tileWithGoEpilogue(tile func(int, []float32, []float32, []float32, int, bool), relu func(dst, src []float32), clamp func(dst, src []float32, lo, hi float32)) func(int, []float32, []float32, []float32, int, bool, []float32, Activation) {
	return func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
		tile(kc, a, b, c, ldc, accumulate)
		for i := 0; i < gemmMR; i++ {
			row := c[i*ldc : i*ldc+gemmNR]
			if len(bias) > 0 {
				for j := range row {
					row[j] += bias[i]
				}
			}
			act.apply(relu, clamp, row)
		}
	}
}

// completed returns ks with every kernel it lacks taken from the generic
// set, so that a port to a new instruction set can ship kernel by kernel.
func (ks kernelSet) completed() kernelSet {
	if ks.sgemmTile == nil {
		ks.sgemmTile = genericKernels.sgemmTile
	}
	if ks.relu == nil {
		ks.relu = genericKernels.relu
	}
	if ks.addReLU == nil {
		ks.addReLU = genericKernels.addReLU
	}
	if ks.deinterleave == nil {
		ks.deinterleave = genericKernels.deinterleave
	}
	if ks.maxRows == nil {
		ks.maxRows = genericKernels.maxRows
	}
	if ks.maxPairs == nil {
		ks.maxPairs = genericKernels.maxPairs
	}
	if ks.maxPool3x3Stride2 == nil {
		ks.maxPool3x3Stride2 = genericKernels.maxPool3x3Stride2
	}
	if ks.clamp == nil {
		ks.clamp = genericKernels.clamp
	}
	if ks.planeMeans == nil {
		ks.planeMeans = genericKernels.planeMeans
	}
	if ks.sgemmTileEpilogue == nil {
		ks.sgemmTileEpilogue = tileWithGoEpilogue(ks.sgemmTile, ks.relu, ks.clamp)
	}
	if ks.tapsRow == nil {
		ks.tapsRow = genericKernels.tapsRow
	}
	if ks.depthwise3x3 == nil {
		ks.depthwise3x3 = genericKernels.depthwise3x3
		ks.depthwise3x3Borrowed = true
	}
	if ks.convTile == nil {
		ks.convTile = genericKernels.convTile
		ks.convTileBorrowed = true
	}
	if ks.dotRows == nil {
		ks.dotRows = genericKernels.dotRows
	}
	if ks.axpy == nil {
		ks.axpy = genericKernels.axpy
	}
	if ks.winogradColumns == nil || ks.winogradRows == nil || ks.winogradOutput == nil {
		ks.winogradColumns = genericKernels.winogradColumns
		ks.winogradRows = genericKernels.winogradRows
		ks.winogradOutput = genericKernels.winogradOutput
		ks.winogradBorrowed = true
	}
	return ks
}

var genericKernels = kernelSet{
	name:      "generic",
	sgemmTile: sgemmKernelGeneric,
	// Set here as well as by completed, because tests install this set
	// as impl directly.
	sgemmTileEpilogue: tileWithGoEpilogue(sgemmKernelGeneric, reluGeneric, clampGeneric),
	relu:              reluGeneric,
	maxRows:           maxRowsGeneric,
	addReLU:           addReLUGeneric,
	deinterleave:      deinterleaveGeneric,
	maxPairs:          maxPairsGeneric,

	maxPool3x3Stride2: maxPool3x3Stride2Generic,

	clamp: clampGeneric,

	planeMeans: planeMeansGeneric,
	tapsRow:    tapsRowGeneric,

	depthwise3x3: depthwise3x3Generic,

	convTile:     convTileGeneric,
	sgemmColumns: sgemmColumnsGeneric,
	dotRows:      dotRowsGeneric,
	axpy:         axpyGeneric,

	winogradColumns: winogradColumnsGeneric,
	winogradRows:    winogradRowsGeneric,
	winogradOutput:  winogradOutputGeneric,
}

// implEnv names the environment variable that selects an implementation.
const implEnv = "SIMDNN_IMPL"

// impl is the implementation in use. It is set once, in init, and changed
// afterwards only by tests of this package.
var impl kernelSet

// selectionError records why the implementation that SIMDNN_IMPL requested
// could not be used; it is nil when the request was met or absent.
var selectionError error

func init() {
	impl, selectionError = selectKernels(os.Getenv(implEnv), availableKernels())
}

// selectKernels returns the kernel set named by request, or the first of
// supported (the best) when request is empty. supported always ends with
// the generic kernels. A request that names no supported set returns the
// best set and an error that names the request.
func selectKernels(request string, supported []kernelSet) (kernelSet, error) {
	if request == "" {
		return supported[0], nil
	}
	for _, ks := range supported {
		if ks.name == request {
			return ks, nil
		}
	}
	names := make([]string, len(supported))
	for i, ks := range supported {
		names[i] = ks.name
	}
	return supported[0], fmt.Errorf("kernels: %s=%q is not supported on this CPU or build (supported: %v); using %q", implEnv, request, names, supported[0].name)
}

// Implementation returns the name of the kernels in use: "avx512",
// "avx2", "neon" or "generic".
func Implementation() string { return impl.name }

// SelectionError returns the reason the implementation requested with the
// environment variable SIMDNN_IMPL is not in use, or nil if it is or none
// was requested. Programs that must not fall back silently to another
// implementation check it at start-up.
func SelectionError() error { return selectionError }

// Implementations returns the names of the implementations that this build
// can run on this CPU, best first; the last is always "generic".
func Implementations() []string {
	sets := availableKernels()
	names := make([]string, len(sets))
	for i, ks := range sets {
		names[i] = ks.name
	}
	return names
}
