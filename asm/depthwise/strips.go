package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// blockRegs address the padded rows and output rows of a block. Padded
// row k (from the block's first) starts at rowBase[k/3] + (k%3)*rowBytes
// and output row y at outBase[y/3] + (y%3)*outBytes. The bases advance
// along the rows as the strips of 8 outputs do.
type blockRegs struct {
	rowBase  []Register
	rowBytes Register
	outBase  []Register
	outBytes Register
}

func (b blockRegs) row(k, disp int) Mem {
	m := Mem{Base: b.rowBase[k/3], Disp: disp}
	if k%3 != 0 {
		m.Index, m.Scale = b.rowBytes, uint8(k%3)
	}
	return m
}

func (b blockRegs) out(y int) Mem {
	m := Mem{Base: b.outBase[y/3]}
	if y%3 != 0 {
		m.Index, m.Scale = b.outBytes, uint8(y%3)
	}
	return m
}

// advance moves every base by cols output columns, given in bytes of
// output (4 per column) in the register cols4.
func (b blockRegs) advance(cols4 Register, stride int) {
	for _, r := range b.outBase {
		ADDQ(cols4, r)
	}
	if stride == 2 {
		SHLQ(U8(1), cols4)
	}
	for _, r := range b.rowBase {
		ADDQ(cols4, r)
	}
}

// outputBases sets b's output bases to row y0 of dst.
func outputBases(p planeParams, rows int, y0 Register, b *blockRegs) {
	b.outBytes = GP64()
	MOVQ(p.outW, b.outBytes)
	SHLQ(U8(2), b.outBytes)
	out := GP64()
	MOVQ(y0, out)
	IMULQ(b.outBytes, out)
	ADDQ(p.dst, out)
	b.outBase = []Register{out}
	if rows > 3 {
		r := GP64()
		LEAQ(Mem{Base: out, Index: b.outBytes, Scale: 2}, r)
		ADDQ(b.outBytes, r)
		b.outBase = append(b.outBase, r)
	}
}

// rowBases sets b.rowBase from first, the address of the block's first
// row, and b.rowBytes.
func rowBases(stride, rows int, first Register, b *blockRegs) {
	padded := stride*(rows-1) + 3
	b.rowBase = []Register{first}
	for k := 3; k < padded; k += 3 {
		r := GP64()
		LEAQ(Mem{Base: b.rowBase[len(b.rowBase)-1], Index: b.rowBytes, Scale: 2}, r)
		ADDQ(b.rowBytes, r)
		b.rowBase = append(b.rowBase, r)
	}
}

// storeStrip stores the accumulators of a full strip.
func storeStrip(rows int, b blockRegs) {
	for y := 0; y < rows; y++ {
		VMOVUPS(accRegs[y], b.out(y))
	}
}

// paddedBlock emits the computation of a block of rows output rows
// starting at row y0 from padded rows in the ring. It computes strips of
// 8 columns from the left while 8 remain, then one strip that ends at the
// last column and recomputes the same values where it overlaps the one
// before. Rows narrower than 8 take one strip, stored in part.
func paddedBlock(p planeParams, stride, rows int, y0, base Register) {
	name := fmt.Sprintf("padded%d", rows)
	Comment(fmt.Sprintf("Block of %d output rows from padded rows.", rows))
	var b blockRegs

	// The block's first padded row, stride*y0, is in slot stride*y0-base;
	// its position 0 is at buf + ((stride*y0-base)*rowLen + lead)*4.
	b.rowBytes = GP64()
	MOVQ(p.rowLen, b.rowBytes)
	first := GP64()
	MOVQ(y0, first)
	if stride == 2 {
		SHLQ(U8(1), first)
	}
	SUBQ(base, first)
	IMULQ(b.rowBytes, first)
	ADDQ(lead(p), first)
	SHLQ(U8(2), first)
	SHLQ(U8(2), b.rowBytes)
	ADDQ(p.buf, first)
	rowBases(stride, rows, first, &b)
	outputBases(p, rows, y0, &b)

	n, cols4 := GP64(), GP64()
	MOVQ(p.outW, n)
	CMPQ(n, U8(8))
	JL(LabelRef(name + "partial"))

	Label(name + "strip")
	strip(p, stride, rows, b, nil)
	storeStrip(rows, b)
	SUBQ(U8(8), n)
	JZ(LabelRef(name + "end"))
	MOVQ(U32(32), cols4)
	CMPQ(n, U8(8))
	JGE(LabelRef(name + "advance"))
	Comment("Fewer than 8 columns left: the last strip ends at the last column.")
	MOVQ(n, cols4)
	SHLQ(U8(2), cols4)
	MOVQ(U32(8), n)
	Label(name + "advance")
	b.advance(cols4, stride)
	JMP(LabelRef(name + "strip"))

	Comment("Rows narrower than 8 outputs: one strip, its first n columns stored.")
	Label(name + "partial")
	strip(p, stride, rows, b, nil)
	for y := 0; y < rows; y++ {
		storePartial(accRegs[y], b.out(y), n, cols4, fmt.Sprintf("%sy%d", name, y))
	}
	Label(name + "end")
}

