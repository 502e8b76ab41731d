package main

import (
	"fmt"

	"github.com/simdnn/simdnn/asm/neon/emit"
)

// Tile shape: mr rows of A by nr columns of B, the same as the amd64
// kernel, so that one Go driver and one packing layout serve both. A row
// of the tile is nr/lanes = 4 registers, so the tile takes 24 of the 32
// vector registers as accumulators. Each k step then issues 24 independent
// FMLAs, more than the FMLA latency times the issue rate of current arm64
// cores (an estimate of 4 cycles times 2 to 4 per cycle, not measured
// here), so the FMA pipes should not wait on a result.
const (
	mr      = 6
	nr      = 16
	lanes   = 4 // float32 lanes in a 128-bit register
	rowRegs = nr / lanes
)

// Register map:
//
//	V0–V3    one row of the B panel (16 floats)
//	V4–V6    A for two k steps: 12 floats, step s row i in lane (6s+i) mod 4
//	         of V(4 + (6s+i)/4)
//	V7       unused in the loop; the C += P path loads C rows into
//	         V0–V3 and V4–V7
//	V8–V31   accumulators: row i, columns 4j to 4j+3 in V(8 + 4i + j)
//
// R0 is the count of k steps left, R1, R2 and R3 point into A, B and C,
// R4 is ldc and R5 the accumulate flag.
const (
	bFirst   emit.VReg = 0
	aFirst   emit.VReg = 4
	accFirst emit.VReg = 8
)

// acc returns the accumulator of row i, columns 4j to 4j+3.
func acc(i, j int) emit.VReg {
	return accFirst + emit.VReg(rowRegs*i+j)
}

// aLane returns the register and lane that hold A's row i in k step s of
// a pair of steps. The panel stores a[p*6+i], so the two steps are 12
// consecutive floats.
func aLane(s, i int) (emit.VReg, int) {
	e := mr*s + i
	return aFirst + emit.VReg(e/lanes), e % lanes
}

func generateSgemm(f *emit.File) {
	name := fmt.Sprintf("sgemmKernel%dx%dNEON", mr, nr)
	fn := f.Func(name,
		[]emit.Param{
			{Name: "kc", Type: "int"},
			{Name: "a", Type: "[]float32"},
			{Name: "b", Type: "[]float32"},
			{Name: "c", Type: "[]float32"},
			{Name: "ldc", Type: "int"},
			{Name: "accumulate", Type: "bool"},
		},
		name+" computes the 6×16 tile P = A·B, where A is a packed 6×kc panel",
		"(a[p*6+i] is row i, step p) and B is a packed kc×16 panel (b[p*16+j]).",
		"With accumulate false it stores c[i*ldc+j] = P[i][j]; with accumulate true",
		"it adds P to C. It reads a[:6*kc], b[:16*kc] and the 6 rows of 16 floats",
		"at c[i*ldc:], writes only those rows, and touches nothing else; the",
		"caller checks kc >= 1, ldc >= 16 and those bounds. Each P[i][j] is summed",
		"in order of increasing p with one fused multiply-add (FMLA) per step.",
		"Uses ASIMD only.",
	)

	fn.Comment(
		"Register map: V0–V3 a row of B, V4–V6 A for two k steps,",
		"V8–V31 the accumulators (row i, columns 4j to 4j+3 in V(8+4i+j)).",
	)
	fn.Inst("MOVD", fn.Arg("kc"), "R0")
	fn.Inst("MOVD", fn.Base("a"), "R1")
	fn.Inst("MOVD", fn.Base("b"), "R2")
	fn.Inst("MOVD", fn.Base("c"), "R3")
	fn.Inst("MOVD", fn.Arg("ldc"), "R4")

	fn.Comment("Zero the accumulators.")
	for i := 0; i < mr; i++ {
		for j := 0; j < rowRegs; j++ {
			v := acc(i, j)
			fn.Inst("VEOR", v.B16(), v.B16(), v.B16())
		}
	}

	fn.Comment(
		"Main loop: two k steps per iteration while at least two remain.",
		"A's 12 floats for the pair are exactly three registers, so one load",
		"fetches them without reading past the panel.",
	)
	fn.Label("pairs")
	fn.Inst("CMP", "$2", "R0")
	fn.Inst("BLT", "single")
	fn.Inst("VLD1.P", "48(R1)", emit.List(aFirst, 3))
	for s := 0; s < 2; s++ {
		fn.Inst("VLD1.P", fmt.Sprintf("%d(R2)", 4*nr), emit.List(bFirst, rowRegs))
		gemmStep(fn, s)
	}
	fn.Inst("SUB", "$2", "R0")
	fn.Inst("B", "pairs")

	fn.Comment(
		"At most one k step remains. Its 6 floats of A are loaded as 4 and 2,",
		"because loading two whole registers would read 2 floats past the panel.",
	)
	fn.Label("single")
	fn.Inst("CBZ", "R0", "store")
	fn.Inst("VLD1", "(R1)", emit.List(aFirst, 1))
	fn.Inst("FMOVD", "16(R1)", (aFirst + 1).F())
	fn.Inst("VLD1", "(R2)", emit.List(bFirst, rowRegs))
	gemmStep(fn, 0)

	fn.Label("store")
	fn.Comment("ldc from elements to bytes: each row's store advances R3 by it.")
	fn.Inst("LSL", "$2", "R4", "R4")
	fn.Inst("MOVBU", fn.Arg("accumulate"), "R5")
	fn.Inst("CBNZ", "R5", "add")

	fn.Comment("C = P.")
	for i := 0; i < mr; i++ {
		fn.Inst("VST1.P", emit.List(acc(i, 0), rowRegs), "(R3)(R4)")
	}
	fn.Inst("RET")

	fn.Comment(
		"C += P. The rows of C are loaded into V0–V3 and V4–V7 in turn, so",
		"that loading a row does not wait for the sums of the row before it.",
	)
	fn.Label("add")
	for i := 0; i < mr; i++ {
		scratch := emit.VReg(0)
		if i%2 == 1 {
			scratch = 4
		}
		fn.Inst("VLD1", "(R3)", emit.List(scratch, rowRegs))
		for j := 0; j < rowRegs; j++ {
			fn.Word(emit.FADD(acc(i, j), acc(i, j), scratch+emit.VReg(j)))
		}
		fn.Inst("VST1.P", emit.List(acc(i, 0), rowRegs), "(R3)(R4)")
	}
	fn.Inst("RET")
}

// gemmStep emits the 24 FMLAs of k step s of a pair (s is 0 or 1), with
// B's row in V0–V3 and A's values in V4–V6. The loop over B's registers is
// the outer one, so each B register feeds six FMLAs in a row and no two
// consecutive FMLAs write the same accumulator.
func gemmStep(fn *emit.Func, s int) {
	for j := 0; j < rowRegs; j++ {
		for i := 0; i < mr; i++ {
			a, lane := aLane(s, i)
			fn.Word(emit.FMLAElem(acc(i, j), bFirst+emit.VReg(j), a, lane))
		}
	}
}
