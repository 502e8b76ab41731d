package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The edge kernels compute the 6×16 tile of the AVX-512 kernels and store
// only its top-left rows×cols corner, straight into C: rows 0 to rows-1,
// and the columns whose bit is set in mask (the low cols bits). The tile
// kernels need a whole tile of C, so without these the driver computed an
// edge tile into a buffer and copied its corner out (and C in first when
// accumulating). A 64-filter layer has a 4-row panel after 10 full ones,
// and every output row of 111 pixels ends in a 15-column tile, so that
// copy ran for about a fifth of the tiles of SqueezeNet's first layer.
//
// The corner goes through the operations of the tile kernel in the same
// order, so its elements are the tile kernel's bit for bit. Masked loads
// and stores suppress faults on the lanes they leave out, so the kernels
// touch no memory of C outside the corner.

// edgeKernels512 emits the edge twins of sgemmKernel6x16AVX512 and
// convKernel6x16AVX512, and one of the latter that packs B.
func edgeKernels512() {
	name := fmt.Sprintf("sgemmEdgeKernel%dx%dAVX512", mr, nr)
	TEXT(name, NOSPLIT, "func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32, rows int, mask uint16)")
	Doc(
		name+" computes the tile of sgemmKernel6x16AVX512 and reads and",
		"writes only rows 0 to rows-1 of C, and in them the columns of the set",
		"bits of mask. It reads bias[:rows] when bias is not empty. It requires",
		"1 ≤ rows ≤ 6, which the caller checks, and AVX512F.",
	)
	bPtr := Load(Param("b").Base(), GP64())
	emitTile512(packedB512(bPtr), advancePacked512(bPtr), emitEdgeEpilogue512)

	name = fmt.Sprintf("convEdgeKernel%dx%dAVX512", mr, nr)
	TEXT(name, NOSPLIT, "func(kc int, a, src []float32, offsets []int, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32, rows int, mask uint16)")
	Doc(
		name+" computes the tile of convKernel6x16AVX512 (reading src as",
		"it does) and reads and writes C as sgemmEdgeKernel6x16AVX512 does.",
		"It requires 1 ≤ rows ≤ 6, which the caller checks, and AVX512F.",
	)
	loadB, advanceB := implicitB512()
	emitTile512(loadB, advanceB, emitEdgeEpilogue512)

	implicitEdgePackKernel512()
}

// implicitEdgePackKernel512 emits the edge twin of convKernel6x16AVX512
// that also packs B, as convPackKernel6x32AVX512 does for a pair. The
// driver runs it on a block's first A panel and the packed edge kernel
// on the others, which then read B from L1 instead of the image.
func implicitEdgePackKernel512() {
	name := fmt.Sprintf("convPackEdgeKernel%dx%dAVX512", mr, nr)
	TEXT(name, NOSPLIT, "func(kc int, a, src []float32, offsets []int, packed, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32, rows int, mask uint16)")
	Doc(
		name+" is convEdgeKernel6x16AVX512 that also copies row p of B to",
		"packed[16*p:], the layout of a packed B panel. It writes packed[:16*kc]",
		"and the corner of C, nothing else. It requires 1 ≤ rows ≤ 6, which",
		"the caller checks, and AVX512F.",
	)
	packed := Load(Param("packed").Base(), GP64())
	loadB, advanceB := implicitB512()
	emitTile512(func(p int, b VecPhysical) {
		loadB(p, b)
		VMOVUPS(b, Mem{Base: packed, Disp: 4 * nr * p})
	}, func(steps int) {
		advanceB(steps)
		ADDQ(U32(4*nr*steps), packed)
	}, emitEdgeEpilogue512)
}

// emitEdgeEpilogue512 emits the epilogue of the edge kernels. It runs
// row by row and leaves as soon as the rows are done. rows[i] holds row i
// of the tile in one register. scratch and zero are free registers, and
// Z14, which emitTile512 leaves free, holds hi.
func emitEdgeEpilogue512(rows [][]VecPhysical, cPtr, ldc Register, scratch, zero VecPhysical) {
	hi := Z14
	Comment("ldc from elements to bytes; K1 = the columns to read and write.")
	SHLQ(Imm(2), ldc)
	mask := Load(Param("mask"), GP32())
	KMOVW(mask, K1)

	count := Load(Param("rows"), GP64())
	accumulate := Load(Param("accumulate"), GP8())
	biasLen := Load(Param("bias").Len(), GP64())
	biasPtr := Load(Param("bias").Base(), GP64())
	relu := Load(Param("relu"), GP8())
	VBROADCASTSS(paramAddr("hi"), hi)
	VPXORD(zero, zero, zero)

	// Each row takes the steps of emitEpilogue512 in its order: P += C,
	// P += bias[i], the clamp, the store. The flags are tested again in
	// every row, and those branches go the same way for the whole call.
	for i, row := range rows {
		z := row[0]
		Commentf("Row %d.", i)
		if i > 0 {
			CMPQ(count, Imm(uint64(i)))
			JLE(LabelRef("done"))
		}

		TESTB(accumulate, accumulate)
		JZ(LabelRef(fmt.Sprintf("bias%d", i)))
		VMOVUPS_Z(Mem{Base: cPtr}, K1, scratch)
		VADDPS(scratch, z, z)

		Label(fmt.Sprintf("bias%d", i))
		TESTQ(biasLen, biasLen)
		JZ(LabelRef(fmt.Sprintf("relu%d", i)))
		VBROADCASTSS(Mem{Base: biasPtr, Disp: 4 * i}, scratch)
		VADDPS(scratch, z, z)

		Label(fmt.Sprintf("relu%d", i))
		TESTB(relu, relu)
		JZ(LabelRef(fmt.Sprintf("write%d", i)))
		VMAXPS(z, zero, z)
		VMINPS(z, hi, z)

		Label(fmt.Sprintf("write%d", i))
		VMOVUPS(z, K1, Mem{Base: cPtr})
		if i < len(rows)-1 {
			ADDQ(ldc, cPtr)
		}
	}
	Label("done")
}
