// Command relu generates the AVX2 elementwise kernels: ReLU, a sum
// followed by an optional ReLU (residual connections), and the split of
// a row into its even and odd elements (the padded copy of a stride-2
// convolution's input).
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// unroll is the number of YMM registers (8 floats each) per iteration of
// the main loop: enough independent loads to cover their latency.
const unroll = 4

func main() {
	ConstraintExpr("!purego")
	relu()
	addReLU()
	deinterleave()
	Generate()
}

// relu emits reluAVX2.
func relu() {
	TEXT("reluAVX2", NOSPLIT, "func(dst, src []float32)")
	Doc(
		"reluAVX2 stores 0 in dst[i] where src[i] < 0 and src[i] elsewhere, for",
		"i < len(src), so NaN and -0 pass through unchanged. It reads src[:len(src)]",
		"and writes dst[:len(src)], nothing else; the caller checks",
		"len(dst) >= len(src). dst may equal src. Requires AVX.",
	)

	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("src").Len(), GP64())

	// VMAXPS returns its first (Go-order) operand, x, unless the second,
	// zero, is greater. That is x < 0 ? 0 : x, as PyTorch's ReLU computes
	// it: NaN (unordered, so never less than 0) and -0 (equal to 0) come
	// through unchanged.
	zero := YMM()
	VXORPS(zero, zero, zero)

	elementwiseLoop(n, dst, []Register{src}, func(disp int) VecVirtual {
		y := YMM()
		VMAXPS(Mem{Base: src, Disp: disp}, zero, y)
		return y
	}, func() VecVirtual {
		x := XMM()
		VMOVSS(Mem{Base: src}, x)
		VMAXSS(x, zero.AsX(), x)
		return x
	})
}

// addReLU emits addReLUAVX2. The sum is VADDPS with x as the first
// source, which returns x's NaN when both operands are NaN, as the
// scalar ADDSS of Go's x[i] + y[i] does, so the kernel matches the Go
// loop bit for bit. ReLU is reluAVX2's VMAXPS.
func addReLU() {
	TEXT("addReLUAVX2", NOSPLIT, "func(dst, x, y []float32, relu bool)")
	Doc(
		"addReLUAVX2 stores x[i] + y[i] in dst[i] for i < len(dst), then, if relu is",
		"set, 0 where that sum is below 0, keeping NaN and -0. It reads",
		"x[:len(dst)] and y[:len(dst)], writes dst[:len(dst)] and nothing else.",
		"The caller checks that x and y are at least as long as dst. dst may",
		"equal x or y. Requires AVX2.",
	)
	dst := Load(Param("dst").Base(), GP64())
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	relu := Load(Param("relu"), GP8())

	// zero is 0 for ReLU, and -Inf without it: max(s, -Inf) is s for
	// every s, NaN and -0 included, so one loop serves both.
	zero := YMM()
	VXORPS(zero, zero, zero)
	TESTB(relu, relu)
	JNZ(LabelRef("block"))
	VCMPPS(Imm(0), zero, zero, zero)
	VPSLLD(Imm(23), zero, zero)

	elementwiseLoop(n, dst, []Register{x, y}, func(disp int) VecVirtual {
		v := YMM()
		VMOVUPS(Mem{Base: x, Disp: disp}, v)
		VADDPS(Mem{Base: y, Disp: disp}, v, v)
		VMAXPS(v, zero, v)
		return v
	}, func() VecVirtual {
		s := XMM()
		VMOVSS(Mem{Base: x}, s)
		VADDSS(Mem{Base: y}, s, s)
		VMAXSS(s, zero.AsX(), s)
		return s
	})
}

