package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// windowMax emits the maximum of a window's values with Go's max
// semantics in fewer instructions than a chain of maxGo. The maximum of a
// set does not depend on the order of the comparisons, so it is split into
// three parts that take one instruction per value each and are combined
// at the end.
//
//	m   VMAXPS over all values. In a lane without NaN it is the largest
//	    value, except that its sign is arbitrary when that value is ±0.
//	    Lanes with NaN take nan instead.
//	and VANDPS over all values. Where the maximum is ±0 no value is
//	    positive, so every value but +0 has its sign bit set, and the sign
//	    bit of and is clear exactly when some value is +0.
//	nan VCMPPS unordered over pairs of values: all ones where any value is
//	    NaN.
//
// The result is (m AND (and OR 0x7FFFFFFF)) OR nan. Where the maximum is
// positive, m's sign bit is already clear; where it is negative, every
// value's sign bit is set and the AND keeps m; where it is ±0, the sign
// comes from and. nan turns the lanes with a NaN into the all-ones NaN,
// which is what maxGo returns, so the results match maxGo bit for bit.
type windowMax struct {
	newVec    func() VecVirtual // YMM or XMM
	magnitude Op                // 0x7FFFFFFF in every lane
	m, and    VecVirtual        // nil before the first value
	nan       VecVirtual        // nil before the first pair
	unpaired  Op                // a value waiting for its NaN comparison
}

// addRow adds a row's left, centre and right values of each window.
func (w *windowMax) addRow(left, centre, right VecVirtual) {
	rowMax, rowAnd := w.newVec(), w.newVec()
	VMAXPS(left, centre, rowMax)
	VMAXPS(right, rowMax, rowMax)
	VANDPS(left, centre, rowAnd)
	VANDPS(right, rowAnd, rowAnd)
	if w.m == nil {
		w.m, w.and = rowMax, rowAnd
	} else {
		VMAXPS(rowMax, w.m, w.m)
		VANDPS(rowAnd, w.and, w.and)
	}
	for _, v := range []VecVirtual{left, centre, right} {
		w.checkNaN(v)
	}
}

// checkNaN pairs v with the previous unpaired value, if any, and adds
// their unordered comparison to nan.
func (w *windowMax) checkNaN(v Op) {
	if w.unpaired == nil {
		w.unpaired = v
		return
	}
	w.compare(w.unpaired, v)
	w.unpaired = nil
}

func (w *windowMax) compare(a, b Op) {
	if w.nan == nil {
		w.nan = w.newVec()
		VCMPPS(Imm(3), a, b, w.nan)
		return
	}
	t := w.newVec()
	VCMPPS(Imm(3), a, b, t)
	VORPS(t, w.nan, w.nan)
}

// result returns a register holding the maximum of the values added.
func (w *windowMax) result() VecVirtual {
	if w.unpaired != nil {
		w.compare(w.unpaired, w.unpaired)
		w.unpaired = nil
	}
	r := w.newVec()
	VORPS(w.magnitude, w.and, w.and)
	VANDPS(w.and, w.m, r)
	VORPS(w.nan, r, r)
	return r
}

// blockLeftIndex is the VPERMPS index that builds the left column of the
// first 8 windows of a row from their right column. Both are in the lane
// order that VSHUFPS leaves: element e holds window order[e], with
// order = {0, 1, 4, 5, 2, 3, 6, 7}. Window k's left column is window
// k-1's right one, so element e of the index is position[order[e]-1],
// where position is the inverse of order. Window 0 has no left column
// inside the row and repeats its right column, which it contains anyway.
var blockLeftIndex = []uint32{0, 0, 5, 2, 1, 4, 3, 6}

