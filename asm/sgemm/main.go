// Command sgemm generates the single-precision GEMM micro-kernels: AVX2+FMA
// ones (this file), AVX-512 ones of the same tile shape (avx512.go), and an
// AVX-512 one that computes two such tiles side by side (wide512.go),
// AVX-512 ones that store only a corner of the tile (edge512.go), and
// kernels that compute one column of a tile (column.go).
//
// The kernel multiplies a packed 6×kc panel of A by a packed kc×16 panel of
// B and writes (or adds) the 6×16 product into C. The packing, cache
// blocking and edge tiles live in Go (kernels/sgemm_driver.go); the kernel
// itself has no tails because the packed panels are zero-padded to full
// tiles.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Tile shape: mr rows of A by nr columns of B. nr is two YMM registers of
// 8 float32s, and mr = 6 makes 12 accumulators, which keeps more than the
// FMA latency (5 cycles on Zen) times its throughput (1 per cycle) of
// independent FMAs in flight and leaves 4 YMM registers for operands.
const (
	mr = 6
	nr = 16
)

// unroll is the number of k steps per iteration of the main loop.
const unroll = 4

// prefetchAhead is how far ahead of its position in the A panel (in
// bytes) the tile kernels prefetch A into the L1 cache. A layer's
// prepacked weights (9 MiB for a 512-channel 3×3 layer) come from L3 or
// memory on every inference, and the hardware prefetchers alone left the
// kernel waiting for them. On an Intel Xeon (Emerald Rapids), one thread,
// BenchmarkConvLayerColdWeights' resnet_512x512x7_3x3 went from 3.0 to
// 2.1 ms (1024 bytes ahead: 2.25 ms, 4096: 2.1 ms). Warm weights ran at
// the same speed. The panel advances 96 bytes per unrolled iteration, so
// each iteration prefetches two lines. A prefetch never faults, so lines
// past the panel's end cost a wasted fetch at most.
const prefetchAhead = 2048

func main() {
	ConstraintExpr("!purego")
	packedKernel()
	implicitKernel()
	packedKernel512()
	wideKernel512()
	shortWideKernels512()
	implicitKernel512()
	implicitWideKernel512()
	implicitWidePackKernel512()
	edgeKernels512()
	columnKernels()
	Generate()
}

// packedKernel emits the GEMM micro-kernel, whose B operand is a packed
// panel: row p of B is the 16 floats at b[16p:].
func packedKernel() {
	name := fmt.Sprintf("sgemmKernel%dx%dFMA", mr, nr)
	TEXT(name, NOSPLIT, "func(kc int, a, b, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32)")
	Doc(
		name+" computes the 6×16 tile P = A·B, where A is a packed 6×kc panel",
		"(a[p*6+i] is row i, step p) and B is a packed kc×16 panel (b[p*16+j]).",
		"With accumulate false the result is P, with accumulate true C + P. When",
		"bias is not empty, bias[i] is then added to row i, and when relu is set,",
		"negative results become 0 and results above hi become hi (NaN and -0",
		"stay; hi is +Inf for plain ReLU, 6 for ReLU6). The result is stored in",
		"c[i*ldc+j]. It reads a[:6*kc], b[:16*kc], bias[:6] when bias is not",
		"empty, and the 6 rows of 16 floats at c[i*ldc:], nothing else; the",
		"caller checks those bounds. Requires AVX, AVX2 and FMA3.",
	)
	bPtr := Load(Param("b").Base(), GP64())
	emitTile(func(p int, b0, b1 VecPhysical) {
		VMOVUPS(Mem{Base: bPtr, Disp: 4 * nr * p}, b0)
		VMOVUPS(Mem{Base: bPtr, Disp: 4*nr*p + 32}, b1)
	}, func(steps int) {
		ADDQ(U32(4*nr*steps), bPtr)
	})
}

// implicitKernel emits the micro-kernel of implicit-GEMM convolution,
// whose B operand is never packed: row p of B is the 16 consecutive floats
// of the (padded) input image at src[offsets[p]:], because with a
// horizontal stride of 1 the 16 output pixels of a tile read consecutive
// input pixels for every tap.
func implicitKernel() {
	name := fmt.Sprintf("convKernel%dx%dFMA", mr, nr)
	TEXT(name, NOSPLIT, "func(kc int, a, src []float32, offsets []int, c []float32, ldc int, accumulate bool, bias []float32, relu bool, hi float32)")
	Doc(
		name+" computes the 6×16 tile P = A·B like sgemmKernel6x16FMA, but row p",
		"of B is src[offsets[p]:offsets[p]+16] instead of a packed panel. It reads",
		"a[:6*kc], offsets[:kc], those 16 floats of src for each p, bias[:6] when",
		"bias is not empty, and the 6 rows of 16 floats at c[i*ldc:], nothing",
		"else; the caller checks that every offset lies in [0, len(src)-16].",
		"Requires AVX, AVX2 and FMA3.",
	)
	src := Load(Param("src").Base(), GP64())
	offsets := Load(Param("offsets").Base(), GP64())
	off := GP64()
	emitTile(func(p int, b0, b1 VecPhysical) {
		MOVQ(Mem{Base: offsets, Disp: 8 * p}, off)
		VMOVUPS(Mem{Base: src, Index: off, Scale: 4}, b0)
		VMOVUPS(Mem{Base: src, Index: off, Scale: 4, Disp: 32}, b1)
	}, func(steps int) {
		ADDQ(U32(8*steps), offsets)
	})
}