// elementwiseLoop emits the loops of an elementwise kernel over n floats:
// unroll vectors of 8 per iteration, then single vectors, then a scalar
// tail with the same operations. vector computes the 8 results at byte
// displacement disp from the input pointers into a new YMM register, and
// scalar the one result at the pointers into a new XMM register. The
// loop stores them to dst and advances inputs and dst together.
func elementwiseLoop(n, dst Register, inputs []Register, vector func(disp int) VecVirtual, scalar func() VecVirtual) {
	advance := func(bytes int) {
		step := Op(U32(bytes))
		if bytes < 128 {
			step = Imm(uint64(bytes))
		}
		for _, p := range inputs {
			ADDQ(step, p)
		}
		ADDQ(step, dst)
	}

	Comment("Main loop: 8*unroll floats per iteration.")
	Label("block")
	CMPQ(n, U32(8*unroll))
	JL(LabelRef("vector"))
	ys := make([]VecVirtual, unroll)
	for u := range ys {
		ys[u] = vector(32 * u)
	}
	for u := range ys {
		VMOVUPS(ys[u], Mem{Base: dst, Disp: 32 * u})
	}
	advance(32 * unroll)
	SUBQ(U32(8*unroll), n)
	JMP(LabelRef("block"))

	Comment("One vector of 8 floats at a time.")
	Label("vector")
	CMPQ(n, Imm(8))
	JL(LabelRef("tail"))
	VMOVUPS(vector(0), Mem{Base: dst})
	advance(32)
	SUBQ(Imm(8), n)
	JMP(LabelRef("vector"))

	Comment("Tail of fewer than 8 floats, one at a time with the same operations.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	VMOVSS(scalar(), Mem{Base: dst})
	advance(4)
	DECQ(n)
	JMP(LabelRef("tail"))

	Label("done")
	VZEROUPPER()
	RET()
}

// deinterleave emits deinterleaveAVX2. Each iteration loads 16 floats
// s0..s15 into two YMM registers: low = s0..s7 and high = s8..s15.
// Within each 128-bit lane, VSHUFPS picks elements 0 and 2 (or 1 and 3)
// of low and then of high, so the even ones come out as
// s0 s2 s8 s10 | s4 s6 s12 s14. VPERMPD then swaps the middle two 64-bit
// pairs, which puts them in order: s0 s2 s4 s6 s8 s10 s12 s14.
func deinterleave() {
	TEXT("deinterleaveAVX2", NOSPLIT, "func(even, odd, src []float32)")
	Doc(
		"deinterleaveAVX2 stores src[2*i] in even[i] and src[2*i+1] in odd[i] for",
		"i < len(even). It reads src[:2*len(even)], writes even[:len(even)] and",
		"odd[:len(even)], nothing else. The caller checks that odd has at least",
		"len(even) elements and src at least twice that many. Requires AVX2.",
	)
	even := Load(Param("even").Base(), GP64())
	odd := Load(Param("odd").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("even").Len(), GP64())

	Comment("Main loop: 8 pairs per iteration.")
	Label("block")
	CMPQ(n, Imm(8))
	JL(LabelRef("tail"))
	low, high, evens, odds := YMM(), YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: src}, low)
	VMOVUPS(Mem{Base: src, Disp: 32}, high)
	VSHUFPS(Imm(0x88), high, low, evens)
	VSHUFPS(Imm(0xdd), high, low, odds)
	VPERMPD(Imm(0xd8), evens, evens)
	VPERMPD(Imm(0xd8), odds, odds)
	VMOVUPS(evens, Mem{Base: even})
	VMOVUPS(odds, Mem{Base: odd})
	ADDQ(Imm(64), src)
	ADDQ(Imm(32), even)
	ADDQ(Imm(32), odd)
	SUBQ(Imm(8), n)
	JMP(LabelRef("block"))

	Comment("Tail of fewer than 8 pairs, one pair at a time.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	scalar := XMM()
	VMOVSS(Mem{Base: src}, scalar)
	VMOVSS(scalar, Mem{Base: even})
	VMOVSS(Mem{Base: src, Disp: 4}, scalar)
	VMOVSS(scalar, Mem{Base: odd})
	ADDQ(Imm(8), src)
	ADDQ(Imm(4), even)
	ADDQ(Imm(4), odd)
	DECQ(n)
	JMP(LabelRef("tail"))

	Label("done")
	VZEROUPPER()
	RET()
}