// maxPool3x3Stride2 emits the plane kernel of 3×3 max pooling with stride
// 2, top rows and left columns of padding before the input, where top and
// left are 0 or 1. Output (i, j) is the maximum of the input rows 2i-top
// to 2i-top+2 and columns 2j-left to 2j-left+2 that lie inside the plane.
// A row or column outside the plane is replaced by a neighbour inside it,
// which is in the window anyway and so does not change the maximum. The
// two paddings differ when a convolution fused with the pooling hands it
// a band of rows that starts inside the plane.
func maxPool3x3Stride2() {
	leftIndex := GLOBL("maxPoolBlockLeftIndex", RODATA|NOPTR)
	for i, v := range blockLeftIndex {
		DATA(4*i, U32(v))
	}

	TEXT("maxPool3x3Stride2AVX2", NOSPLIT, "func(dst, src []float32, h, w, outH, outW, top, left int)")
	Doc(
		"maxPool3x3Stride2AVX2 stores in dst[i*outW+j], for i < outH and j < outW,",
		"the maximum with Go's max semantics of src[r*w+c] over the rows r in",
		"[2i-top, 2i-top+2] and the columns c in [2j-left, 2j-left+2] that lie in",
		"[0, h) and [0, w). It reads src[:h*w], writes dst[:outH*outW] and nothing",
		"else. The caller checks those lengths, that top and left are 0 or 1,",
		"h >= 1, w >= 1 and that every window has an input row and column:",
		"2*(outH-1)-top < h and 2*(outW-1)-left < w. dst must not overlap src.",
		"Requires AVX and AVX2.",
	)

	magnitude := YMM()
	VPCMPEQD(magnitude, magnitude, magnitude)
	VPSRLD(Imm(1), magnitude, magnitude)

	i := GP64()
	XORQ(i, i)

	Label("row")
	outH := Load(Param("outH"), GP64())
	CMPQ(i, outH)
	JGE(LabelRef("done"))

	rows := windowRows(i)
	outW, q := outputRow(i)

	// Windows j < inner, except window 0 with pad 1, have all three
	// columns inside the row, because 2j-pad+2 <= w-1 for
	// inner = (w-1+pad)/2, where pad is the left padding from here on.
	// Windows 0 to inner-1 go in vectors and only those from inner on,
	// which reach past the row, in scalars. The vector blocks need 8
	// windows, and with pad 1 window 0 needs a block of its own, so with
	// fewer than 8 (pad 0) or 9 (pad 1) every window is scalar.
	pad := Load(Param("left"), GP64())
	lastCol := Load(Param("w"), GP64())
	inner := GP64()
	LEAQ(Mem{Base: lastCol, Index: pad, Scale: 1, Disp: -1}, inner)
	SHRQ(Imm(1), inner)
	CMPQ(inner, outW)
	CMOVQGT(outW, inner)
	DECQ(lastCol)

	j := GP64()
	XORQ(j, j)
	TESTQ(pad, pad)
	JNZ(LabelRef("padded"))
	CMPQ(inner, Imm(8))
	JL(LabelRef("scalar"))
	JMP(LabelRef("vector"))

	Label("padded")
	CMPQ(inner, Imm(9))
	JL(LabelRef("scalar"))
	firstBlock(rows, q, magnitude, leftIndex)
	MOVQ(U32(8), j)
	vectorBlocks(rows, q, j, inner, magnitude)

	scalarWindows(rows, q, j, outW, lastCol, magnitude)
	INCQ(i)
	JMP(LabelRef("row"))

	Label("done")
	VZEROUPPER()
	RET()
}

// windowRows emits the addresses of the input rows 2i-top, 2i-top+1 and
// 2i-top+2 of output row i, clamped to [0, h-1]. A clamped row repeats a
// row of the window, which does not change the maximum.
func windowRows(i GPVirtual) [3]GPVirtual {
	src := Load(Param("src").Base(), GP64())
	lastRow := Load(Param("h"), GP64())
	DECQ(lastRow)
	rowBytes := Load(Param("w"), GP64())
	SHLQ(Imm(2), rowBytes)
	top := Load(Param("top"), GP64())
	var rows [3]GPVirtual
	for k := range rows {
		r := GP64()
		LEAQ(Mem{Base: i, Index: i, Scale: 1, Disp: k}, r)
		SUBQ(top, r)
		if k == 0 {
			// 2i-top is negative only for top 1 and i = 0, where row 0 is
			// in the window. It is at most h-1 by the caller's bound.
			zero := GP64()
			XORQ(zero, zero)
			TESTQ(r, r)
			CMOVQLT(zero, r)
		} else {
			CMPQ(r, lastRow)
			CMOVQGT(lastRow, r)
		}
		IMULQ(rowBytes, r)
		ADDQ(src, r)
		rows[k] = r
	}
	return rows
}

// outputRow emits outW and the address of output row i, dst + i*outW*4.
func outputRow(i GPVirtual) (outW, q Register) {
	outW = Load(Param("outW"), GP64())
	q = Load(Param("dst").Base(), GP64())
	offset := GP64()
	MOVQ(i, offset)
	IMULQ(outW, offset)
	LEAQ(Mem{Base: q, Index: offset, Scale: 4}, q)
	return outW, q
}

// firstBlock emits windows 0 to 7 of a row with pad 1, whose columns are 0
// to 15 except that window 0 lacks its left column: w >= 18 for inner >= 9.
func firstBlock(rows [3]GPVirtual, q Register, magnitude VecVirtual, leftIndex Mem) {
	Comment("Windows 0 to 7, with the left columns permuted from the right ones.")
	index := YMM()
	VMOVDQU(leftIndex, index)
	acc := windowMax{newVec: YMM, magnitude: magnitude}
	for _, row := range rows {
		x0, x1 := YMM(), YMM()
		VMOVUPS(Mem{Base: row}, x0)
		VMOVUPS(Mem{Base: row, Disp: 32}, x1)
		left, centre, right := YMM(), YMM(), YMM()
		VSHUFPS(Imm(0x88), x1, x0, centre) // elements 0, 2 of x0 and of x1
		VSHUFPS(Imm(0xDD), x1, x0, right)  // elements 1, 3 of x0 and of x1
		VPERMPS(right, index, left)
		acc.addRow(left, centre, right)
	}
	m := acc.result()
	VPERMPD(Imm(0xD8), m, m)
	VMOVUPS(m, Mem{Base: q})
}

