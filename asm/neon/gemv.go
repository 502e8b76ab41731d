package main

import (
	"fmt"
	"math/bits"

	"github.com/simdnn/simdnn/asm/neon/emit"
)

// dotGroup is the number of dot products computed together: they share
// each load of x, and with two accumulators per row they make 8
// independent FMLA chains, which should cover the FMLA latency (an
// estimate, not measured here).
const dotGroup = 4

func generateGemv(f *emit.File) {
	generateDotRows(f)
	generateAxpy(f)
}

// Register map of dotRowsNEON:
//
//	R0 dst, R1 rows left, R2 x, R3 k, R4 w at the current row,
//	R5 ldw in bytes, R6 8-float steps per row (k/8), R7 tail length (k%8),
//	R8–R11 the rows of the group, R12 x at the current step,
//	R13 steps or tail elements left
//	V0–V1    8 floats of x
//	V2–V9    8 floats of each row: row r in V(2+2r), V(3+2r)
//	V16–V23  accumulators: row r, lanes 0–3 of each step in V(16+2r) and
//	         lanes 4–7 in V(17+2r); the sum ends in lane 0 of V(16+2r)
//	V24      scratch of the horizontal sum
const (
	dotX    emit.VReg = 0
	dotW    emit.VReg = 2
	dotAcc  emit.VReg = 16
	dotTemp emit.VReg = 24
)

// dotRowPointers are the general registers that point at the rows of a
// group.
var dotRowPointers = []string{"R8", "R9", "R10", "R11"}

func generateDotRows(f *emit.File) {
	fn := f.Func("dotRowsNEON",
		[]emit.Param{
			{Name: "dst", Type: "[]float32"},
			{Name: "x", Type: "[]float32"},
			{Name: "w", Type: "[]float32"},
			{Name: "ldw", Type: "int"},
		},
		"dotRowsNEON stores the dot product of x with row j of w, the floats",
		"w[j*ldw:j*ldw+len(x)], in dst[j] for j < len(dst). Each dot product sums",
		"8 lanes with fused multiply-add, then the lanes as",
		"((0+4)+(2+6))+((1+5)+(3+7)), then adds the tail of fewer than 8 with",
		"fused multiply-add, the order of the amd64 kernel. It reads x and those",
		"rows of w, writes dst and nothing else; the caller checks",
		"len(w) >= (len(dst)-1)*ldw+len(x). Uses ASIMD only.",
	)

	fn.Inst("MOVD", fn.Base("dst"), "R0")
	fn.Inst("MOVD", fn.Len("dst"), "R1")
	fn.Inst("MOVD", fn.Base("x"), "R2")
	fn.Inst("MOVD", fn.Len("x"), "R3")
	fn.Inst("MOVD", fn.Base("w"), "R4")
	fn.Inst("MOVD", fn.Arg("ldw"), "R5")
	fn.Inst("LSL", "$2", "R5", "R5")
	fn.Inst("LSR", "$3", "R3", "R6")
	fn.Inst("AND", "$7", "R3", "R7")

	fn.Comment(fmt.Sprintf("Dot products of %d rows at a time.", dotGroup))
	dotRowsLoop(fn, dotGroup, "4")

	fn.Comment(
		"Remaining rows, one at a time with the same operations, so that a",
		"row's result does not depend on the group it falls in.",
	)
	dotRowsLoop(fn, 1, "1")

	fn.Label("done")
	fn.Inst("RET")
}

// dotRowsLoop emits the loop that computes rows dot products per
// iteration while at least that many remain; suffix makes its labels
// unique.
func dotRowsLoop(fn *emit.Func, rows int, suffix string) {
	next := "done"
	if rows > 1 {
		next = "rows1"
	}
	fn.Label("rows" + suffix)
	if rows > 1 {
		fn.Inst("CMP", fmt.Sprintf("$%d", rows), "R1")
		fn.Inst("BLT", next)
	} else {
		fn.Inst("CBZ", "R1", next)
	}
	fn.Inst("MOVD", "R4", dotRowPointers[0])
	for r := 1; r < rows; r++ {
		fn.Inst("ADD", "R5", dotRowPointers[r-1], dotRowPointers[r])
	}
	for r := 0; r < rows; r++ {
		for h := emit.VReg(0); h < 2; h++ {
			v := dotAcc + emit.VReg(2*r) + h
			fn.Inst("VEOR", v.B16(), v.B16(), v.B16())
		}
	}
	fn.Inst("MOVD", "R2", "R12")
	fn.Inst("MOVD", "R6", "R13")

	fn.Label("vector" + suffix)
	fn.Inst("CBZ", "R13", "reduce"+suffix)
	fn.Inst("VLD1.P", "32(R12)", emit.List(dotX, 2))
	for r := 0; r < rows; r++ {
		fn.Inst("VLD1.P", fmt.Sprintf("32(%s)", dotRowPointers[r]), emit.List(dotW+emit.VReg(2*r), 2))
	}
	for r := 0; r < rows; r++ {
		for h := emit.VReg(0); h < 2; h++ {
			acc := dotAcc + emit.VReg(2*r) + h
			w := dotW + emit.VReg(2*r) + h
			fn.Inst("VFMLA", (dotX + h).S4(), w.S4(), acc.S4())
		}
	}
	fn.Inst("SUB", "$1", "R13")
	fn.Inst("B", "vector"+suffix)

	fn.Label("reduce" + suffix)
	for r := 0; r < rows; r++ {
		horizontalSum(fn, dotAcc+emit.VReg(2*r))
	}

	fn.Comment("The tail of fewer than 8 floats, fused into lane 0 of each sum.")
	fn.Inst("MOVD", "R7", "R13")
	fn.Label("tail" + suffix)
	fn.Inst("CBZ", "R13", "store"+suffix)
	fn.Inst("FMOVS.P", "4(R12)", dotX.F())
	for r := 0; r < rows; r++ {
		fn.Inst("FMOVS.P", "4("+dotRowPointers[r]+")", (dotW + emit.VReg(2*r)).F())
	}
	for r := 0; r < rows; r++ {
		fn.Inst("VFMLA", dotX.S4(), (dotW + emit.VReg(2*r)).S4(), (dotAcc + emit.VReg(2*r)).S4())
	}
	fn.Inst("SUB", "$1", "R13")
	fn.Inst("B", "tail"+suffix)

	fn.Label("store" + suffix)
	for r := 0; r < rows; r++ {
		fn.Inst("FMOVS.P", (dotAcc + emit.VReg(2*r)).F(), "4(R0)")
	}
	// The row pointers have moved along their rows, so the next group
	// starts rows*ldw bytes after R4, which a shift computes.
	shift := bits.TrailingZeros(uint(rows))
	if rows != 1<<shift {
		panic(fmt.Sprintf("dotRowsLoop: group of %d rows is not a power of 2", rows))
	}
	fn.Inst("ADD", fmt.Sprintf("R5<<%d", shift), "R4", "R4")
	fn.Inst("SUB", fmt.Sprintf("$%d", rows), "R1")
	fn.Inst("B", "rows"+suffix)
}