// emitTile emits the body shared by the micro-kernels: the k loop, with
// loadB emitting the load of row p (relative to the current position) of
// B into two registers and advanceB moving B's position by some rows, then
// the optional accumulation into C, bias, ReLU and the store.
func emitTile(loadB func(p int, b0, b1 VecPhysical), advanceB func(steps int)) {
	// Register map:
	//   Y0–Y11  accumulators; row i uses Y(2i) for columns 0–7 and Y(2i+1)
	//           for columns 8–15
	//   Y12,Y13 the current row of B (16 floats)
	//   Y14,Y15 broadcasts of A, alternated so that consecutive broadcasts
	//           do not wait on each other
	acc := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}
	b0, b1 := Y12, Y13
	bcast := []VecPhysical{Y14, Y15}

	kc := Load(Param("kc"), GP64())
	aPtr := Load(Param("a").Base(), GP64())
	cPtr := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())

	Comment("Zero the accumulators.")
	for _, y := range acc {
		VXORPS(y, y, y)
	}

	// step emits one k step at offset p (in steps) from the panel pointers.
	step := func(p int) {
		loadB(p, b0, b1)
		for i := 0; i < mr; i++ {
			t := bcast[i%2]
			VBROADCASTSS(Mem{Base: aPtr, Disp: 4 * (mr*p + i)}, t)
			VFMADD231PS(b0, t, acc[2*i])
			VFMADD231PS(b1, t, acc[2*i+1])
		}
	}

	emitKLoop(kc, aPtr, step, advanceB, true, "Remaining k steps, one at a time.", "store")

	Label("store")
	Comment("ldc from elements to bytes.")
	SHLQ(Imm(2), ldc)
	accumulate := Load(Param("accumulate"), GP8())
	TESTB(accumulate, accumulate)
	JZ(LabelRef("bias"))

	Comment("P += C. The pointer walks down the rows and comes back.")
	cRow := GP64()
	MOVQ(cPtr, cRow)
	for i := 0; i < mr; i++ {
		VADDPS(Mem{Base: cRow}, acc[2*i], acc[2*i])
		VADDPS(Mem{Base: cRow, Disp: 32}, acc[2*i+1], acc[2*i+1])
		if i < mr-1 {
			ADDQ(ldc, cRow)
		}
	}

	// The epilogue reuses the operand registers, free after the loop:
	// Y12 holds a bias broadcast, then hi, and Y13 zero for ReLU.
	Label("bias")
	biasLen := Load(Param("bias").Len(), GP64())
	TESTQ(biasLen, biasLen)
	JZ(LabelRef("relu"))
	biasPtr := Load(Param("bias").Base(), GP64())
	Comment("P[i] += bias[i].")
	for i := 0; i < mr; i++ {
		VBROADCASTSS(Mem{Base: biasPtr, Disp: 4 * i}, b0)
		VADDPS(b0, acc[2*i], acc[2*i])
		VADDPS(b0, acc[2*i+1], acc[2*i+1])
	}

	Label("relu")
	relu := Load(Param("relu"), GP8())
	TESTB(relu, relu)
	JZ(LabelRef("write"))
	Comment("P = min(max(P, 0), hi) with P as the second source of VMAXPS and",
		"VMINPS, which return it when either operand is NaN and both are zeros,",
		"so NaN and -0 stay. Y12 holds hi, Y13 zero.")
	VBROADCASTSS(paramAddr("hi"), b0)
	VXORPS(b1, b1, b1)
	for _, y := range acc {
		VMAXPS(y, b1, y)
		VMINPS(y, b0, y)
	}

	Label("write")
	for i := 0; i < mr; i++ {
		VMOVUPS(acc[2*i], Mem{Base: cPtr})
		VMOVUPS(acc[2*i+1], Mem{Base: cPtr, Disp: 32})
		if i < mr-1 {
			ADDQ(ldc, cPtr)
		}
	}
	VZEROUPPER()
	RET()
}

// paramAddr returns the stack address of the argument name. The float
// argument hi is broadcast straight from there, because avo's Load would
// move it with the legacy-SSE MOVSS. After 256- and 512-bit code, a
// legacy-SSE instruction costs a state transition or a merge on Intel
// cores, and that made the capped epilogue several times slower.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// emitKLoop emits the k loop of the GEMM micro-kernels: unroll steps per
// iteration while that many remain, then single steps, then a jump to
// done. step(p) emits the k step at offset p from the panel pointers,
// and advanceB moves B's pointer by some steps. kc counts the steps left.
// tail is the comment of the single-step loop. When prefetch is set,
// each unrolled iteration prefetches A prefetchAhead bytes ahead.
func emitKLoop(kc, aPtr Register, step func(p int), advanceB func(steps int), prefetch bool, tail, done string) {
	Comment("Main loop: unroll k steps per iteration while at least that many remain.")
	Label("unrolled")
	CMPQ(kc, Imm(unroll))
	JL(LabelRef("single"))
	for p := 0; p < unroll; p++ {
		step(p)
		if p == 0 && prefetch {
			PREFETCHT0(Mem{Base: aPtr, Disp: prefetchAhead})
			PREFETCHT0(Mem{Base: aPtr, Disp: prefetchAhead + 64})
		}
	}
	ADDQ(U32(4*mr*unroll), aPtr)
	advanceB(unroll)
	SUBQ(Imm(unroll), kc)
	JMP(LabelRef("unrolled"))

	Comment(tail)
	Label("single")
	TESTQ(kc, kc)
	JZ(LabelRef(done))
	step(0)
	ADDQ(Imm(4*mr), aPtr)
	advanceB(1)
	DECQ(kc)
	JMP(LabelRef("single"))
}
