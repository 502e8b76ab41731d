package main

import (
	"fmt"

	"github.com/simdnn/simdnn/asm/neon/emit"
)

// tapStages are the numbers of 4-float accumulators of the row kernel's
// loops, largest first. Each tap adds one FMLA to every accumulator, so
// the 8 accumulators of the first stage are independent chains, as many
// as the FMLA latency times the issue rate (an estimate of 4 cycles times
// 2 per cycle for Neoverse N1-class cores, not measured here). The
// smaller stages finish a row in few latency-bound steps: a 56-float row
// takes one step each of 32, 16 and 8.
var tapStages = []int{8, 4, 2, 1}

// Register map of tapsRowNEON:
//
//	R0 dst, R1 outputs left, R2 src at the current output, R3 offsets,
//	R4 taps, R5 weights, R6 relu, R7 the current entry of offsets,
//	R8 the current tap's source address, R9 the current weight,
//	R10 taps left
//	V0–V7    accumulators
//	V8–V15   source floats of the current tap
//	V16–V23  ReLU masks
//	V29      the current weight in every lane
//	V30      zero, for ReLU
//	V31      bias in every lane
const (
	tapAcc    emit.VReg = 0
	tapSrc    emit.VReg = 8
	tapMask   emit.VReg = 16
	tapWeight emit.VReg = 29
	tapZero   emit.VReg = 30
	tapBias   emit.VReg = 31
)

func generateDepthwise(f *emit.File) {
	fn := f.Func("tapsRowNEON",
		[]emit.Param{
			{Name: "dst", Type: "[]float32"},
			{Name: "src", Type: "[]float32"},
			{Name: "offsets", Type: "[]int"},
			{Name: "weights", Type: "[]float32"},
			{Name: "bias", Type: "float32"},
			{Name: "relu", Type: "bool"},
		},
		"tapsRowNEON stores bias + sum over t of weights[t]*src[offsets[t]+x] in",
		"dst[x] for x < len(dst), adding the taps in order t = 0, 1, … with fused",
		"multiply-add, then, if relu is set, replaces results below 0 with 0 (NaN",
		"and -0 pass through). It reads weights[:len(offsets)] and",
		"src[offsets[t]:offsets[t]+len(dst)] for each t, writes dst[:len(dst)] and",
		"nothing else; the caller checks those bounds and that len(offsets) >= 1,",
		"because each tap loop runs its first step unconditionally. dst must not",
		"overlap src. Uses ASIMD only.",
	)

	fn.Inst("MOVD", fn.Base("dst"), "R0")
	fn.Inst("MOVD", fn.Len("dst"), "R1")
	fn.Inst("MOVD", fn.Base("src"), "R2")
	fn.Inst("MOVD", fn.Base("offsets"), "R3")
	fn.Inst("MOVD", fn.Len("offsets"), "R4")
	fn.Inst("MOVD", fn.Base("weights"), "R5")
	fn.Inst("MOVBU", fn.Arg("relu"), "R6")
	fn.Inst("FMOVS", fn.Arg("bias"), tapBias.F())
	fn.Inst("VDUP", fmt.Sprintf("V%d.S[0]", int(tapBias)), tapBias.S4())
	fn.Inst("VEOR", tapZero.B16(), tapZero.B16(), tapZero.B16())

	for _, blocks := range tapStages {
		tapStage(fn, blocks)
	}
	tapTail(fn)

	fn.Label("done")
	fn.Inst("RET")
}