// horizontalSum leaves in lane 0 of lo the sum of the 8 lanes of lo (lanes
// 0–3) and lo+1 (lanes 4–7), added as ((0+4)+(2+6))+((1+5)+(3+7)).
func horizontalSum(fn *emit.Func, lo emit.VReg) {
	fn.Word(emit.FADD(lo, lo, lo+1)) // [0+4, 1+5, 2+6, 3+7]
	fn.Inst("VEXT", "$8", lo.B16(), lo.B16(), dotTemp.B16())
	fn.Word(emit.FADD(lo, lo, dotTemp)) // [(0+4)+(2+6), (1+5)+(3+7), …]
	fn.Inst("VDUP", fmt.Sprintf("V%d.S[1]", int(lo)), dotTemp.S4())
	fn.Inst("FADDS", dotTemp.F(), lo.F(), lo.F())
}

func generateAxpy(f *emit.File) {
	fn := f.Func("axpyNEON",
		[]emit.Param{
			{Name: "y", Type: "[]float32"},
			{Name: "x", Type: "[]float32"},
			{Name: "alpha", Type: "float32"},
		},
		"axpyNEON adds alpha*x[i] to y[i] with fused multiply-add for i < len(y).",
		"It reads x[:len(y)], writes y[:len(y)] and nothing else; the caller",
		"checks len(x) >= len(y). y must not overlap x. Uses ASIMD only.",
	)

	// Registers: R0 y, R1 elements left, R2 x; V0–V3 y, V4–V7 x, V31
	// alpha in every lane.
	alpha := emit.VReg(31)
	fn.Inst("MOVD", fn.Base("y"), "R0")
	fn.Inst("MOVD", fn.Len("y"), "R1")
	fn.Inst("MOVD", fn.Base("x"), "R2")
	fn.Inst("FMOVS", fn.Arg("alpha"), alpha.F())
	fn.Inst("VDUP", fmt.Sprintf("V%d.S[0]", int(alpha)), alpha.S4())

	fn.Comment("Main loop: 16 floats per iteration in 4 independent registers.")
	fn.Label("block")
	fn.Inst("CMP", "$16", "R1")
	fn.Inst("BLT", "vector")
	fn.Inst("VLD1", "(R0)", emit.List(0, 4))
	fn.Inst("VLD1.P", "64(R2)", emit.List(4, 4))
	for u := emit.VReg(0); u < 4; u++ {
		fn.Inst("VFMLA", (u + 4).S4(), alpha.S4(), u.S4())
	}
	fn.Inst("VST1.P", emit.List(0, 4), "64(R0)")
	fn.Inst("SUB", "$16", "R1")
	fn.Inst("B", "block")

	fn.Comment("One register of 4 floats at a time.")
	fn.Label("vector")
	fn.Inst("CMP", "$4", "R1")
	fn.Inst("BLT", "tail")
	fn.Inst("VLD1", "(R0)", emit.List(0, 1))
	fn.Inst("VLD1.P", "16(R2)", emit.List(4, 1))
	fn.Inst("VFMLA", emit.VReg(4).S4(), alpha.S4(), emit.VReg(0).S4())
	fn.Inst("VST1.P", emit.List(0, 1), "16(R0)")
	fn.Inst("SUB", "$4", "R1")
	fn.Inst("B", "vector")

	fn.Comment("Tail of fewer than 4 floats, one at a time in lane 0 with the same instruction.")
	fn.Label("tail")
	fn.Inst("CBZ", "R1", "done")
	fn.Inst("FMOVS", "(R0)", emit.VReg(0).F())
	fn.Inst("FMOVS.P", "4(R2)", emit.VReg(4).F())
	fn.Inst("VFMLA", emit.VReg(4).S4(), alpha.S4(), emit.VReg(0).S4())
	fn.Inst("FMOVS.P", emit.VReg(0).F(), "4(R0)")
	fn.Inst("SUB", "$1", "R1")
	fn.Inst("B", "tail")

	fn.Label("done")
	fn.Inst("RET")
}
