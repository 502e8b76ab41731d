package main

import (
	"fmt"

	"github.com/simdnn/simdnn/asm/neon/emit"
)

// reluUnroll is the number of registers (4 floats each) per iteration of
// the ReLU main loop: one VLD1 and one VST1 of four registers each.
const reluUnroll = 4

func generateReLU(f *emit.File) {
	fn := f.Func("reluNEON",
		[]emit.Param{{Name: "dst", Type: "[]float32"}, {Name: "src", Type: "[]float32"}},
		"reluNEON stores 0 in dst[i] where src[i] < 0 and src[i] elsewhere, for",
		"i < len(src), so NaN and -0 pass through unchanged. It reads src[:len(src)]",
		"and writes dst[:len(src)], nothing else; the caller checks",
		"len(dst) >= len(src). dst may equal src. Uses ASIMD only.",
	)

	// Registers: R0 dst, R1 src, R2 elements left; V0–V3 data, V4–V7 the
	// masks of the negative lanes, V31 zero.
	zero := emit.VReg(31)
	fn.Inst("MOVD", fn.Base("dst"), "R0")
	fn.Inst("MOVD", fn.Base("src"), "R1")
	fn.Inst("MOVD", fn.Len("src"), "R2")
	fn.Comment(
		"x < 0 ? 0 : x, as PyTorch's ReLU computes it, is two instructions:",
		"FCMLT sets a mask of the lanes below zero (an ordered compare, so",
		"false for NaN and -0) and VBIT inserts the zero register's bits",
		"under that mask. FMAX(x, 0) would turn -0 into +0. The main loop,",
		"the single vectors and the tail all use the same two instructions,",
		"so the result does not depend on an element's position.",
	)
	fn.Inst("VEOR", zero.B16(), zero.B16(), zero.B16())

	block := reluUnroll * lanes
	fn.Comment(fmt.Sprintf("Main loop: %d floats per iteration.", block))
	fn.Label("block")
	fn.Inst("CMP", fmt.Sprintf("$%d", block), "R2")
	fn.Inst("BLT", "vector")
	fn.Inst("VLD1.P", fmt.Sprintf("%d(R1)", 4*block), emit.List(0, reluUnroll))
	for u := 0; u < reluUnroll; u++ {
		v := emit.VReg(u)
		fn.Word(emit.FCMLTZero(v+reluUnroll, v))
	}
	for u := 0; u < reluUnroll; u++ {
		reluMask(fn, emit.VReg(u), emit.VReg(u+reluUnroll), zero)
	}
	fn.Inst("VST1.P", emit.List(0, reluUnroll), fmt.Sprintf("%d(R0)", 4*block))
	fn.Inst("SUB", fmt.Sprintf("$%d", block), "R2")
	fn.Inst("B", "block")

	fn.Comment("One register of 4 floats at a time.")
	fn.Label("vector")
	fn.Inst("CMP", "$4", "R2")
	fn.Inst("BLT", "tail")
	fn.Inst("VLD1.P", "16(R1)", emit.List(0, 1))
	fn.Word(emit.FCMLTZero(4, 0))
	reluMask(fn, 0, 4, zero)
	fn.Inst("VST1.P", emit.List(0, 1), "16(R0)")
	fn.Inst("SUB", "$4", "R2")
	fn.Inst("B", "vector")

	fn.Comment(
		"Tail of fewer than 4 floats, one at a time in lane 0 with the same",
		"instructions. FMOVS loads one float and clears the other lanes.",
	)
	fn.Label("tail")
	fn.Inst("CBZ", "R2", "done")
	fn.Inst("FMOVS.P", "4(R1)", emit.VReg(0).F())
	fn.Word(emit.FCMLTZero(4, 0))
	reluMask(fn, 0, 4, zero)
	fn.Inst("FMOVS.P", emit.VReg(0).F(), "4(R0)")
	fn.Inst("SUB", "$1", "R2")
	fn.Inst("B", "tail")

	fn.Label("done")
	fn.Inst("RET")
}

// reluMask emits x = mask ? zero : x, bit by bit. Go's VBIT takes the
// operands in reverse Arm order: VBIT mask, zero, x is BIT x, zero, mask.
func reluMask(fn *emit.Func, x, mask, zero emit.VReg) {
	fn.Inst("VBIT", mask.B16(), zero.B16(), x.B16())
}
