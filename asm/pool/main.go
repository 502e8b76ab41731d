// Command pool generates the AVX2 kernels of max pooling, global average
// pooling and clamping.
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// maxGo emits r = max(a, b) with the semantics of Go's built-in max on
// every lane: NaN if either operand is NaN, +0 for max(-0, +0), otherwise
// the larger value. VMAXPS alone gets both special cases wrong, because it
// returns its first Go-order operand when the operands are equal or
// unordered, so:
//
//	m1 = VMAXPS(a, b)   b > a ? b : a
//	m2 = VMAXPS(b, a)   a > b ? a : b
//	r  = m1 AND m2      equal to both unless they differ, which happens only
//	                    for ±0 pairs (AND keeps +0 unless both are -0) and NaN
//	u  = unordered(a, b), all ones where either is NaN
//	r  = r OR u         all ones is a NaN, so NaN lanes become NaN
//
// a, b and r are registers of the same width; t1 and t2 are scratch. The
// same instructions work on XMM registers for the scalar tails (the upper
// lanes are ignored), so the body and the tails agree bit for bit.
func maxGo(a, b, r, t1, t2 Op) {
	VMAXPS(a, b, t1)
	VMAXPS(b, a, t2)
	VANDPS(t1, t2, r)
	VCMPPS(Imm(3), a, b, t1)
	VORPS(t1, r, r)
}

// minGo emits r = min(a, b) with the semantics of Go's built-in min, by
// the same reasoning as maxGo: OR of both VMINPS orders keeps -0 when
// either operand is -0, and OR with the unordered mask makes NaN lanes NaN.
func minGo(a, b, r, t1, t2 Op) {
	VMINPS(a, b, t1)
	VMINPS(b, a, t2)
	VORPS(t1, t2, r)
	VCMPPS(Imm(3), a, b, t1)
	VORPS(t1, r, r)
}

func main() {
	ConstraintExpr("!purego")
	maxRows()
	maxPairs()
	maxPool3x3Stride2()
	maxPool3x3Stride2AVX512()
	clamp()
	planeMeans()
	Generate()
}

func clamp() {
	TEXT("clampAVX2", NOSPLIT, "func(dst, src []float32, lo, hi float32)")
	Doc(
		"clampAVX2 stores min(max(src[i], lo), hi) in dst[i] for i < len(src), with",
		"the semantics of Go's built-in min and max. It reads src[:len(src)],",
		"writes dst[:len(src)] and nothing else; the caller checks",
		"len(dst) >= len(src). dst may equal src. Requires AVX.",
	)
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("src").Len(), GP64())
	lo, hi := YMM(), YMM()
	l := Load(Param("lo"), XMM())
	h := Load(Param("hi"), XMM())
	VBROADCASTSS(l, lo)
	VBROADCASTSS(h, hi)

	Comment("One vector of 8 floats per iteration.")
	Label("vector")
	CMPQ(n, Imm(8))
	JL(LabelRef("tail"))
	x, m, r := YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: src}, x)
	maxGo(x, lo, m, YMM(), YMM())
	minGo(m, hi, r, YMM(), YMM())
	VMOVUPS(r, Mem{Base: dst})
	ADDQ(Imm(32), src)
	ADDQ(Imm(32), dst)
	SUBQ(Imm(8), n)
	JMP(LabelRef("vector"))

	Comment("Tail of fewer than 8 floats, one at a time with the same operations.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	xs, ms, rs := XMM(), XMM(), XMM()
	VMOVSS(Mem{Base: src}, xs)
	maxGo(xs, lo.AsX(), ms, XMM(), XMM())
	minGo(ms, hi.AsX(), rs, XMM(), XMM())
	VMOVSS(rs, Mem{Base: dst})
	ADDQ(Imm(4), src)
	ADDQ(Imm(4), dst)
	DECQ(n)
	JMP(LabelRef("tail"))

	Label("done")
	VZEROUPPER()
	RET()
}

