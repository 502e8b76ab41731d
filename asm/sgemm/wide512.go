package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The wide AVX-512 kernel computes two adjacent 6×16 tiles at once, from
// one A panel and the two packed B panels that lie next to each other in
// the packed block. The 6×16 kernel issues 7 loads (6 broadcasts and a
// row of B) per 6 FMAs. Here each broadcast serves two FMAs, so the loop
// issues 8 loads per 12 FMAs, which leaves the load ports room to spare.
// On an Intel Xeon (Emerald Rapids) Sgemm on 512×512×512 went from about
// 121 to 137 GFLOPS with it (BenchmarkSgemm, one thread).
//
// Every element goes through the same operations in the same order as in
// sgemmKernel6x16AVX512: even and odd k steps into separate accumulators,
// added before C, then bias, then the clamp. A column of C is then the
// same whichever of the two kernels computes it, so results stay
// independent of how bands of columns fall on tiles (thread count).

// wideKernel512 emits the 6×32 AVX-512 GEMM micro-kernel.
func wideKernel512() {
	name := fmt.Sprintf("sgemmKernel%dx%dAVX512", mr, 2*nr)
	TEXT(name, NOSPLIT, "func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32)")
	Doc(
		name+" computes the 6×32 tile of two 6×16 tiles side by side, each as",
		"sgemmKernel6x16AVX512 computes it, bit for bit: the left one from the",
		"packed panel b[:16*kc] and the right one from b[16*kc:32*kc]. It reads",
		"a[:6*kc], b[:32*kc], bias[:6] when bias is not empty, and the 6 rows of",
		"32 floats at c[i*ldc:], nothing else. The caller checks those bounds.",
		"Requires AVX512F.",
	)
	emitPackedWideTile512(mr)
}

// shortWideKernels512 emits the 6×32 GEMM micro-kernel's twins for the
// first 1 to 5 rows of the tile. A GEMM whose row count is not a multiple
// of 6 ends in such a panel: 16 filters are panels of 6, 6 and 4 rows.
// The 6-row kernel would spend a whole tile's FMAs there, a third of the
// layer's at 16 filters. With fewer rows each k step takes fewer FMAs.
func shortWideKernels512() {
	for rows := 1; rows < mr; rows++ {
		name := fmt.Sprintf("sgemmKernel%dx%dAVX512", rows, 2*nr)
		TEXT(name, NOSPLIT, "func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32)")
		Doc(
			fmt.Sprintf("%s computes rows 0 to %d of the tile of sgemmKernel6x32AVX512,", name, rows-1),
			"bit for bit, from the same 6-row A panel. It reads what that kernel",
			fmt.Sprintf("reads but bias[:%d], and writes only the %d rows of 32 floats at", rows, rows),
			"c[i*ldc:]. The caller checks those bounds. Requires AVX512F.",
		)
		emitPackedWideTile512(rows)
	}
}

// emitPackedWideTile512 emits the body of the 6×32 GEMM micro-kernels
// that compute the first rows rows of the tile from packed B panels.
func emitPackedWideTile512(rows int) {
	bPtr := Load(Param("b").Base(), GP64())
	kc := Load(Param("kc"), GP64())

	Comment("right = 16*kc floats in bytes: the offset of the right B panel.")
	right := GP64()
	MOVQ(kc, right)
	SHLQ(Imm(6), right)

	emitWideTile512(kc, rows, func(p int, b [2]VecPhysical) {
		VMOVUPS(Mem{Base: bPtr, Disp: 4 * nr * p}, b[0])
		VMOVUPS(Mem{Base: bPtr, Index: right, Scale: 1, Disp: 4 * nr * p}, b[1])
	}, func(steps int) {
		ADDQ(U32(4*nr*steps), bPtr)
	})
}

