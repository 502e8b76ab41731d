// Command peak generates the FMA throughput loop that the benchmarks use
// as the machine's peak: the rate no float32 kernel on 256-bit vectors can
// exceed on one core.
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// chains is the number of independent FMA dependency chains. It must be at
// least latency × throughput of the FMA unit (5 × 1 on Zen 1, 4 × 2 on
// Zen 2 and later) so that the unit never waits for a result; 12 leaves a
// margin and 4 YMM registers for the operands.
const chains = 12

func main() {
	ConstraintExpr("!purego")

	TEXT("fmaPeakAVX2", NOSPLIT, "func(iterations int)")
	Doc(
		"fmaPeakAVX2 runs iterations × 12 independent 8-wide VFMADD231PS, 192",
		"floating-point operations per iteration, on registers only. It touches",
		"no memory. Requires AVX and FMA3.",
	)
	n := Load(Param("iterations"), GP64())

	acc := make([]VecPhysical, chains)
	for i := range acc {
		acc[i] = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}[i]
		VXORPS(acc[i], acc[i], acc[i])
	}
	// Multiplying by 1 and adding 0 keeps the accumulators finite and
	// constant, so no denormal or overflow slows the loop down.
	one, zero := Y12, Y13
	VXORPS(zero, zero, zero)
	c := GP32()
	MOVL(U32(0x3f800000), c) // 1.0f
	MOVD(c, one.AsX())
	VBROADCASTSS(one.AsX(), one)

	Label("loop")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	for _, y := range acc {
		VFMADD231PS(one, zero, y)
	}
	DECQ(n)
	JMP(LabelRef("loop"))

	Label("done")
	VZEROUPPER()
	RET()
	Generate()
}
