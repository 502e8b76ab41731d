// Command winograd generates the AVX2+FMA transforms of Winograd
// F(4×4, 3×3) convolution.
//
// Winograd convolution computes a 4×4 block of outputs of a 3×3 filter
// from the 6×6 block of input under it with 36 multiplications instead of
// 144: the input block d becomes V = Bᵀ·d·B, the filter g becomes
// U = G·g·Gᵀ (once, in Go), the products U⊙V are summed over input
// channels by 36 GEMMs, and the output block is Aᵀ·M·A. This program emits
// the input and output transforms. Each works on 8 tiles at once, one tile
// per lane, so the 36 values of one tile never need a horizontal reduction:
//
//   - winogradColumnsFMA applies Bᵀ down the columns of six padded input
//     rows (4 tiles' worth of pixels per 8-float vector, no shuffles);
//   - winogradRowsFMA applies Bᵀ along the rows of that result, after a
//     4×4 transpose inside each 128-bit lane gathers pixel j of 8
//     consecutive tiles into one vector (tile x starts at pixel 4x);
//   - winogradOutputFMA applies Aᵀ on both sides of 8 tiles of M, adds the
//     bias, applies ReLU and transposes back, storing 4 output rows of 32
//     consecutive pixels.
//
// The matrices are those of Lavin and Gray (2016) for the interpolation
// points 0, ±1, ±2 and ∞:
//
//	Bᵀ = [4  0 -5  0 1 0]    Aᵀ = [1 1  1 1  1 0]
//	     [0 -4 -4  1 1 0]         [0 1 -1 2 -2 0]
//	     [0  4 -4 -1 1 0]         [0 1  1 4  4 0]
//	     [0 -2 -1  2 1 0]         [0 1 -1 8 -8 1]
//	     [0  2 -1 -2 1 0]
//	     [0  4  0 -5 0 1]
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("!purego")
	consts = constants{
		two:   vectorConst("winogradTwo", 2),
		four:  vectorConst("winogradFour", 4),
		five:  vectorConst("winogradFive", 5),
		eight: vectorConst("winogradEight", 8),
	}
	columns()
	rows()
	output()
	Generate()
}

// constants are the coefficients of Bᵀ and Aᵀ, each 8 times in a row so
// that the FMAs take them as memory operands: keeping them in registers
// would leave too few for the transforms.
type constants struct{ two, four, five, eight Mem }

var consts constants

// vectorConst declares read-only data holding v in all 8 lanes of a YMM
// operand.
func vectorConst(name string, v float32) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(4*i, F32(v))
	}
	return m
}

// inputTransform computes the six rows of Bᵀ·d for the six vectors of d,
// lane by lane, and hands each to store as soon as it is ready, so that at
// most d, two temporaries and one result are live: 9 YMM registers.
//
//	out0 = 4·d0 - 5·d2 + d4
//	out1 = (d3 + d4) - 4·(d1 + d2)
//	out2 = (d4 - d3) + 4·(d1 - d2)
//	out3 = (d4 - d2) + 2·(d3 - d1)
//	out4 = (d4 - d2) - 2·(d3 - d1)
//	out5 = 4·d1 - 5·d3 + d5
func inputTransform(d [6]VecVirtual, two, four, five Mem, store func(row int, v VecVirtual)) {
	sum12, sum34 := YMM(), YMM()
	VADDPS(d[2], d[1], sum12)
	VADDPS(d[4], d[3], sum34)
	VFNMADD231PS(four, sum12, sum34)
	store(1, sum34)

	diff12, diff43 := YMM(), YMM()
	VSUBPS(d[2], d[1], diff12)
	VSUBPS(d[3], d[4], diff43)
	VFMADD231PS(four, diff12, diff43)
	store(2, diff43)

	diff31, diff42 := YMM(), YMM()
	VSUBPS(d[1], d[3], diff31)
	VSUBPS(d[2], d[4], diff42)
	out4 := YMM()
	VMOVAPS(diff42, out4)
	VFMADD231PS(two, diff31, diff42)
	store(3, diff42)
	VFNMADD231PS(two, diff31, out4)
	store(4, out4)

	out0 := YMM()
	VMOVAPS(d[4], out0)
	VFMADD231PS(four, d[0], out0)
	VFNMADD231PS(five, d[2], out0)
	store(0, out0)

	out5 := YMM()
	VMOVAPS(d[5], out5)
	VFMADD231PS(four, d[1], out5)
	VFNMADD231PS(five, d[3], out5)
	store(5, out5)
}

