package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The small-plane kernels serve the 3×3 depthwise layers whose rows are
// narrower than a vector or two, such as MobileNetV2's at 14×14 and 7×7.
// There the row kernels spend more time padding rows and finishing strips
// than multiplying, because a 7-wide row fills 7 of the 8 lanes of one
// strip and every channel starts a new ring of rows.
//
// Instead, a channel's padded input is written as stride² phase planes of
// phaseW floats per row: padded position (r, c) goes to phase plane
// (r%stride, c%stride) at row r/stride, column c/stride. Output (y, x) and
// tap (i, j) then read position y*phaseW + x of a fixed plane, shifted by
// (i/stride)*phaseW + j/stride. So the kernel computes the outputs in the
// order of that flat index, 16 at a time, whatever the rows' width: every
// tap is one unaligned load and one FMA per 16 outputs. The flat index
// also covers phaseW-outW columns per row that are not outputs. A
// compress instruction drops their lanes before the store, so dst is
// written in order and only where outputs lie.
//
// buf holds two copies of the planes: the kernel fills the next channel's
// copy while it computes the current one, because loads that span the
// masked stores just made to their lines wait until those stores reach
// the cache. The caller (depthwise3x3SmallChannels) zeroes buf once and
// computes the table of offsets and masks, which is the same for every
// channel: each channel overwrites the image's positions only, so the
// padding stays 0.

// Table layout, in ints: the entries the Go side writes, in this order.
const (
	tableLoadLo    = 0 // mask of the first 16 floats of an input row
	tableLoadHi    = 1 // mask of floats 16–31 (stride 2 only)
	tableStoreLo   = 2 // mask of the even-column part's store (or the row's)
	tableStoreHi   = 3 // mask of the odd-column part's store (stride 2)
	tableRowBytes  = 4 // bytes per input row
	tableHalfBytes = 5 // bytes from the first half of buf to the second
	tableVectors   = 6 // byte offset in table of the vectors' entries
	tableTaps      = 7 // 9 byte offsets in a half of buf of the taps' planes
	tableRows      = tableTaps + 9
	smallBlockVecs = 4 // output vectors per block: 4 accumulators
)

// Registers of the small-plane kernels: the weights of tap t in Z(t) for
// the whole channel, the bias, 4 accumulators, and the rest for the fill
// and the store. The fill loads a row into Z17 (and its floats 16–31 into
// Z18), and with stride 2 picks the even and odd columns into Z21 and Z22
// with the index vectors in Z19 and Z20. K1–K4 hold the fill's masks for
// the whole call, K5 and K6 a vector's compress and store masks.
var (
	smallWeights = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8}
	smallBias    = Z9
	smallAcc     = []VecPhysical{Z10, Z11, Z12, Z13}
	smallPacked  = Z14 // an accumulator's output lanes, compressed
	smallZero    = Z15
	smallHi      = Z16
)