// vectorBlocks emits the loop over windows j <= k < inner, 8 at a time,
// for inner >= 8 and 2j-pad >= 0, which excludes window 0 with pad 1.
// Windows j to j+7 read columns 2j-pad to 2j-pad+16. When fewer than 8
// windows remain, the last block starts at inner-8 and recomputes some
// outputs of the block before it, so every block is a full vector. It
// leaves j = inner.
func vectorBlocks(rows [3]GPVirtual, q, j, inner Register, magnitude VecVirtual) {
	Comment("Windows j to j+7 per iteration.")
	limit, col := GP64(), GP64()
	Label("vector")
	LEAQ(Mem{Base: j, Disp: 8}, limit)
	CMPQ(limit, inner)
	JLE(LabelRef("block"))
	CMPQ(j, inner)
	JGE(LabelRef("scalar"))
	LEAQ(Mem{Base: inner, Disp: -8}, j)

	Label("block")
	// With c = 2j-pad, the loads hold these columns:
	//	a0: c .. c+7      a1: c+8 .. c+15
	//	b0: c+2 .. c+9    b1: c+9 .. c+16
	// Within each 128-bit lane, VSHUFPS takes two elements of its first
	// source and two of its second. Windows k = 0..7 of the block have the
	// left column c+2k, the centre c+2k+1 and the right c+2k+2, and the
	// shuffles put window k's columns in the same element of left, centre
	// and right, in the lane order 0, 1, 4, 5 | 2, 3, 6, 7 of maxPairs.
	// VPERMPD 0xD8 restores the order before the store.
	Load(Param("left"), col)
	NEGQ(col)
	LEAQ(Mem{Base: col, Index: j, Scale: 2}, col)
	acc := windowMax{newVec: YMM, magnitude: magnitude}
	for _, row := range rows {
		a0, a1, b0, b1 := YMM(), YMM(), YMM(), YMM()
		VMOVUPS(Mem{Base: row, Index: col, Scale: 4}, a0)
		VMOVUPS(Mem{Base: row, Index: col, Scale: 4, Disp: 32}, a1)
		VMOVUPS(Mem{Base: row, Index: col, Scale: 4, Disp: 8}, b0)
		VMOVUPS(Mem{Base: row, Index: col, Scale: 4, Disp: 36}, b1)
		left, centre, right := YMM(), YMM(), YMM()
		VSHUFPS(Imm(0x88), a1, a0, left)   // elements 0, 2 of a0 and of a1
		VSHUFPS(Imm(0xDD), a1, a0, centre) // elements 1, 3 of a0 and of a1
		VSHUFPS(Imm(0xD8), b1, b0, right)  // elements 0, 2 of b0 and 1, 3 of b1
		acc.addRow(left, centre, right)
	}
	m := acc.result()
	VPERMPD(Imm(0xD8), m, m)
	VMOVUPS(m, Mem{Base: q, Index: j, Scale: 4})
	ADDQ(Imm(8), j)
	JMP(LabelRef("vector"))
}

// scalarWindows emits the loop that computes windows j < end one at a
// time and then jumps to the next row. The columns 2j-pad, 2j-pad+1 and
// 2j-pad+2 are clamped to [0, lastCol]; 2j-pad is negative only for pad 1
// and j = 0, where column 0 is in the window.
func scalarWindows(rows [3]GPVirtual, q, j, end, lastCol Register, magnitude VecVirtual) {
	Comment("One window at a time, with the operations of the vector blocks.")
	Label("scalar")
	CMPQ(j, end)
	JGE(LabelRef("nextRow"))
	var cols [3]GPVirtual
	cols[0] = GP64()
	Load(Param("left"), cols[0])
	NEGQ(cols[0])
	LEAQ(Mem{Base: cols[0], Index: j, Scale: 2}, cols[0])
	for k := 1; k < len(cols); k++ {
		cols[k] = GP64()
		LEAQ(Mem{Base: cols[0], Disp: k}, cols[k])
	}
	for _, c := range cols[1:] {
		CMPQ(c, lastCol)
		CMOVQGT(lastCol, c)
	}
	TESTQ(cols[0], cols[0])
	CMOVQLT(cols[1], cols[0])

	acc := windowMax{newVec: XMM, magnitude: magnitude.AsX()}
	for _, row := range rows {
		var v [3]VecVirtual
		for k, c := range cols {
			v[k] = XMM()
			VMOVSS(Mem{Base: row, Index: c, Scale: 4}, v[k])
		}
		acc.addRow(v[0], v[1], v[2])
	}
	VMOVSS(acc.result(), Mem{Base: q, Index: j, Scale: 4})
	INCQ(j)
	JMP(LabelRef("scalar"))
	Label("nextRow")
}