// implicitWideKernel512 emits the 6×32 AVX-512 implicit-GEMM convolution
// micro-kernel, whose row p of B is src[offsets[p]:offsets[p]+32]: the
// rows of two adjacent 16-pixel tiles of one output row. The 6×16
// implicit kernel issues 8 loads (an offset, a row of B, 6 broadcasts)
// per 6 FMAs, too many to start an FMA on both ports every cycle. This
// loop issues 9 loads per 12 FMAs.
func implicitWideKernel512() {
	name := fmt.Sprintf("convKernel%dx%dAVX512", mr, 2*nr)
	TEXT(name, NOSPLIT, "func(kc int, a, src []float32, offsets []int, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32)")
	Doc(
		name+" computes the 6×32 tile of two 6×16 tiles side by side, each as",
		"convKernel6x16AVX512 computes it, bit for bit: the left one with row p",
		"of B at src[offsets[p]:offsets[p]+16] and the right one at the next 16",
		"floats. It reads a[:6*kc], offsets[:kc], those 32 floats of src for",
		"each p, bias[:6] when bias is not empty, and the 6 rows of 32 floats at",
		"c[i*ldc:], nothing else. The caller checks that every offset lies in",
		"[0, len(src)-32]. Requires AVX512F.",
	)
	src := Load(Param("src").Base(), GP64())
	offsets := Load(Param("offsets").Base(), GP64())
	kc := Load(Param("kc"), GP64())
	off := GP64()
	emitWideTile512(kc, mr, func(p int, b [2]VecPhysical) {
		MOVQ(Mem{Base: offsets, Disp: 8 * p}, off)
		VMOVUPS(Mem{Base: src, Index: off, Scale: 4}, b[0])
		VMOVUPS(Mem{Base: src, Index: off, Scale: 4, Disp: 4 * nr}, b[1])
	}, func(steps int) {
		ADDQ(U32(8*steps), offsets)
	})
}

// implicitWidePackKernel512 emits implicitWideKernel512 that also stores
// each row of B it loads into a packed pair of B panels, in the layout of
// the 6×32 GEMM kernel. A convolution with several A panels then reads
// the image once per column block: this kernel computes the first panel's
// tile and packs B on the way, and the packed kernel computes the others
// from L1. Rows of B read in place cost more than packed ones, because
// their loads straddle cache lines and each tap of a pointwise layer
// lies on a page of its own. The two stores per k step fit in the store
// ports' spare cycles.
func implicitWidePackKernel512() {
	name := fmt.Sprintf("convPackKernel%dx%dAVX512", mr, 2*nr)
	TEXT(name, NOSPLIT, "func(kc int, a, src []float32, offsets []int, packed, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32)")
	Doc(
		name+" computes the tile of convKernel6x32AVX512, bit for bit, and",
		"copies row p of B into packed: its left 16 floats to packed[16*p:] and",
		"its right 16 floats to packed[16*(kc+p):], the layout of two packed B",
		"panels. It reads what convKernel6x32AVX512 reads, writes packed[:32*kc]",
		"and the 6 rows of 32 floats at c[i*ldc:], nothing else. The caller",
		"checks those bounds. Requires AVX512F.",
	)
	src := Load(Param("src").Base(), GP64())
	offsets := Load(Param("offsets").Base(), GP64())
	packed := Load(Param("packed").Base(), GP64())
	kc := Load(Param("kc"), GP64())

	Comment("right = 16*kc floats in bytes: the offset of the right packed panel.")
	right := GP64()
	MOVQ(kc, right)
	SHLQ(Imm(6), right)

	// The rows of a pointwise layer's B (and of Sgemm's) lie a whole
	// plane apart, a stride that the hardware prefetchers do not follow.
	// So each k step prefetches the row 8 steps on, guessing that the rows
	// keep the spacing of the first two. Other convolutions' rows are the
	// taps of a kernel window, which the guess misses. A wrong guess costs
	// two instructions and never faults. MobileNetV2's 24×144 projection
	// at 56×56 took 9–12 % less time (BenchmarkConv1x1); 4 to 16 rows
	// ahead gave 7–10 %, 1 row 0–4 %.
	Comment("ahead = 8 rows of B at the spacing of the first two, in bytes; 0 when kc < 2.")
	ahead := GP64()
	XORQ(ahead, ahead)
	CMPQ(kc, Imm(2))
	JL(LabelRef("spaced"))
	MOVQ(Mem{Base: offsets, Disp: 8}, ahead)
	SUBQ(Mem{Base: offsets}, ahead)
	SHLQ(Imm(2+3), ahead) // ×4 bytes per float, ×8 rows
	Label("spaced")

	row := GP64()
	off := GP64()
	emitWideTile512(kc, mr, func(p int, b [2]VecPhysical) {
		MOVQ(Mem{Base: offsets, Disp: 8 * p}, off)
		VMOVUPS(Mem{Base: src, Index: off, Scale: 4}, b[0])
		VMOVUPS(Mem{Base: src, Index: off, Scale: 4, Disp: 4 * nr}, b[1])
		LEAQ(Mem{Base: src, Index: off, Scale: 4}, row)
		PREFETCHT0(Mem{Base: row, Index: ahead, Scale: 1})
		PREFETCHT0(Mem{Base: row, Index: ahead, Scale: 1, Disp: 64})
		VMOVUPS(b[0], Mem{Base: packed, Disp: 4 * nr * p})
		VMOVUPS(b[1], Mem{Base: packed, Index: right, Scale: 1, Disp: 4 * nr * p})
	}, func(steps int) {
		ADDQ(U32(8*steps), offsets)
		ADDQ(U32(4*nr*steps), packed)
	})
}

