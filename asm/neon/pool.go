package main

import "github.com/simdnn/simdnn/asm/neon/emit"

// Both pooling kernels compute every maximum with FMAX (vector), which
// matches Go's built-in max lane by lane (see emit.FMAX), in the main
// loop and in the tails alike, so the result does not depend on an
// element's position.

func generatePool(f *emit.File) {
	generateMaxRows(f)
	generateMaxPairs(f)
}

func generateMaxRows(f *emit.File) {
	fn := f.Func("maxRowsNEON",
		[]emit.Param{{Name: "dst", Type: "[]float32"}, {Name: "x", Type: "[]float32"}, {Name: "y", Type: "[]float32"}},
		"maxRowsNEON stores max(x[i], y[i]) in dst[i] for i < len(dst), with Go's",
		"max semantics. It reads x[:len(dst)] and y[:len(dst)], writes",
		"dst[:len(dst)] and nothing else; the caller checks that x and y are at",
		"least as long as dst. dst may equal x or y. Uses ASIMD only.",
	)

	// Registers: R0 dst, R1 x, R2 y, R3 elements left; V0–V3 x, V4–V7 y.
	fn.Inst("MOVD", fn.Base("dst"), "R0")
	fn.Inst("MOVD", fn.Base("x"), "R1")
	fn.Inst("MOVD", fn.Base("y"), "R2")
	fn.Inst("MOVD", fn.Len("dst"), "R3")

	fn.Comment("Main loop: 16 floats per iteration, four independent registers.")
	fn.Label("block")
	fn.Inst("CMP", "$16", "R3")
	fn.Inst("BLT", "vector")
	fn.Inst("VLD1.P", "64(R1)", emit.List(0, 4))
	fn.Inst("VLD1.P", "64(R2)", emit.List(4, 4))
	for u := emit.VReg(0); u < 4; u++ {
		fn.Word(emit.FMAX(u, u, u+4))
	}
	fn.Inst("VST1.P", emit.List(0, 4), "64(R0)")
	fn.Inst("SUB", "$16", "R3")
	fn.Inst("B", "block")

	fn.Comment("One register of 4 floats at a time.")
	fn.Label("vector")
	fn.Inst("CMP", "$4", "R3")
	fn.Inst("BLT", "tail")
	fn.Inst("VLD1.P", "16(R1)", emit.List(0, 1))
	fn.Inst("VLD1.P", "16(R2)", emit.List(4, 1))
	fn.Word(emit.FMAX(0, 0, 4))
	fn.Inst("VST1.P", emit.List(0, 1), "16(R0)")
	fn.Inst("SUB", "$4", "R3")
	fn.Inst("B", "vector")

	fn.Comment(
		"Tail of fewer than 4 floats, one at a time in lane 0 with the same",
		"instruction. FMOVS loads one float and clears the other lanes.",
	)
	fn.Label("tail")
	fn.Inst("CBZ", "R3", "done")
	fn.Inst("FMOVS.P", "4(R1)", emit.VReg(0).F())
	fn.Inst("FMOVS.P", "4(R2)", emit.VReg(4).F())
	fn.Word(emit.FMAX(0, 0, 4))
	fn.Inst("FMOVS.P", emit.VReg(0).F(), "4(R0)")
	fn.Inst("SUB", "$1", "R3")
	fn.Inst("B", "tail")

	fn.Label("done")
	fn.Inst("RET")
}

func generateMaxPairs(f *emit.File) {
	fn := f.Func("maxPairsNEON",
		[]emit.Param{{Name: "dst", Type: "[]float32"}, {Name: "src", Type: "[]float32"}},
		"maxPairsNEON stores max(src[2i], src[2i+1]) in dst[i] for i < len(dst),",
		"with Go's max semantics. It reads src[:2*len(dst)], writes dst[:len(dst)]",
		"and nothing else; the caller checks len(src) >= 2*len(dst). dst must not",
		"overlap src. Uses ASIMD only.",
	)

	// Registers: R0 dst, R1 src, R2 outputs left; V0–V3 the deinterleaved
	// inputs, V4–V5 the outputs.
	fn.Inst("MOVD", fn.Base("dst"), "R0")
	fn.Inst("MOVD", fn.Base("src"), "R1")
	fn.Inst("MOVD", fn.Len("dst"), "R2")

	fn.Comment(
		"Main loop: 8 outputs from 16 inputs per iteration. VLD2 deinterleaves",
		"8 floats into the even-indexed ones (first register) and the",
		"odd-indexed ones (second), so one FMAX of the two gives 4 outputs in order.",
	)
	fn.Label("block")
	fn.Inst("CMP", "$8", "R2")
	fn.Inst("BLT", "vector")
	fn.Inst("VLD2.P", "32(R1)", emit.List(0, 2))
	fn.Inst("VLD2.P", "32(R1)", emit.List(2, 2))
	fn.Word(emit.FMAX(4, 0, 1))
	fn.Word(emit.FMAX(5, 2, 3))
	fn.Inst("VST1.P", emit.List(4, 2), "32(R0)")
	fn.Inst("SUB", "$8", "R2")
	fn.Inst("B", "block")

	fn.Comment("One register of 4 outputs, at most once after the main loop.")
	fn.Label("vector")
	fn.Inst("CMP", "$4", "R2")
	fn.Inst("BLT", "tail")
	fn.Inst("VLD2.P", "32(R1)", emit.List(0, 2))
	fn.Word(emit.FMAX(4, 0, 1))
	fn.Inst("VST1.P", emit.List(4, 1), "16(R0)")
	fn.Inst("SUB", "$4", "R2")

	fn.Comment(
		"Tail of fewer than 4 outputs, one at a time in lane 0 with the same",
		"instruction. FMOVS loads one float and clears the other lanes.",
	)
	fn.Label("tail")
	fn.Inst("CBZ", "R2", "done")
	fn.Inst("FMOVS.P", "4(R1)", emit.VReg(0).F())
	fn.Inst("FMOVS.P", "4(R1)", emit.VReg(1).F())
	fn.Word(emit.FMAX(4, 0, 1))
	fn.Inst("FMOVS.P", emit.VReg(4).F(), "4(R0)")
	fn.Inst("SUB", "$1", "R2")
	fn.Inst("B", "tail")

	fn.Label("done")
	fn.Inst("RET")
}