func maxRows() {
	TEXT("maxRowsAVX2", NOSPLIT, "func(dst, x, y []float32)")
	Doc(
		"maxRowsAVX2 stores max(x[i], y[i]) in dst[i] for i < len(dst), with Go's",
		"max semantics. It reads x[:len(dst)] and y[:len(dst)], writes",
		"dst[:len(dst)] and nothing else; the caller checks that x and y are at",
		"least as long as dst. dst may equal x or y. Requires AVX.",
	)

	dst := Load(Param("dst").Base(), GP64())
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())

	Comment("Main loop: 16 floats per iteration, two independent vectors.")
	Label("block")
	CMPQ(n, Imm(16))
	JL(LabelRef("vector"))
	var rs [2]VecVirtual
	for u := range rs {
		a, b := YMM(), YMM()
		rs[u] = YMM()
		VMOVUPS(Mem{Base: x, Disp: 32 * u}, a)
		VMOVUPS(Mem{Base: y, Disp: 32 * u}, b)
		maxGo(a, b, rs[u], YMM(), YMM())
	}
	for u := range rs {
		VMOVUPS(rs[u], Mem{Base: dst, Disp: 32 * u})
	}
	ADDQ(Imm(64), x)
	ADDQ(Imm(64), y)
	ADDQ(Imm(64), dst)
	SUBQ(Imm(16), n)
	JMP(LabelRef("block"))

	Comment("One vector of 8 floats.")
	Label("vector")
	CMPQ(n, Imm(8))
	JL(LabelRef("tail"))
	a, b, r := YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: x}, a)
	VMOVUPS(Mem{Base: y}, b)
	maxGo(a, b, r, YMM(), YMM())
	VMOVUPS(r, Mem{Base: dst})
	ADDQ(Imm(32), x)
	ADDQ(Imm(32), y)
	ADDQ(Imm(32), dst)
	SUBQ(Imm(8), n)

	Comment("Tail of fewer than 8 floats, one at a time with the same operations.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	xa, xb, xr := XMM(), XMM(), XMM()
	VMOVSS(Mem{Base: x}, xa)
	VMOVSS(Mem{Base: y}, xb)
	maxGo(xa, xb, xr, XMM(), XMM())
	VMOVSS(xr, Mem{Base: dst})
	ADDQ(Imm(4), x)
	ADDQ(Imm(4), y)
	ADDQ(Imm(4), dst)
	DECQ(n)
	JMP(LabelRef("tail"))

	Label("done")
	VZEROUPPER()
	RET()
}

func maxPairs() {
	TEXT("maxPairsAVX2", NOSPLIT, "func(dst, src []float32)")
	Doc(
		"maxPairsAVX2 stores max(src[2i], src[2i+1]) in dst[i] for i < len(dst),",
		"with Go's max semantics. It reads src[:2*len(dst)], writes dst[:len(dst)]",
		"and nothing else; the caller checks len(src) >= 2*len(dst). dst must not",
		"overlap src. Requires AVX and AVX2.",
	)

	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())

	Comment("Main loop: 8 outputs from 16 inputs per iteration.")
	Label("vector")
	CMPQ(n, Imm(8))
	JL(LabelRef("tail"))
	v0, v1 := YMM(), YMM()
	VMOVUPS(Mem{Base: src}, v0)
	VMOVUPS(Mem{Base: src, Disp: 32}, v1)

	// Within each 128-bit lane, VSHUFPS picks elements 0 and 2 (0x88) or
	// 1 and 3 (0xDD) of v0 followed by the same of v1. The 64-bit quarters
	// of the result then hold the pairs (0,1), (4,5), (2,3), (6,7);
	// VPERMPD 0xD8 puts the quarters back in order 0, 2, 1, 3.
	even, odd, r := YMM(), YMM(), YMM()
	VSHUFPS(Imm(0x88), v1, v0, even)
	VSHUFPS(Imm(0xDD), v1, v0, odd)
	maxGo(even, odd, r, YMM(), YMM())
	VPERMPD(Imm(0xD8), r, r)
	VMOVUPS(r, Mem{Base: dst})
	ADDQ(Imm(64), src)
	ADDQ(Imm(32), dst)
	SUBQ(Imm(8), n)
	JMP(LabelRef("vector"))

	Comment("Tail of fewer than 8 outputs, one at a time with the same operations.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	xa, xb, xr := XMM(), XMM(), XMM()
	VMOVSS(Mem{Base: src}, xa)
	VMOVSS(Mem{Base: src, Disp: 4}, xb)
	maxGo(xa, xb, xr, XMM(), XMM())
	VMOVSS(xr, Mem{Base: dst})
	ADDQ(Imm(8), src)
	ADDQ(Imm(4), dst)
	DECQ(n)
	JMP(LabelRef("tail"))

	Label("done")
	VZEROUPPER()
	RET()
}
