package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// maxBlockRows is the largest number of output rows that one pass over a
// block of padded rows computes, per stride. Every filter row holds its
// three weights in Y0–Y8 for the whole call, each output row of the block
// takes one accumulator and the loaded vectors take the rest of the 16 YMM
// registers: one for stride 1, three for stride 2 (two loads and their
// shuffle). Stride 1 reads block+2 padded rows for a block of output rows
// and stride 2 reads 2·block+1, so larger blocks load each row fewer
// times.
var maxBlockRows = map[int]int{1: 6, 2: 4}

// weightRegs hold weights[3i+j] in every lane.
var weightRegs = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8}

// accRegs are the accumulators of the rows of a block.
var accRegs = []VecPhysical{Y9, Y10, Y11, Y12, Y13, Y14}

// planeParams are the memory operands of the plane kernel's arguments.
type planeParams struct {
	dst, src, buf, weights                     Mem // base pointers
	bias                                       Mem
	height, width, outH, outW, padTop, padLeft Mem
	rowLen, slots, direct, relu, hi            Mem
}

func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

func baseAddr(name string) Mem {
	b, err := Param(name).Base().Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// plane3x3 emits depthwise3x3s<stride>FMA, the whole-plane kernel of a
// 3×3 depthwise convolution with dilation 1. It works through the output
// in blocks of rows, each computed in vertical strips of 8 outputs, with
// every loaded vector feeding the accumulators of all the output rows that
// read it. A block near the top or bottom first pads the input rows that
// it reads for the first time into a ring of row slots in buf, small
// enough to stay in the L1 cache. Other blocks, when the caller allows it,
// read src itself: only the first and last strip of a row read columns
// outside the image, and masking those loads with zeros costs less than
// copying every row.
func plane3x3(stride int) {
	name := fmt.Sprintf("depthwise3x3s%dFMA", stride)
	TEXT(name, NOSPLIT, "func(dst, src, weights, buf []float32, bias float32, height, width, outH, outW, padTop, padLeft, rowLen, slots int, direct, relu bool, hi float32)")
	Doc(
		name+" computes one channel of a 3×3 depthwise convolution with",
		fmt.Sprintf("stride %d and dilation 1: dst[y*outW+x] = bias + sum over i, j of", stride),
		fmt.Sprintf("weights[3i+j]*in(%d*y-padTop+i, %d*x-padLeft+j), taps in order with fused", stride, stride),
		"multiply-add, where in(r, c) is src[r*width+c] inside the height×width",
		"image and 0 outside, then, if relu is set, ReLU capped at hi: min(max(·, 0),",
		"hi) keeping NaN and -0 (hi is +Inf for plain ReLU). It pads input rows into a ring of slots rows of rowLen floats",
		"in buf. With direct set, blocks whose input rows lie in [1, height-1)",
		"read src instead, masking the first and last strip of 8 outputs with the",
		"masks at buf[slots*rowLen+8:], as depthwise3x3Masks writes them. The",
		"caller checks what the kernel relies on: height, width, outH and outW at",
		"least 1, padTop and padLeft in [0, 2], rowLen and slots as",
		"depthwise3x3Layout returns them, len(buf) at least slots*rowLen+72, src,",
		"dst and weights at least height*width, outH*outW and 9 floats, and",
		"direct only where depthwise3x3Masks allows it. It reads and writes",
		"nothing outside src, dst, weights and buf. Requires AVX, AVX2 and FMA3.",
	)
	p := planeParams{
		dst: baseAddr("dst"), src: baseAddr("src"), buf: baseAddr("buf"), weights: baseAddr("weights"),
		bias: paramAddr("bias"), height: paramAddr("height"), width: paramAddr("width"),
		outH: paramAddr("outH"), outW: paramAddr("outW"), padTop: paramAddr("padTop"),
		padLeft: paramAddr("padLeft"), rowLen: paramAddr("rowLen"), slots: paramAddr("slots"),
		direct: paramAddr("direct"), relu: paramAddr("relu"), hi: paramAddr("hi"),
	}

	w := GP64()
	MOVQ(p.weights, w)
	for t, r := range weightRegs {
		VBROADCASTSS(Mem{Base: w, Disp: 4 * t}, r)
	}

	// y0 is the first output row of the next block, ready the number of
	// padded rows written so far and base the padded row in slot 0.
	y0, ready, base := GP64(), GP64(), GP64()
	XORQ(y0, y0)
	XORQ(ready, ready)
	XORQ(base, base)

	maxRows := maxBlockRows[stride]
	Comment("Choose the rows of the next block: all that are left when they fit in one block,",
		"half of them (rounded up) when they fit in two, so that the last two blocks",
		"are about as tall, and a full block otherwise.")
	Label("block")
	rows := GP64()
	MOVQ(p.outH, rows)
	SUBQ(y0, rows)
	JLE(LabelRef("done"))
	CMPQ(rows, U8(maxRows))
	JLE(LabelRef("haveRows"))
	CMPQ(rows, U8(2*maxRows))
	JGE(LabelRef("fullBlock"))
	INCQ(rows)
	SHRQ(U8(1), rows)
	JMP(LabelRef("haveRows"))
	Label("fullBlock")
	MOVQ(U32(maxRows), rows)
	Label("haveRows")

	// The block reads padded rows [first, need): first = stride*y0 and
	// need = stride*(y0+rows-1)+3, input rows [first-padTop, need-padTop).
	need, first := GP64(), GP64()
	LEAQ(Mem{Base: y0, Index: rows, Scale: 1, Disp: -1}, need)
	MOVQ(y0, first)
	if stride == 2 {
		SHLQ(U8(1), need)
		SHLQ(U8(1), first)
	}
	ADDQ(U8(3), need)

	Comment("Read src directly when allowed and the input rows lie in [1, height-1),",
		"so that the loads that run over a row's ends stay inside src.")
	CMPB(p.direct, U8(0))
	JE(LabelRef("slotMode"))
	t := GP64()
	MOVQ(first, t)
	SUBQ(p.padTop, t)
	CMPQ(t, U8(1))
	JL(LabelRef("slotMode"))
	MOVQ(need, t)
	SUBQ(p.padTop, t)
	INCQ(t)
	CMPQ(t, p.height)
	JG(LabelRef("slotMode"))
	for r := 1; r <= maxRows; r++ {
		CMPQ(rows, U8(r))
		JE(LabelRef(fmt.Sprintf("direct%d", r)))
	}

	Comment("Restart the ring at the block's first row when rows before it were",
		"skipped, or when the block's rows would run past the last slot; rows",
		"that the block shares with the one before are then padded again.")
	Label("slotMode")
	CMPQ(ready, first)
	JL(LabelRef("restart"))
	MOVQ(need, t)
	SUBQ(base, t)
	CMPQ(t, p.slots)
	JLE(LabelRef("padRows"))
	Label("restart")
	MOVQ(first, base)
	MOVQ(first, ready)
	padRows(p, ready, need, base)

	for r := 1; r <= maxRows; r++ {
		CMPQ(rows, U8(r))
		JE(LabelRef(fmt.Sprintf("padded%d", r)))
	}
	for r := 1; r <= maxRows; r++ {
		Label(fmt.Sprintf("padded%d", r))
		paddedBlock(p, stride, r, y0, base)
		ADDQ(U8(r), y0)
		JMP(LabelRef("block"))
	}
	for r := 1; r <= maxRows; r++ {
		Label(fmt.Sprintf("direct%d", r))
		directBlock(p, stride, r, y0)
		ADDQ(U8(r), y0)
		JMP(LabelRef("block"))
	}

	Label("done")
	VZEROUPPER()
	RET()
}

// lead returns, in a new register, the offset in floats of position 0
// from the start of its slot, (8-padLeft) mod 8. The image's first column,
// at position padLeft, then lands on a 32-byte boundary when buf is
// 32-byte aligned, so the copy's stores never split a cache line.
func lead(p planeParams) Register {
	r := GP64()
	MOVQ(p.padLeft, r)
	NEGQ(r)
	ANDQ(U8(7), r)
	return r
}

// padRows writes padded rows [ready, need) into their slots and leaves
// ready equal to need. Padded row k, in slot k-base, holds input row
// k-padTop with column c at position c+padLeft, and zeros elsewhere. A
// row outside the image is all zeros. Vector stores may run up to 7
// floats past a slot's end, into the next slot (written later, or
// holding a row that no block reads again) or into the 8 floats of slack
// after the last slot.
func padRows(p planeParams, ready, need, base Register) {
	zero, v, v2 := Y15, Y14, Y13
	Label("padRows")
	VXORPS(zero, zero, zero)
	Label("padRow")
	CMPQ(ready, need)
	JGE(LabelRef("padDone"))

	// row = buf + (ready-base)*rowLen*4, the start of the row's slot.
	rowLen, row := GP64(), GP64()
	MOVQ(p.rowLen, rowLen)
	MOVQ(ready, row)
	SUBQ(base, row)
	IMULQ(rowLen, row)
	SHLQ(U8(2), row)
	ADDQ(p.buf, row)

	// Rows outside the image, r < 0 or r >= height (unsigned), are zeros.
	r := GP64()
	MOVQ(ready, r)
	SUBQ(p.padTop, r)
	CMPQ(r, p.height)
	JAE(LabelRef("padZeroRow"))

	// The image's columns start at offset first = lead+padLeft of the
	// slot, 0 or 8. The copy reads from in = src + r*width*4 and copies
	// n = min(width, rowLen-first) floats.
	first := lead(p)
	ADDQ(p.padLeft, first)
	in, n := GP64(), GP64()
	MOVQ(p.width, in)
	IMULQ(r, in)
	SHLQ(U8(2), in)
	ADDQ(p.src, in)
	MOVQ(rowLen, n)
	SUBQ(first, n)
	width := GP64()
	MOVQ(p.width, width)
	CMPQ(width, n)
	CMOVQLT(width, n)

	// The zeros left of the image go first, because the copy overwrites
	// the ones from offset first on.
	VMOVUPS(zero, Mem{Base: row})
	out := GP64()
	LEAQ(Mem{Base: row, Index: first, Scale: 4}, out)
	CMPQ(n, U8(8))
	JL(LabelRef("padShort"))

	i, next := GP64(), GP64()
	XORQ(i, i)
	Label("padCopy16")
	LEAQ(Mem{Base: i, Disp: 16}, next)
	CMPQ(next, n)
	JG(LabelRef("padCopy8"))
	VMOVUPS(Mem{Base: in, Index: i, Scale: 4}, v)
	VMOVUPS(Mem{Base: in, Index: i, Scale: 4, Disp: 32}, v2)
	VMOVUPS(v, Mem{Base: out, Index: i, Scale: 4})
	VMOVUPS(v2, Mem{Base: out, Index: i, Scale: 4, Disp: 32})
	MOVQ(next, i)
	JMP(LabelRef("padCopy16"))
	Label("padCopy8")
	LEAQ(Mem{Base: i, Disp: 8}, next)
	CMPQ(next, n)
	JG(LabelRef("padCopyLast"))
	VMOVUPS(Mem{Base: in, Index: i, Scale: 4}, v)
	VMOVUPS(v, Mem{Base: out, Index: i, Scale: 4})
	MOVQ(next, i)
	Comment("The last 8 floats of the row, overlapping what is already copied.")
	Label("padCopyLast")
	CMPQ(i, n)
	JGE(LabelRef("padTail"))
	VMOVUPS(Mem{Base: in, Index: n, Scale: 4, Disp: -32}, v)
	VMOVUPS(v, Mem{Base: out, Index: n, Scale: 4, Disp: -32})
	JMP(LabelRef("padTail"))

	Comment("Fewer than 8 floats: copy 8 when src has them from this row on (the",
		"zeros after the row overwrite the extra ones), else one at a time.")
	Label("padShort")
	avail := GP64()
	MOVQ(p.height, avail)
	SUBQ(r, avail)
	IMULQ(p.width, avail)
	CMPQ(avail, U8(8))
	JL(LabelRef("padScalar"))
	VMOVUPS(Mem{Base: in}, v)
	VMOVUPS(v, Mem{Base: out})
	JMP(LabelRef("padTail"))
	Label("padScalar")
	XORQ(i, i)
	Label("padScalarLoop")
	VMOVSS(Mem{Base: in, Index: i, Scale: 4}, v.AsX())
	VMOVSS(v.AsX(), Mem{Base: out, Index: i, Scale: 4})
	INCQ(i)
	CMPQ(i, n)
	JL(LabelRef("padScalarLoop"))

	Comment("Zeros from offset first+n to the end of the slot.")
	Label("padTail")
	ADDQ(first, n)
	Label("padTailLoop")
	VMOVUPS(zero, Mem{Base: row, Index: n, Scale: 4})
	ADDQ(U8(8), n)
	CMPQ(n, rowLen)
	JL(LabelRef("padTailLoop"))
	JMP(LabelRef("padNext"))

	Label("padZeroRow")
	XORQ(n, n)
	Label("padZeroLoop")
	VMOVUPS(zero, Mem{Base: row, Index: n, Scale: 4})
	ADDQ(U8(8), n)
	CMPQ(n, rowLen)
	JL(LabelRef("padZeroLoop"))

	Label("padNext")
	INCQ(ready)
	JMP(LabelRef("padRow"))
	Label("padDone")
}
