package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The AVX-512 kernels compute the same 6×16 tile from the same packed
// panels as the AVX2 ones, so the driver, the packing and the prepacked
// weights serve both. A row of the tile is one ZMM register, which leaves
// only 6 accumulators: fewer than the FMA latency (4 cycles) times the
// FMA ports (2 on Intel's server cores) that must be in flight to keep the
// ports busy. So even k steps accumulate into one set of 6 registers and
// odd steps into another, and the two sets are added before the store.
// The sum therefore runs in a different order than the AVX2 kernel's, but
// in the same order whichever goroutine computes a tile.

// packedKernel512 emits the AVX-512 GEMM micro-kernel on a packed B panel.
func packedKernel512() {
	name := fmt.Sprintf("sgemmKernel%dx%dAVX512", mr, nr)
	TEXT(name, NOSPLIT, "func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32)")
	Doc(
		name+" computes the same tile as sgemmKernel6x16FMA, with the same",
		"arguments and the same reads and writes, using ZMM registers. Its",
		"sums run in another order (even and odd k steps apart), so results",
		"may differ from the AVX2 kernel's in the last bits. Requires AVX512F.",
	)
	bPtr := Load(Param("b").Base(), GP64())
	emitTile512(packedB512(bPtr), advancePacked512(bPtr), emitEpilogue512)
}

// implicitKernel512 emits the AVX-512 implicit-GEMM convolution
// micro-kernel, whose row p of B is src[offsets[p]:offsets[p]+16].
func implicitKernel512() {
	name := fmt.Sprintf("convKernel%dx%dAVX512", mr, nr)
	TEXT(name, NOSPLIT, "func(kc int, a, src []float32, offsets []int, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32)")
	Doc(
		name+" computes the same tile as convKernel6x16FMA, with the same",
		"arguments and the same reads and writes, using ZMM registers. Its",
		"sums run in another order (even and odd k steps apart), so results",
		"may differ from the AVX2 kernel's in the last bits. Requires AVX512F.",
	)
	loadB, advanceB := implicitB512()
	emitTile512(loadB, advanceB, emitEpilogue512)
}

// packedB512 returns the loadB of emitTile512 for a packed B panel at
// bPtr: row p is the 16 floats at bPtr+64p.
func packedB512(bPtr Register) func(p int, b VecPhysical) {
	return func(p int, b VecPhysical) {
		VMOVUPS(Mem{Base: bPtr, Disp: 4 * nr * p}, b)
	}
}

// advancePacked512 returns the advanceB of emitTile512 for a packed B
// panel at bPtr.
func advancePacked512(bPtr Register) func(steps int) {
	return func(steps int) {
		ADDQ(U32(4*nr*steps), bPtr)
	}
}

// implicitB512 loads src and offsets and returns the loadB and advanceB
// of emitTile512 for the implicit kernels: row p of B is the 16 floats at
// src[offsets[p]:].
func implicitB512() (loadB func(p int, b VecPhysical), advanceB func(steps int)) {
	src := Load(Param("src").Base(), GP64())
	offsets := Load(Param("offsets").Base(), GP64())
	off := GP64()
	return func(p int, b VecPhysical) {
			MOVQ(Mem{Base: offsets, Disp: 8 * p}, off)
			VMOVUPS(Mem{Base: src, Index: off, Scale: 4}, b)
		}, func(steps int) {
			ADDQ(U32(8*steps), offsets)
		}
}