// columns emits winogradColumnsFMA: the first half of the input
// transform, Bᵀ applied to six padded input rows, 8 columns at a time.
func columns() {
	TEXT("winogradColumnsFMA", NOSPLIT, "func(dst, src []float32, stride, n int)")
	Doc(
		"winogradColumnsFMA stores row r of Bᵀ·d in dst[r*stride+x] for r < 6 and",
		"x < n, where d is the 6 rows src[i*stride:], i < 6. It reads",
		"src[i*stride:i*stride+n] and writes dst[r*stride:r*stride+n], nothing",
		"else; the caller checks that n is a multiple of 8 and that both slices",
		"hold 5*stride+n floats. dst must not overlap src. Requires AVX and FMA3.",
	)
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	stride := Load(Param("stride"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(Imm(2), stride) // bytes

	// Row i of src is at src + i*stride: the rows 3 to 5 are reached from
	// src3 = src + 3*stride, as SIB addressing scales by at most 8 and
	// only a register, not a multiple of stride.
	stride3 := GP64()
	LEAQ(Mem{Base: stride, Index: stride, Scale: 2}, stride3)
	src3, dst3 := GP64(), GP64()
	LEAQ(Mem{Base: src, Index: stride3, Scale: 1}, src3)
	LEAQ(Mem{Base: dst, Index: stride3, Scale: 1}, dst3)
	row := func(base Register, i int) Mem {
		switch i {
		case 0:
			return Mem{Base: base}
		case 1:
			return Mem{Base: base, Index: stride, Scale: 1}
		default:
			return Mem{Base: base, Index: stride, Scale: 2}
		}
	}
	at := func(base, base3 Register, i int) Mem {
		if i < 3 {
			return row(base, i)
		}
		return row(base3, i-3)
	}

	two, four, five := consts.two, consts.four, consts.five

	Comment("8 columns of all six rows per iteration.")
	Label("loop")
	SUBQ(Imm(8), n)
	JL(LabelRef("done"))
	var d [6]VecVirtual
	for i := range d {
		d[i] = YMM()
		VMOVUPS(at(src, src3, i), d[i])
	}
	inputTransform(d, two, four, five, func(r int, v VecVirtual) {
		VMOVUPS(v, at(dst, dst3, r))
	})
	for _, p := range []Register{src, src3, dst, dst3} {
		ADDQ(Imm(32), p)
	}
	JMP(LabelRef("loop"))

	Label("done")
	VZEROUPPER()
	RET()
}

// transpose4 transposes the 4×4 matrix in each 128-bit lane of rows:
// afterwards lane l of out[j] holds element j of lane l of rows[0..3].
// Only the first len(out) outputs are computed.
func transpose4(rows [4]VecVirtual, out []VecVirtual) {
	lo01, lo23 := YMM(), YMM()
	VUNPCKLPS(rows[1], rows[0], lo01) // r0[0] r1[0] r0[1] r1[1]
	VUNPCKLPS(rows[3], rows[2], lo23) // r2[0] r3[0] r2[1] r3[1]
	VSHUFPS(Imm(0x44), lo23, lo01, out[0])
	if len(out) > 1 {
		VSHUFPS(Imm(0xEE), lo23, lo01, out[1])
	}
	if len(out) > 2 {
		hi01, hi23 := YMM(), YMM()
		VUNPCKHPS(rows[1], rows[0], hi01) // r0[2] r1[2] r0[3] r1[3]
		VUNPCKHPS(rows[3], rows[2], hi23)
		VSHUFPS(Imm(0x44), hi23, hi01, out[2])
		VSHUFPS(Imm(0xEE), hi23, hi01, out[3])
	}
}

// rows emits winogradRowsFMA: the second half of the input transform, Bᵀ
// applied along each of the six rows that winogradColumnsFMA produced, for
// 8 tiles per iteration.
func rows() {
	TEXT("winogradRowsFMA", NOSPLIT, "func(dst []float32, dstStride int, src []float32, srcStride, groups int)")
	Doc(
		"winogradRowsFMA computes V = Bᵀ·d·B for 8*groups tiles, given Bᵀ·d as the",
		"6 rows src[r*srcStride:], r < 6, tile t covering the 6 columns from 4t.",
		"It stores V[r][c] of tile t in dst[(6*r+c)*dstStride+t]. It reads",
		"src[r*srcStride:r*srcStride+32*groups+4] and writes",
		"dst[q*dstStride:q*dstStride+8*groups] for q < 36, nothing else; the",
		"caller checks those bounds. dst must not overlap src. Requires AVX and",
		"FMA3.",
	)
	dst := Load(Param("dst").Base(), GP64())
	dstStride := Load(Param("dstStride"), GP64())
	src := Load(Param("src").Base(), GP64())
	srcStride := Load(Param("srcStride"), GP64())
	groups := Load(Param("groups"), GP64())
	SHLQ(Imm(2), dstStride)
	SHLQ(Imm(2), srcStride)

	two, four, five := consts.two, consts.four, consts.five

	// Register use: row walks one row of src, and out the 6 matrices of
	// dst that the row feeds. g counts the groups left in the row.
	row, out, g := GP64(), GP64(), GP64()
	r := GP64()
	XORQ(r, r)

	Label("row")
	MOVQ(src, row)
	MOVQ(dst, out)
	MOVQ(groups, g)

	Label("group")
	TESTQ(g, g)
	JZ(LabelRef("nextrow"))

	// lanes[a] holds the 4 pixels from 4a in its low lane and the 4 from
	// 16+4a in its high lane: tiles a and a+4. After the transpose,
	// vector j holds pixel j of tiles 0..3, then of tiles 4..7.
	var d [6]VecVirtual
	var lanes [4]VecVirtual
	for a := range lanes {
		lanes[a] = YMM()
		VMOVUPS(Mem{Base: row, Disp: 16 * a}, lanes[a].AsX())
		VINSERTF128(Imm(1), Mem{Base: row, Disp: 64 + 16*a}, lanes[a], lanes[a])
	}
	for j := 0; j < 4; j++ {
		d[j] = YMM()
	}
	transpose4(lanes, d[:4])
	// Pixels 4 and 5 of a tile are pixels 0 and 1 of the next one: the
	// same loads and transpose, 4 pixels further on.
	for a := range lanes {
		lanes[a] = YMM()
		VMOVUPS(Mem{Base: row, Disp: 16 + 16*a}, lanes[a].AsX())
		VINSERTF128(Imm(1), Mem{Base: row, Disp: 80 + 16*a}, lanes[a], lanes[a])
	}
	d[4], d[5] = YMM(), YMM()
	transpose4(lanes, d[4:])

	// Output c of this row goes to matrix 6*r+c: out + c*dstStride.
	inputTransform(d, two, four, five, func(c int, v VecVirtual) {
		at := GP64()
		IMUL3Q(Imm(uint64(c)), dstStride, at)
		VMOVUPS(v, Mem{Base: out, Index: at, Scale: 1})
	})

	ADDQ(U32(4*32), row)
	ADDQ(Imm(32), out)
	DECQ(g)
	JMP(LabelRef("group"))

	Label("nextrow")
	ADDQ(srcStride, src)
	// The next row feeds the next 6 matrices.
	six := GP64()
	IMUL3Q(Imm(6), dstStride, six)
	ADDQ(six, dst)
	INCQ(r)
	CMPQ(r, Imm(6))
	JL(LabelRef("row"))

	VZEROUPPER()
	RET()
}

// outputTransform returns the four rows of Aᵀ·m for the six vectors of
// m, lane by lane, in new registers. m is left intact.
//
//	out0 = m0 + (m1 + m2) + (m3 + m4)
//	out1 = (m1 - m2) + 2·(m3 - m4)
//	out2 = (m1 + m2) + 4·(m3 + m4)
//	out3 = (m1 - m2) + 8·(m3 - m4) + m5
func outputTransform(m [6]VecVirtual, two, four, eight Mem) [4]VecVirtual {
	sum12, diff12, sum34, diff34 := YMM(), YMM(), YMM(), YMM()
	VADDPS(m[2], m[1], sum12)
	VSUBPS(m[2], m[1], diff12)
	VADDPS(m[4], m[3], sum34)
	VSUBPS(m[4], m[3], diff34)

	out0 := YMM()
	VADDPS(sum12, m[0], out0)
	VADDPS(sum34, out0, out0)
	out3 := YMM()
	VADDPS(diff12, m[5], out3)
	VFMADD231PS(eight, diff34, out3)
	VFMADD231PS(two, diff34, diff12)
	VFMADD231PS(four, sum34, sum12)
	return [4]VecVirtual{out0, diff12, sum12, out3}
}

// output emits winogradOutputFMA: the output transform of 8 tiles per
// iteration, with the bias and the ReLU fused.
func output() {
	TEXT("winogradOutputFMA", NOSPLIT, "func(dst []float32, dstStride int, src []float32, srcStride, groups int, bias float32, relu bool)")
	Doc(
		"winogradOutputFMA computes Y = Aᵀ·M·A + bias for 8*groups tiles, where",
		"M[r][c] of tile t is src[(6*r+c)*srcStride+t], then max(Y, 0) when relu",
		"is set (NaN and -0 stay). It stores Y[i][j] of tile t in",
		"dst[i*dstStride+4*t+j]. It reads src[q*srcStride:q*srcStride+8*groups]",
		"for q < 36 and writes dst[i*dstStride:i*dstStride+32*groups] for i < 4,",
		"nothing else; the caller checks those bounds. dst must not overlap src.",
		"Requires AVX and FMA3.",
	)
	dst := Load(Param("dst").Base(), GP64())
	dstStride := Load(Param("dstStride"), GP64())
	src := Load(Param("src").Base(), GP64())
	srcStride := Load(Param("srcStride"), GP64())
	groups := Load(Param("groups"), GP64())
	SHLQ(Imm(2), dstStride)
	SHLQ(Imm(2), srcStride)

	// rows[i][c] of Aᵀ·M for the current 8 tiles, 4×6 vectors: more than
	// the registers hold, so they wait in the frame.
	rowsOfM := AllocLocal(4 * 6 * 32)

	biasX := Load(Param("bias"), XMM())
	bias := YMM()
	VBROADCASTSS(biasX, bias)
	relu := Load(Param("relu"), GP8())
	zero := YMM()
	VXORPS(zero, zero, zero)

	Label("group")
	TESTQ(groups, groups)
	JZ(LabelRef("done"))

	Comment("Aᵀ·M, column by column: column c of M is matrices c, 6+c, ..., 30+c.")
	for c := 0; c < 6; c++ {
		two, four, eight := consts.two, consts.four, consts.eight
		var m [6]VecVirtual
		at := GP64()
		IMUL3Q(Imm(uint64(c)), srcStride, at)
		ADDQ(src, at)
		for r := range m {
			m[r] = YMM()
			VMOVUPS(Mem{Base: at}, m[r])
			if r < 5 {
				step := GP64()
				IMUL3Q(Imm(6), srcStride, step)
				ADDQ(step, at)
			}
		}
		out := outputTransform(m, two, four, eight)
		for i, v := range out {
			VMOVUPS(v, rowsOfM.Offset(32*(6*i+c)))
		}
	}

	Comment("(Aᵀ·M)·A row by row, then bias, ReLU and the transpose to pixels.")
	for i := 0; i < 4; i++ {
		two, four, eight := consts.two, consts.four, consts.eight
		var m [6]VecVirtual
		for c := range m {
			m[c] = YMM()
			VMOVUPS(rowsOfM.Offset(32*(6*i+c)), m[c])
		}
		y := outputTransform(m, two, four, eight)
		skip := "norelu" + string(rune('0'+i))
		for j := range y {
			VADDPS(bias, y[j], y[j])
		}
		TESTB(relu, relu)
		JZ(LabelRef(skip))
		for j := range y {
			// VMAXPS keeps its first (Go-order) operand unless zero is
			// greater: x < 0 ? 0 : x, so NaN and -0 pass.
			VMAXPS(y[j], zero, y[j])
		}
		Label(skip)

		// After the transpose, lane l of px[a] is the 4 pixels of tile
		// a+4l; the lane permutes put tiles 2b and 2b+1 side by side.
		var px [4]VecVirtual
		for a := range px {
			px[a] = YMM()
		}
		transpose4(y, px[:])
		at := GP64()
		IMUL3Q(Imm(uint64(i)), dstStride, at)
		ADDQ(dst, at)
		for b, sel := range []struct {
			x, y VecVirtual
			imm  uint64
		}{{px[0], px[1], 0x20}, {px[2], px[3], 0x20}, {px[0], px[1], 0x31}, {px[2], px[3], 0x31}} {
			pair := YMM()
			VPERM2F128(Imm(sel.imm), sel.y, sel.x, pair)
			VMOVUPS(pair, Mem{Base: at, Disp: 32 * b})
		}
	}

	ADDQ(Imm(32), src)
	ADDQ(U32(4*32), dst)
	DECQ(groups)
	JMP(LabelRef("group"))

	Label("done")
	VZEROUPPER()
	RET()
}