// tapStage emits a loop that computes 4*blocks outputs per iteration while
// at least that many remain. Only the first stage can run more than once
// per row, but every stage loops so that correctness does not depend on
// the stage sizes.
func tapStage(fn *emit.Func, blocks int) {
	name := fmt.Sprint(blocks)
	outputs := lanes * blocks
	fn.Comment(fmt.Sprintf("Stage of %d outputs per iteration.", outputs))
	fn.Label("stage" + name)
	fn.Inst("CMP", fmt.Sprintf("$%d", outputs), "R1")
	fn.Inst("BLT", "after"+name)
	for b := 0; b < blocks; b++ {
		fn.Inst("VMOV", tapBias.B16(), (tapAcc + emit.VReg(b)).B16())
	}
	tapLoopStart(fn, "tap"+name)
	for first := 0; first < blocks; first += 4 {
		count := min(4, blocks-first)
		fn.Inst("VLD1.P", fmt.Sprintf("%d(R8)", 16*count), emit.List(tapSrc+emit.VReg(first), count))
	}
	for b := 0; b < blocks; b++ {
		fn.Inst("VFMLA", (tapSrc + emit.VReg(b)).S4(), tapWeight.S4(), (tapAcc + emit.VReg(b)).S4())
	}
	tapLoopEnd(fn, "tap"+name)

	tapReLU(fn, blocks, "store"+name)
	fn.Label("store" + name)
	for first := 0; first < blocks; first += 4 {
		count := min(4, blocks-first)
		fn.Inst("VST1.P", emit.List(tapAcc+emit.VReg(first), count), fmt.Sprintf("%d(R0)", 16*count))
	}
	fn.Inst("ADD", fmt.Sprintf("$%d", 4*outputs), "R2")
	fn.Inst("SUB", fmt.Sprintf("$%d", outputs), "R1")
	fn.Inst("B", "stage"+name)
	fn.Label("after" + name)
}

// tapTail emits the loop over the last outputs, fewer than 4, one at a
// time in lane 0 with the same instructions.
func tapTail(fn *emit.Func) {
	fn.Comment(
		"Tail of fewer than 4 outputs, one at a time in lane 0 with the same",
		"instructions and tap order. FMOVS loads one float and clears the other lanes.",
	)
	fn.Label("tail")
	fn.Inst("CBZ", "R1", "done")
	fn.Inst("VMOV", tapBias.B16(), tapAcc.B16())
	tapLoopStart(fn, "tailTap")
	fn.Inst("FMOVS", "(R8)", tapSrc.F())
	fn.Inst("VFMLA", tapSrc.S4(), tapWeight.S4(), tapAcc.S4())
	tapLoopEnd(fn, "tailTap")
	tapReLU(fn, 1, "tailStore")
	fn.Label("tailStore")
	fn.Inst("FMOVS.P", tapAcc.F(), "4(R0)")
	fn.Inst("ADD", "$4", "R2")
	fn.Inst("SUB", "$1", "R1")
	fn.Inst("B", "tail")
}

// tapLoopStart emits the start of a loop over the taps: it rewinds the
// offset and weight pointers and, at label, loads the next tap's weight
// into every lane of V29 and its source address into R8.
func tapLoopStart(fn *emit.Func, label string) {
	fn.Inst("MOVD", "R3", "R7")
	fn.Inst("MOVD", "R5", "R9")
	fn.Inst("MOVD", "R4", "R10")
	fn.Label(label)
	fn.Inst("MOVD.P", "8(R7)", "R8")
	fn.Inst("ADD", "R8<<2", "R2", "R8")
	fn.Inst("VLD1R.P", "4(R9)", emit.List(tapWeight, 1))
}

// tapLoopEnd closes a loop that tapLoopStart opened at label.
func tapLoopEnd(fn *emit.Func, label string) {
	fn.Inst("SUB", "$1", "R10")
	fn.Inst("CBNZ", "R10", label)
}

// tapReLU emits, when the relu flag is set, x < 0 ? 0 : x on the first
// blocks accumulators with the instructions of reluNEON, and otherwise a
// branch to skip.
func tapReLU(fn *emit.Func, blocks int, skip string) {
	fn.Inst("CBZ", "R6", skip)
	for b := 0; b < blocks; b++ {
		fn.Word(emit.FCMLTZero(tapMask+emit.VReg(b), tapAcc+emit.VReg(b)))
	}
	for b := 0; b < blocks; b++ {
		reluMask(fn, tapAcc+emit.VReg(b), tapMask+emit.VReg(b), tapZero)
	}
}
