package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// planeMeans emits planeMeansAVX2, the global average pooling of planes
// of size floats. It sums each plane in float64 exactly as the portable
// planeSumGeneric does: element j of the plane goes to partial sum j%8, in
// order, and the partial sums are added as ((s0+s1)+(s2+s3)) +
// ((s4+s5)+(s6+s7)). Two YMM registers hold the eight partial sums, so
// each group of 8 floats costs two conversions and two additions. A
// plane's additions form one chain of dependent VADDPDs, but the planes
// are independent, so the out-of-order core overlaps consecutive planes.
func planeMeans() {
	TEXT("planeMeansAVX2", NOSPLIT, "func(dst, src []float32, size int)")
	Doc(
		"planeMeansAVX2 stores in dst[i], for i < len(dst), the mean of",
		"src[i*size:(i+1)*size] as planeMeansGeneric computes it, bit for",
		"bit except for which NaN a plane with several NaNs gives. It reads",
		"src[:len(dst)*size], writes dst[:len(dst)] and nothing else. The",
		"caller checks that size >= 1 and that src is long enough. Requires AVX",
		"and AVX2.",
	)
	dst := Load(Param("dst").Base(), GP64())
	planes := Load(Param("dst").Len(), GP64())
	src := Load(Param("src").Base(), GP64())
	size := Load(Param("size"), GP64())

	Comment("divisor = float64(size).")
	divisor := XMM()
	VXORPD(divisor, divisor, divisor)
	VCVTSI2SDQ(size, divisor, divisor)

	// The last size%8 floats of a plane, the tail, go to the first
	// size%8 partial sums. A masked load reads only those floats, so
	// nothing past the plane is touched, and a blend adds them to those
	// sums alone: adding the +0 of an empty lane would turn a -0 sum into
	// +0. tailMasks holds eight all-ones words and then eight zero words,
	// so the 8 words from word 8-tail on are tail ones and then zeros.
	Comment("Tail masks: float32 lanes (4 + 4) and float64 lanes (4 + 4).")
	tail := GP64()
	MOVQ(size, tail)
	ANDQ(Imm(7), tail)
	skip := GP64()
	MOVQ(U64(8), skip)
	SUBQ(tail, skip)
	table := GP64()
	LEAQ(tailMasks(), table)
	mask32 := YMM()
	VMOVDQU(Mem{Base: table, Index: skip, Scale: 4}, mask32)
	maskLo32, maskHi32 := XMM(), XMM()
	VMOVDQA(mask32.AsX(), maskLo32)
	VEXTRACTI128(Imm(1), mask32, maskHi32)
	maskLo64, maskHi64 := YMM(), YMM()
	VPMOVSXDQ(maskLo32, maskLo64)
	VPMOVSXDQ(maskHi32, maskHi64)

	Comment("Bytes of a plane's whole groups of 8 floats, and of the whole plane.")
	groups := GP64()
	MOVQ(size, groups)
	SUBQ(tail, groups)
	SHLQ(Imm(2), groups)
	planeBytes := GP64()
	MOVQ(size, planeBytes)
	SHLQ(Imm(2), planeBytes)

	// Register map: acc0 holds partial sums 0–3, acc1 sums 4–7; x0 and
	// x1 the converted halves of a group of 8 floats. p walks the plane
	// and end marks where its groups of 8 stop.
	acc0, acc1 := YMM(), YMM()
	x0, x1 := YMM(), YMM()
	p, end := GP64(), GP64()

	Label("plane")
	TESTQ(planes, planes)
	JZ(LabelRef("done"))
	VXORPD(acc0, acc0, acc0)
	VXORPD(acc1, acc1, acc1)
	MOVQ(src, p)
	LEAQ(Mem{Base: src, Index: groups, Scale: 1}, end)

	Label("group")
	CMPQ(p, end)
	JAE(LabelRef("tail"))
	VCVTPS2PD(Mem{Base: p}, x0)
	VCVTPS2PD(Mem{Base: p, Disp: 16}, x1)
	VADDPD(x0, acc0, acc0)
	VADDPD(x1, acc1, acc1)
	ADDQ(Imm(32), p)
	JMP(LabelRef("group"))

	Label("tail")
	TESTQ(tail, tail)
	JZ(LabelRef("reduce"))
	lo, hi := XMM(), XMM()
	VMASKMOVPS(Mem{Base: p}, maskLo32, lo)
	VMASKMOVPS(Mem{Base: p, Disp: 16}, maskHi32, hi)
	VCVTPS2PD(lo, x0)
	VCVTPS2PD(hi, x1)
	VADDPD(x0, acc0, x0)
	VADDPD(x1, acc1, x1)
	VBLENDVPD(maskLo64, x0, acc0, acc0)
	VBLENDVPD(maskHi64, x1, acc1, acc1)

	// VHADDPD gives [s0+s1, s4+s5, s2+s3, s6+s7] (each pair added in
	// the other order, which gives the same sum), so adding its halves
	// gives [(s0+s1)+(s2+s3), (s4+s5)+(s6+s7)].
	Label("reduce")
	Comment("sum = ((s0+s1)+(s2+s3)) + ((s4+s5)+(s6+s7)); *dst = float32(sum / divisor).")
	h := YMM()
	VHADDPD(acc1, acc0, h)
	upper := XMM()
	VEXTRACTF128(Imm(1), h, upper)
	halves := XMM()
	VADDPD(upper, h.AsX(), halves)
	swapped := XMM()
	VPERMILPD(Imm(1), halves, swapped)
	sum := XMM()
	VADDSD(swapped, halves, sum)
	VDIVSD(divisor, sum, sum)
	VCVTSD2SS(sum, sum, sum)
	VMOVSS(sum, Mem{Base: dst})

	ADDQ(planeBytes, src)
	ADDQ(Imm(4), dst)
	DECQ(planes)
	JMP(LabelRef("plane"))

	Label("done")
	VZEROUPPER()
	RET()
}

// tailMasks returns the table of tail masks: eight words of all ones,
// then eight zero words. It is emitted on the first call.
func tailMasks() Mem {
	if tailMaskTable == nil {
		m := GLOBL("planeTailMasks", RODATA|NOPTR)
		for i := 0; i < 16; i++ {
			word := U32(0)
			if i < 8 {
				word = U32(0xffffffff)
			}
			DATA(4*i, word)
		}
		tailMaskTable = &m
	}
	return *tailMaskTable
}

var tailMaskTable *Mem
