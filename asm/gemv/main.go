// Command gemv generates the AVX2+FMA matrix-vector kernels that Sgemm
// uses when op(A) has a single row, the shape of a fully connected layer
// at batch size 1, where the 6-row GEMM tile would be mostly empty.
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rowsPerStep is the number of dot products computed together: they share
// each load of x, and their accumulators are independent FMA chains.
const rowsPerStep = 4

func main() {
	ConstraintExpr("!purego")
	dotRows()
	axpy()
	Generate()
}

func dotRows() {
	TEXT("dotRowsFMA", NOSPLIT, "func(dst, x, w []float32, ldw int)")
	Doc(
		"dotRowsFMA stores the dot product of x with row j of w, the floats",
		"w[j*ldw:j*ldw+len(x)], in dst[j] for j < len(dst). Each dot product sums",
		"8 lanes with fused multiply-add, then the lanes, then the scalar tail of",
		"fewer than 8. It reads x and those rows of w, writes dst and nothing",
		"else; the caller checks len(w) >= (len(dst)-1)*ldw+len(x).",
		"Requires AVX and FMA3.",
	)

	dst := Load(Param("dst").Base(), GP64())
	rows := Load(Param("dst").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	k := Load(Param("x").Len(), GP64())
	w := Load(Param("w").Base(), GP64())
	ldw := Load(Param("ldw"), GP64())
	SHLQ(Imm(2), ldw) // elements to bytes

	// vectorEnd is k rounded down to a multiple of 8, in elements.
	vectorEnd := GP64()
	MOVQ(k, vectorEnd)
	ANDQ(I32(-8), vectorEnd)

	p := GP64()
	row := make([]GPVirtual, rowsPerStep)
	acc := make([]VecVirtual, rowsPerStep)
	for r := range row {
		row[r] = GP64()
		acc[r] = YMM()
	}

	Comment("Dot products of 4 rows at a time.")
	Label("rows4")
	CMPQ(rows, Imm(rowsPerStep))
	JL(LabelRef("rows1"))
	MOVQ(w, row[0])
	for r := 1; r < rowsPerStep; r++ {
		LEAQ(Mem{Base: row[r-1], Index: ldw, Scale: 1}, row[r])
	}
	for r := range acc {
		VXORPS(acc[r], acc[r], acc[r])
	}
	XORQ(p, p)
	Label("vector4")
	CMPQ(p, vectorEnd)
	JGE(LabelRef("reduce4"))
	xv := YMM()
	VMOVUPS(Mem{Base: x, Index: p, Scale: 4}, xv)
	for r := range acc {
		VFMADD231PS(Mem{Base: row[r], Index: p, Scale: 4}, xv, acc[r])
	}
	ADDQ(Imm(8), p)
	JMP(LabelRef("vector4"))

	Label("reduce4")
	sums := make([]VecVirtual, rowsPerStep)
	for r := range acc {
		sums[r] = horizontalSum(acc[r])
	}
	Label("tail4")
	CMPQ(p, k)
	JGE(LabelRef("store4"))
	xs := XMM()
	VMOVSS(Mem{Base: x, Index: p, Scale: 4}, xs)
	for r := range sums {
		VFMADD231SS(Mem{Base: row[r], Index: p, Scale: 4}, xs, sums[r])
	}
	INCQ(p)
	JMP(LabelRef("tail4"))
	Label("store4")
	for r := range sums {
		VMOVSS(sums[r], Mem{Base: dst, Disp: 4 * r})
	}
	ADDQ(Imm(4*rowsPerStep), dst)
	LEAQ(Mem{Base: row[rowsPerStep-1], Index: ldw, Scale: 1}, w)
	SUBQ(Imm(rowsPerStep), rows)
	JMP(LabelRef("rows4"))

	Comment("Remaining rows, one at a time with the same operations.")
	Label("rows1")
	TESTQ(rows, rows)
	JZ(LabelRef("done"))
	a := YMM()
	VXORPS(a, a, a)
	XORQ(p, p)
	Label("vector1")
	CMPQ(p, vectorEnd)
	JGE(LabelRef("reduce1"))
	x1 := YMM()
	VMOVUPS(Mem{Base: x, Index: p, Scale: 4}, x1)
	VFMADD231PS(Mem{Base: w, Index: p, Scale: 4}, x1, a)
	ADDQ(Imm(8), p)
	JMP(LabelRef("vector1"))
	Label("reduce1")
	s := horizontalSum(a)
	Label("tail1")
	CMPQ(p, k)
	JGE(LabelRef("store1"))
	x1s := XMM()
	VMOVSS(Mem{Base: x, Index: p, Scale: 4}, x1s)
	VFMADD231SS(Mem{Base: w, Index: p, Scale: 4}, x1s, s)
	INCQ(p)
	JMP(LabelRef("tail1"))
	Label("store1")
	VMOVSS(s, Mem{Base: dst})
	ADDQ(Imm(4), dst)
	ADDQ(ldw, w)
	DECQ(rows)
	JMP(LabelRef("rows1"))

	Label("done")
	VZEROUPPER()
	RET()
}

// horizontalSum returns an XMM register whose lowest lane is the sum of the
// 8 lanes of y, added as ((0+4)+(2+6))+((1+5)+(3+7)) by lane index.
func horizontalSum(y VecVirtual) VecVirtual {
	hi := XMM()
	VEXTRACTF128(Imm(1), y, hi)
	lo := XMM()
	VADDPS(hi, y.AsX(), lo)
	shuf := XMM()
	VMOVHLPS(lo, lo, shuf)
	VADDPS(shuf, lo, lo)
	VMOVSHDUP(lo, shuf)
	VADDSS(shuf, lo, lo)
	return lo
}

func axpy() {
	TEXT("axpyFMA", NOSPLIT, "func(y, x []float32, alpha float32)")
	Doc(
		"axpyFMA adds alpha*x[i] to y[i] with fused multiply-add for i < len(y).",
		"It reads x[:len(y)], writes y[:len(y)] and nothing else; the caller",
		"checks len(x) >= len(y). y must not overlap x. Requires AVX and FMA3.",
	)
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("y").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	alpha := YMM()
	a := Load(Param("alpha"), XMM())
	VBROADCASTSS(a, alpha)

	Comment("Main loop: 32 floats per iteration in 4 independent vectors.")
	Label("block")
	CMPQ(n, Imm(32))
	JL(LabelRef("vector"))
	vs := make([]VecVirtual, 4)
	for u := range vs {
		vs[u] = YMM()
		VMOVUPS(Mem{Base: y, Disp: 32 * u}, vs[u])
		VFMADD231PS(Mem{Base: x, Disp: 32 * u}, alpha, vs[u])
	}
	for u := range vs {
		VMOVUPS(vs[u], Mem{Base: y, Disp: 32 * u})
	}
	ADDQ(Imm(128), x)
	ADDQ(Imm(128), y)
	SUBQ(Imm(32), n)
	JMP(LabelRef("block"))

	Label("vector")
	CMPQ(n, Imm(8))
	JL(LabelRef("tail"))
	v := YMM()
	VMOVUPS(Mem{Base: y}, v)
	VFMADD231PS(Mem{Base: x}, alpha, v)
	VMOVUPS(v, Mem{Base: y})
	ADDQ(Imm(32), x)
	ADDQ(Imm(32), y)
	SUBQ(Imm(8), n)
	JMP(LabelRef("vector"))

	Comment("Tail of fewer than 8 floats, one at a time.")
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	s := XMM()
	VMOVSS(Mem{Base: y}, s)
	VFMADD231SS(Mem{Base: x}, alpha.AsX(), s)
	VMOVSS(s, Mem{Base: y})
	ADDQ(Imm(4), x)
	ADDQ(Imm(4), y)
	DECQ(n)
	JMP(LabelRef("tail"))

	Label("done")
	VZEROUPPER()
	RET()
}