// smallPlane emits depthwise3x3Small<stride>AVX512.
func smallPlane(stride int) {
	name := fmt.Sprintf("depthwise3x3Small%dAVX512", stride)
	TEXT(name, NOSPLIT, "func(dst, src, weights, bias, buf []float32, table []int, channels, rows, vectors int, relu bool, hi float32)")
	Doc(
		name+" computes channels channels of a 3×3 depthwise convolution",
		fmt.Sprintf("with stride %d and dilation 1. It works from two copies of the phase", stride),
		"planes in buf, laid out as smallDepthwise.fillTable describes them in",
		"table. Each output is bias[c] (0 when bias is empty) plus the 9 taps in",
		"order i, j with fused multiply-add, then, if relu is set, min(max(·, 0),",
		fmt.Sprintf("hi) keeping NaN and -0: the results of depthwise3x3s%dFMA bit for bit.", stride),
		"Channel c reads src[c*rows*width:] (rows input rows) and",
		"weights[9c:9c+9], and writes its outputs to dst right after channel",
		"c-1's. vectors, a positive multiple of 4, is the number of 16-output",
		"vectors of a channel. The caller checks what table's offsets and masks",
		"imply: src, dst and weights long enough, every row's store and every",
		"vector's loads inside buf, and the padding of buf zero. It reads and",
		"writes nothing else. Requires AVX512F.",
	)

	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	weights := Load(Param("weights").Base(), GP64())
	bias := Load(Param("bias").Base(), GP64())
	biasLen := Load(Param("bias").Len(), GP64())
	buf := Load(Param("buf").Base(), GP64())
	table := Load(Param("table").Base(), GP64())
	channels := Load(Param("channels"), GP64())

	Comment("Constants of the whole call: 0, hi and the fill's masks.")
	VPXORD(smallZero, smallZero, smallZero)
	VBROADCASTSS(paramAddr("hi"), smallHi)
	KMOVW(Mem{Base: table, Disp: 8 * tableLoadLo}, K1)
	KMOVW(Mem{Base: table, Disp: 8 * tableStoreLo}, K3)
	if stride == 2 {
		KMOVW(Mem{Base: table, Disp: 8 * tableLoadHi}, K2)
		KMOVW(Mem{Base: table, Disp: 8 * tableStoreHi}, K4)
		VMOVUPS(deinterleaveIndex("depthwiseEvenIndex", 0), Z19)
		VMOVUPS(deinterleaveIndex("depthwiseOddIndex", 1), Z20)
	}

	Comment("cur and next are the two halves of buf: the kernel writes the next",
		"channel's planes into one while it computes the current one from the",
		"other, so that the loads do not wait for the stores just made to the",
		"same lines. left counts the channels after the current one.")
	cur, next := GP64(), GP64()
	MOVQ(buf, cur)
	MOVQ(buf, next)
	ADDQ(Mem{Base: table, Disp: 8 * tableHalfBytes}, next)
	left := GP64()
	MOVQ(channels, left)
	TESTQ(left, left)
	JZ(LabelRef("done"))
	smallFill(stride, src, table, cur, "first")

	Label("channel")
	DECQ(left)
	JZ(LabelRef("compute"))
	smallFill(stride, src, table, next, "next")

	Label("compute")
	for t, z := range smallWeights {
		VBROADCASTSS(Mem{Base: weights, Disp: 4 * t}, z)
	}
	ADDQ(U8(36), weights)
	VPXORD(smallBias, smallBias, smallBias)
	TESTQ(biasLen, biasLen)
	JZ(LabelRef("blocks"))
	VBROADCASTSS(Mem{Base: bias}, smallBias)
	ADDQ(U8(4), bias)

	Label("blocks")
	Comment("entry walks the vectors' entries: compress mask, store mask and",
		"bytes stored, 3 ints each. block walks the planes 4 vectors at a time.")
	entry, block, off := GP64(), GP64(), GP64()
	MOVQ(Mem{Base: table, Disp: 8 * tableVectors}, entry)
	ADDQ(table, entry)
	MOVQ(cur, block)
	vectors := Load(Param("vectors"), GP64())
	Label("block")
	for _, acc := range smallAcc {
		VMOVAPS(smallBias, acc)
	}
	for t, w := range smallWeights {
		MOVQ(Mem{Base: table, Disp: 8 * (tableTaps + t)}, off)
		for u, acc := range smallAcc {
			VFMADD231PS(Mem{Base: block, Index: off, Scale: 1, Disp: 64 * u}, w, acc)
		}
	}

	// VMAXPS(acc, zero, acc) keeps acc unless 0 is greater, and VMINPS
	// with acc as the second source keeps a NaN too. That is the row
	// kernels' clamp, so NaN and -0 come out the same.
	CMPB(paramAddr("relu"), U8(0))
	JE(LabelRef("store"))
	for _, acc := range smallAcc {
		VMAXPS(acc, smallZero, acc)
		VMINPS(acc, smallHi, acc)
	}

	Label("store")
	for u, acc := range smallAcc {
		at := func(i int) Mem { return Mem{Base: entry, Disp: 8 * (3*u + i)} }
		KMOVW(at(0), K5)
		KMOVW(at(1), K6)
		VCOMPRESSPS_Z(acc, K5, smallPacked)
		VMOVUPS(smallPacked, K6, Mem{Base: dst})
		ADDQ(at(2), dst)
	}
	ADDQ(U32(8*3*smallBlockVecs), entry)
	ADDQ(U32(64*smallBlockVecs), block)
	SUBQ(U8(smallBlockVecs), vectors)
	JNZ(LabelRef("block"))

	XCHGQ(cur, next)
	TESTQ(left, left)
	JNZ(LabelRef("channel"))

	Label("done")
	VZEROUPPER()
	RET()
}

// smallFill emits the copy of a channel's input rows from src into the
// phase planes at planes, leaving src at the next channel. The labels end
// in suffix, so that the kernel can emit it twice.
func smallFill(stride int, src, table, planes Register, suffix string) {
	Comment("Write a channel's input rows into the phase planes. row walks the",
		"table's two offsets per input row.")
	row, left, off := GP64(), GP64(), GP64()
	LEAQ(Mem{Base: table, Disp: 8 * tableRows}, row)
	Load(Param("rows"), left)
	Label("row" + suffix)
	lo, hi := Z17, Z18
	VMOVUPS_Z(Mem{Base: src}, K1, lo)
	MOVQ(Mem{Base: row}, off)
	if stride == 1 {
		VMOVUPS(lo, K3, Mem{Base: planes, Index: off, Scale: 1})
	} else {
		Comment("Even input columns to one phase plane, odd ones to another.")
		VMOVUPS_Z(Mem{Base: src, Disp: 64}, K2, hi)
		even, odd := Z21, Z22
		VMOVAPS(Z19, even)
		VPERMI2PS(hi, lo, even)
		VMOVAPS(Z20, odd)
		VPERMI2PS(hi, lo, odd)
		VMOVUPS(even, K3, Mem{Base: planes, Index: off, Scale: 1})
		MOVQ(Mem{Base: row, Disp: 8}, off)
		VMOVUPS(odd, K4, Mem{Base: planes, Index: off, Scale: 1})
	}
	ADDQ(Mem{Base: table, Disp: 8 * tableRowBytes}, src)
	ADDQ(U8(16), row)
	DECQ(left)
	JNZ(LabelRef("row" + suffix))
}

// deinterleaveIndex returns the 16 VPERMI2PS indexes that pick floats
// first, first+2, …, first+30 from two registers: the even (first 0) or
// odd (first 1) elements of 32 consecutive floats. It defines the data
// on the first call for each name.
func deinterleaveIndex(name string, first int) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for lane := 0; lane < 16; lane++ {
		DATA(4*lane, U32(first+2*lane))
	}
	return m
}
