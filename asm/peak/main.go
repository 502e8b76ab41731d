// Command peak generates the FMA throughput loops that the benchmarks use
// as the machine's peak: the rate no float32 kernel can exceed on one
// core, with 256-bit vectors (AVX2) and with 512-bit ones (AVX-512).
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// chains is the number of independent FMA dependency chains. It must be at
// least latency × throughput of the FMA unit (5 × 1 on Zen 1, 4 × 2 on
// Zen 2 and later and on Intel's cores) so that the unit never waits for a
// result; 12 leaves a margin and free registers for the operands.
const chains = 12

func main() {
	ConstraintExpr("!purego")

	TEXT("fmaPeakAVX2", NOSPLIT, "func(iterations int)")
	Doc(
		"fmaPeakAVX2 runs iterations × 12 independent 8-wide VFMADD231PS, 192",
		"floating-point operations per iteration, on registers only. It touches",
		"no memory. Requires AVX and FMA3.",
	)
	peakLoop([]VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}, Y12, Y13, VXORPS)

	TEXT("fmaPeakAVX512", NOSPLIT, "func(iterations int)")
	Doc(
		"fmaPeakAVX512 runs iterations × 12 independent 16-wide VFMADD231PS, 384",
		"floating-point operations per iteration, on registers only. It touches",
		"no memory. Requires AVX512F.",
	)
	peakLoop([]VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11}, Z12, Z13, VPXORD)

	Generate()
}

// peakLoop emits the body of a peak function: zero the chains acc, then
// run iterations rounds of one FMA per chain. xor zeroes a register of
// acc's width (VXORPS on ZMM would need AVX512DQ).
func peakLoop(acc []VecPhysical, one, zero VecPhysical, xor func(...Op)) {
	// The docs of the generated functions and FlopsPerIteration in
	// internal/peak count on this number.
	if len(acc) != chains {
		panic(fmt.Sprintf("peak: %d chains, want %d", len(acc), chains))
	}
	n := Load(Param("iterations"), GP64())
	for _, v := range acc {
		xor(v, v, v)
	}

	// Multiplying by 1 and adding 0 keeps the accumulators finite and
	// constant, so no denormal or overflow slows the loop down.
	xor(zero, zero, zero)
	c := GP32()
	MOVL(U32(0x3f800000), c) // 1.0f
	MOVD(c, one.(Vec).AsX())
	VBROADCASTSS(one.(Vec).AsX(), one)

	Label("loop")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	for _, v := range acc {
		VFMADD231PS(one, zero, v)
	}
	DECQ(n)
	JMP(LabelRef("loop"))

	Label("done")
	VZEROUPPER()
	RET()
}
