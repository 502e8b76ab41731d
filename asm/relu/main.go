// Command relu generates the AVX2 ReLU kernel.
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

	TEXT("reluAVX2", NOSPLIT, "func(dst, src []float32)")
	Doc(
		"reluAVX2 stores max(src[i], 0) in dst[i] for i < len(src), with Go's max",
		"semantics (NaN stays NaN, -0 becomes +0). It reads src[:len(src)] and",
		"writes dst[:len(src)], nothing else; the caller checks len(dst) >= len(src).",
		"dst may equal src. Requires AVX.",
	)

	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("src").Len(), GP64())

	// relu: VMAXPS returns its first (Go-order) operand, x, unless the
	// second, zero, is greater; so NaN and -0 come through as themselves.
	// Adding +0 then turns -0 into +0 and leaves every other value, NaN
	// included, unchanged, which is exactly Go's max(x, 0).
	zero := YMM()
	VXORPS(zero, zero, zero)

	Comment("Main loop: 8*unroll floats per iteration.")
	Label("block")
	CMPQ(n, U32(8*unroll))
	JL(LabelRef("vector"))
	ys := make([]VecVirtual, unroll)
	for u := range ys {
		ys[u] = YMM()
		VMAXPS(Mem{Base: src, Disp: 32 * u}, zero, ys[u])
		VADDPS(zero, ys[u], ys[u])
	}
	for u := range ys {
		VMOVUPS(ys[u], Mem{Base: dst, Disp: 32 * u})
	}
	ADDQ(U32(32*unroll), src)
	ADDQ(U32(32*unroll), dst)
	SUBQ(U32(8*unroll), n)
	JMP(LabelRef("block"))

	Comment("One vector of 8 floats at a time.")
	Label("vector")
	CMPQ(n, Imm(8))
	JL(LabelRef("tail"))
	y := YMM()
	VMAXPS(Mem{Base: src}, zero, y)
	VADDPS(zero, y, y)
	VMOVUPS(y, Mem{Base: dst})
	ADDQ(Imm(32), src)
	ADDQ(Imm(32), dst)
	SUBQ(Imm(8), n)
	JMP(LabelRef("vector"))

	Comment("Tail of fewer than 8 floats, one at a time with the same operations.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	x := XMM()
	VMOVSS(Mem{Base: src}, x)
	VMAXSS(x, zero.AsX(), x)
	VADDSS(zero.AsX(), x, x)
	VMOVSS(x, Mem{Base: dst})
	ADDQ(Imm(4), src)
	ADDQ(Imm(4), dst)
	DECQ(n)
	JMP(LabelRef("tail"))

	Label("done")
	VZEROUPPER()
	RET()

	Generate()
}