// emitWideTile512 emits the k loop and the epilogue of the 6×32 kernels,
// for the first rows rows of the tile (A panels have 6 rows whatever
// rows is). kc holds the number of k steps. loadB loads row p of the left
// and the right B panel (relative to the current position) into two
// registers, and advanceB moves B's position by some rows.
func emitWideTile512(kc Register, rows int, loadB func(p int, b [2]VecPhysical), advanceB func(steps int)) {
	// Register map:
	//   Z0–Z5    left tile, even k steps, row i in Z(i)
	//   Z6–Z11   left tile, odd k steps
	//   Z12–Z17  right tile, even k steps
	//   Z18–Z23  right tile, odd k steps
	//   Z24,Z25  row of the left and right B panel of an even step
	//   Z26,Z27  the same for an odd step
	//   Z28,Z29  broadcasts of A, alternating by row, so that loading the
	//            next row's element need not wait for this row's FMAs
	// General registers: kc counts the k steps left, aPtr walks the A
	// panel, and cPtr and ldc address C. The caller's loadB keeps its own.
	// With fewer rows, the registers of the rows past the last go unused.
	leftEven := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5}[:rows]
	leftOdd := []VecPhysical{Z6, Z7, Z8, Z9, Z10, Z11}[:rows]
	rightEven := []VecPhysical{Z12, Z13, Z14, Z15, Z16, Z17}[:rows]
	rightOdd := []VecPhysical{Z18, Z19, Z20, Z21, Z22, Z23}[:rows]
	bRows := [2][2]VecPhysical{{Z24, Z25}, {Z26, Z27}}
	bcast := []VecPhysical{Z28, Z29}

	aPtr := Load(Param("a").Base(), GP64())
	cPtr := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())

	Comment("Zero the four sets of accumulators.")
	for _, set := range [][]VecPhysical{leftEven, leftOdd, rightEven, rightOdd} {
		for _, z := range set {
			VPXORD(z, z, z)
		}
	}

	// step emits the k step at offset p from the panel pointers, into the
	// accumulator sets of p's parity.
	step := func(p int) {
		left, rightAcc := leftEven, rightEven
		if p%2 == 1 {
			left, rightAcc = leftOdd, rightOdd
		}
		b := bRows[p%2]
		loadB(p, b)
		for i := 0; i < rows; i++ {
			x := bcast[i%2]
			VBROADCASTSS(Mem{Base: aPtr, Disp: 4 * (mr*p + i)}, x)
			VFMADD231PS(x, b[0], left[i])
			VFMADD231PS(x, b[1], rightAcc[i])
		}
	}

	emitKLoop(kc, aPtr, step, advanceB, true, "Remaining k steps, one at a time, into the even sets.", "sum")

	Label("sum")
	Comment("P = even + odd, for both tiles.")
	for i := 0; i < rows; i++ {
		VADDPS(leftOdd[i], leftEven[i], leftEven[i])
		VADDPS(rightOdd[i], rightEven[i], rightEven[i])
	}
	tile := make([][]VecPhysical, rows)
	for i := range tile {
		tile[i] = []VecPhysical{leftEven[i], rightEven[i]}
	}
	emitEpilogue512(tile, cPtr, ldc, Z24, Z25)
	VZEROUPPER()
	RET()
}