// directBlock emits the computation of a block of rows output rows
// starting at row y0 from the rows of src. Position q of the block's
// padded row k is src[(stride*y0-padTop+k)*width + q-padLeft]. The first
// strip and the last one, which ends at the last column, load columns
// outside the image from the rows before and after, inside src, and mask
// them to zero. The strips between are not masked, because the outputs
// that they keep read only columns inside the image. The caller
// guarantees outW >= 16, so that the two masked strips differ.
func directBlock(p planeParams, stride, rows int, y0 Register) {
	name := fmt.Sprintf("direct%d", rows)
	Comment(fmt.Sprintf("Block of %d output rows read directly from src.", rows))
	var b blockRegs

	b.rowBytes = GP64()
	MOVQ(p.width, b.rowBytes)
	first := GP64()
	MOVQ(y0, first)
	if stride == 2 {
		SHLQ(U8(1), first)
	}
	SUBQ(p.padTop, first)
	IMULQ(b.rowBytes, first)
	SUBQ(p.padLeft, first)
	SHLQ(U8(2), first)
	SHLQ(U8(2), b.rowBytes)
	ADDQ(p.src, first)
	rowBases(stride, rows, first, &b)
	outputBases(p, rows, y0, &b)

	// The masks of the first strip start at buf + (slots*rowLen + 8)*4,
	// those of the last 4 vectors (128 bytes) later.
	mask := GP64()
	MOVQ(p.slots, mask)
	IMULQ(p.rowLen, mask)
	ADDQ(U8(8), mask)
	SHLQ(U8(2), mask)
	ADDQ(p.buf, mask)
	strip(p, stride, rows, b, mask)
	storeStrip(rows, b)

	// n is the number of columns right of the current strip.
	n, cols4 := GP64(), GP64()
	MOVQ(p.outW, n)
	SUBQ(U8(8), n)
	Label(name + "strip")
	CMPQ(n, U8(8))
	JLE(LabelRef(name + "last"))
	MOVQ(U32(32), cols4)
	b.advance(cols4, stride)
	strip(p, stride, rows, b, nil)
	storeStrip(rows, b)
	SUBQ(U8(8), n)
	JMP(LabelRef(name + "strip"))

	Label(name + "last")
	MOVQ(n, cols4)
	SHLQ(U8(2), cols4)
	b.advance(cols4, stride)
	ADDQ(U32(128), mask)
	strip(p, stride, rows, b, mask)
	storeStrip(rows, b)
}