// emitTile512 emits the k loop of the AVX-512 kernels, then epilogue:
// the optional accumulation into C, bias, ReLU and the store. loadB loads
// row p of B (relative to the current position) into one register, and
// advanceB moves B's position by some rows.
func emitTile512(loadB func(p int, b VecPhysical), advanceB func(steps int), epilogue func(rows [][]VecPhysical, cPtr, ldc Register, scratch, zero VecPhysical)) {
	// Register map:
	//   Z0–Z5    accumulators of the even k steps, row i in Z(i)
	//   Z6–Z11   accumulators of the odd k steps, row i in Z(6+i)
	//   Z12,Z13  the row of B of an even and of an odd step
	// The elements of A are broadcast by the FMAs themselves (embedded
	// broadcast, {1to16}), which decodes to one fused load-and-FMA instead
	// of a broadcast and an FMA.
	// The upper halves of Z0–Z13 are dirty for VEX code, so the kernel
	// ends with VZEROUPPER.
	even := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5}
	odd := []VecPhysical{Z6, Z7, Z8, Z9, Z10, Z11}
	bRow := []VecPhysical{Z12, Z13}
	kc := Load(Param("kc"), GP64())
	aPtr := Load(Param("a").Base(), GP64())
	cPtr := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())

	Comment("Zero both sets of accumulators.")
	for _, z := range append(append([]VecPhysical{}, even...), odd...) {
		VPXORD(z, z, z)
	}

	// step emits the k step at offset p (in steps) from the panel pointers,
	// into the accumulator set of p's parity.
	step := func(p int) {
		acc := even
		if p%2 == 1 {
			acc = odd
		}
		b := bRow[p%2]
		loadB(p, b)
		for i := 0; i < mr; i++ {
			VFMADD231PS_BCST(Mem{Base: aPtr, Disp: 4 * (mr*p + i)}, b, acc[i])
		}
	}

	emitKLoop(kc, aPtr, step, advanceB, true, "Remaining k steps, one at a time, into the even set.", "sum")

	Label("sum")
	Comment("P = even + odd.")
	for i := 0; i < mr; i++ {
		VADDPS(odd[i], even[i], even[i])
	}
	rows := make([][]VecPhysical, mr)
	for i := range rows {
		rows[i] = []VecPhysical{even[i]}
	}
	epilogue(rows, cPtr, ldc, bRow[0], bRow[1])
	VZEROUPPER()
	RET()
}

// emitEpilogue512 emits the end of the AVX-512 kernels: the optional
// accumulation into C, bias, the clamp and the store. rows[i] holds row i
// of the tile, 16 columns per register, and cPtr and ldc (in elements)
// address C. scratch and zero are free registers: the epilogue uses
// scratch for a bias broadcast, then hi, and zero for 0.
func emitEpilogue512(rows [][]VecPhysical, cPtr, ldc Register, scratch, zero VecPhysical) {
	Comment("ldc from elements to bytes.")
	SHLQ(Imm(2), ldc)
	accumulate := Load(Param("accumulate"), GP8())
	TESTB(accumulate, accumulate)
	JZ(LabelRef("bias"))

	Comment("P += C. The pointer walks down the rows and comes back.")
	cRow := GP64()
	MOVQ(cPtr, cRow)
	for i, row := range rows {
		for j, z := range row {
			VADDPS(Mem{Base: cRow, Disp: 4 * nr * j}, z, z)
		}
		if i < len(rows)-1 {
			ADDQ(ldc, cRow)
		}
	}

	Label("bias")
	biasLen := Load(Param("bias").Len(), GP64())
	TESTQ(biasLen, biasLen)
	JZ(LabelRef("relu"))
	biasPtr := Load(Param("bias").Base(), GP64())
	Comment("P[i] += bias[i].")
	for i, row := range rows {
		VBROADCASTSS(Mem{Base: biasPtr, Disp: 4 * i}, scratch)
		for _, z := range row {
			VADDPS(scratch, z, z)
		}
	}

	Label("relu")
	relu := Load(Param("relu"), GP8())
	TESTB(relu, relu)
	JZ(LabelRef("write"))
	Comment("P = min(max(P, 0), hi), with NaN and -0 kept as in the AVX2 kernel.")
	VBROADCASTSS(paramAddr("hi"), scratch)
	VPXORD(zero, zero, zero)
	for _, row := range rows {
		for _, z := range row {
			VMAXPS(z, zero, z)
			VMINPS(z, scratch, z)
		}
	}

	Label("write")
	for i, row := range rows {
		for j, z := range row {
			VMOVUPS(z, Mem{Base: cPtr, Disp: 4 * nr * j})
		}
		if i < len(rows)-1 {
			ADDQ(ldc, cPtr)
		}
	}
}