// strip computes 8 adjacent outputs of each row of the block into
// accRegs[:rows], ReLU included, in the order of the lanes in memory.
// When mask is not nil, it ANDs the m-th vector loaded from each row with
// the 8 lanes at mask + 32*m, zeroing columns outside the image.
func strip(p planeParams, stride, rows int, b blockRegs, mask Register) {
	for y := 0; y < rows; y++ {
		VBROADCASTSS(p.bias, accRegs[y])
	}
	load := func(m Mem, index int, v VecPhysical) {
		VMOVUPS(m, v)
		if mask != nil {
			VANDPS(Mem{Base: mask, Disp: 32 * index}, v, v)
		}
	}
	padded := stride*(rows-1) + 3
	for k := 0; k < padded; k++ {
		// Output row y reads padded row k with filter row i = k - stride*y.
		var targets [3][]int // targets[i]: output rows reading row k with filter row i
		for y := 0; y < rows; y++ {
			if i := k - stride*y; i >= 0 && i < 3 {
				targets[i] = append(targets[i], y)
			}
		}
		fma := func(j int, v VecPhysical) {
			for i := 0; i < 3; i++ {
				for _, y := range targets[i] {
					VFMADD231PS(v, weightRegs[3*i+j], accRegs[y])
				}
			}
		}
		if stride == 1 {
			v := Y15
			for j := 0; j < 3; j++ {
				load(b.row(k, 4*j), j, v)
				fma(j, v)
			}
			continue
		}
		// Stride 2: output x reads positions 2x+j. Shuffling the 16
		// floats at 2x0 gives the even positions (j = 0) and the odd ones
		// (j = 1), those at 2x0+2 the even ones again (j = 2), each in
		// the lane order x0+{0, 1, 4, 5, 2, 3, 6, 7} of VSHUFPS within
		// 128-bit lanes; the accumulators keep that order until the
		// store.
		lo, hi, e := Y13, Y14, Y15
		load(b.row(k, 0), 0, lo)
		load(b.row(k, 32), 1, hi)
		VSHUFPS(U8(0x88), hi, lo, e)
		fma(0, e)
		VSHUFPS(U8(0xdd), hi, lo, e)
		fma(1, e)
		load(b.row(k, 8), 2, lo)
		if mask != nil {
			load(b.row(k, 40), 3, hi)
			VSHUFPS(U8(0x88), hi, lo, e)
		} else {
			VSHUFPS(U8(0x88), b.row(k, 40), lo, e)
		}
		fma(2, e)
	}

	// VMAXPS(acc, zero, acc) keeps acc unless 0 is greater: ReLU with NaN
	// and -0 passed through, as the ReLU kernel computes it. VMINPS with
	// acc as the second source likewise keeps NaN while it caps at hi;
	// Y15 holds zero, then hi.
	label := fmt.Sprintf("noReLU%d", uniqueLabel())
	CMPB(p.relu, U8(0))
	JE(LabelRef(label))
	VXORPS(Y15, Y15, Y15)
	for y := 0; y < rows; y++ {
		VMAXPS(accRegs[y], Y15, accRegs[y])
	}
	VBROADCASTSS(p.hi, Y15)
	for y := 0; y < rows; y++ {
		VMINPS(accRegs[y], Y15, accRegs[y])
	}
	Label(label)
	if stride == 2 {
		for y := 0; y < rows; y++ {
			VPERMPD(U8(0xd8), accRegs[y], accRegs[y])
		}
	}
}

var labelCount int

func uniqueLabel() int {
	labelCount++
	return labelCount
}

// storePartial stores the first n lanes of acc (1 <= n <= 7) at m, using
// t as the address and keeping n.
func storePartial(acc VecPhysical, m Mem, n, t Register, name string) {
	x := acc.AsX()
	LEAQ(m, t)
	TESTQ(U32(4), n)
	JZ(LabelRef(name + "two"))
	VMOVUPS(x, Mem{Base: t})
	VEXTRACTF128(U8(1), acc, x)
	ADDQ(U8(16), t)
	Label(name + "two")
	TESTQ(U32(2), n)
	JZ(LabelRef(name + "one"))
	VMOVSD(x, Mem{Base: t})
	VMOVHLPS(x, x, x)
	ADDQ(U8(8), t)
	Label(name + "one")
	TESTQ(U32(1), n)
	JZ(LabelRef(name + "done"))
	VMOVSS(x, Mem{Base: t})
	Label(name + "done")
}
