package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The column kernels compute one column of four 6-row tiles: for each of
// four packed A panels, the 6 dot products of its rows with one column of
// a packed B panel. They serve the last panel of B when it holds only a
// few columns, as at n = 49 (7×7 outputs), where the 6×16 kernel does 16
// columns of work for one.
//
// Each element goes through the same FMAs in the same order as in the
// tile kernel of the same instruction set, so a column is the same bit for
// bit whichever kernel computes it. The AVX2 tile kernel keeps one chain
// of FMAs per element. The AVX-512 one keeps two: even and odd k steps,
// with the single steps after the unrolled loop in the even chain. The
// column kernels reuse emitKLoop to get the same split. A 6×1 column has
// too few independent chains to hide the FMA latency, so the kernels
// take four A panels at once: 4 (AVX2) or 8 (AVX-512) chains.
//
// A YMM register holds the 6 rows of one k step of a panel, loaded with
// VMASKMOVPS: the next 2 floats would lie past the end of the last panel.
// The AVX-512 kernel uses the same YMM code with two chains per element.
// Its masked ZMM loads, whose 64-byte span crosses a cache line at most
// steps, made it 2.5× slower per call (BenchmarkSgemmColumns), and each
// element's sums are the same at any vector width.

// columnPanels is how many A panels a column kernel call computes.
const columnPanels = 4

// columnKernel emits the column kernel name with chains FMA chains per
// element: 1 to match the AVX2 tile kernel, 2 for the AVX-512 one.
// maskData is the address of the mask of columnMask.
func columnKernel(name string, chains int, requires string, maskData Mem) {
	TEXT(name, NOSPLIT, "func(kc int, a0, a1, a2, a3, b, sums []float32)")
	Doc(
		name+" computes sums[6*g+i] = Σ_p ag[p*6+i]·b[p*16] for the four packed",
		"6×kc A panels a0…a3 and column 0 of the packed kc×16 B panel b (pass",
		"b[j:] for column j). Each sum takes the same operations in the same",
		"order as element (i, j) of the "+requires+" tile kernel.",
		"It reads ag[:6*kc] and b[p*16] for p < kc, writes sums[:24], and",
		"touches nothing else; the caller checks those bounds. Requires AVX,",
		"AVX2 and FMA3.",
	)

	// Register map:
	//   acc[g][s]  the sums of panel g, chain s: Y0–Y3 (one chain) or
	//              Y0–Y7 (even and odd k steps)
	//   x          b[p*16] broadcast
	//   t[0],t[1]  a masked load of a panel's 6 floats, alternated so that
	//              a load need not wait for the previous FMA
	//   mask       the first 6 lanes set, for VMASKMOVPS
	// General registers: kc counts k steps left, aPtr walks panel a0 and
	// off[g] is the distance from a0 to panel g in bytes, so that one
	// pointer moves for all four. bPtr walks b, 64 bytes per k step.
	regs := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}
	acc := make([][]VecPhysical, columnPanels)
	for g := range acc {
		acc[g] = regs[g*chains : (g+1)*chains]
	}
	free := regs[columnPanels*chains:]
	x, t, mask := free[0], free[1:3], free[3]

	kc := Load(Param("kc"), GP64())
	aPtr := Load(Param("a0").Base(), GP64())
	off := []Register{nil}
	for g := 1; g < columnPanels; g++ {
		r := Load(Param(fmt.Sprintf("a%d", g)).Base(), GP64())
		SUBQ(aPtr, r)
		off = append(off, r)
	}
	bPtr := Load(Param("b").Base(), GP64())
	sums := Load(Param("sums").Base(), GP64())

	Comment("The mask of the 6 floats of a k step, and zero chains.")
	VMOVUPS(maskData, mask)
	for _, set := range acc {
		for _, r := range set {
			VXORPS(r, r, r)
		}
	}

	// panelRow returns the address of k step p of panel g.
	panelRow := func(g, p int) Mem {
		if g == 0 {
			return Mem{Base: aPtr, Disp: 4 * mr * p}
		}
		return Mem{Base: aPtr, Index: off[g], Scale: 1, Disp: 4 * mr * p}
	}

	// step emits the k step at offset p, into the chains of p's parity.
	step := func(p int) {
		chain := (p % 2) % chains
		VBROADCASTSS(Mem{Base: bPtr, Disp: 4 * nr * p}, x)
		for g := range columnPanels {
			tg := t[g%2]
			VMASKMOVPS(panelRow(g, p), mask, tg)
			// The same operand order as the tile kernel, which decides
			// which NaN an FMA passes on when A and B both hold one.
			if chains == 1 {
				VFMADD231PS(x, tg, acc[g][chain])
			} else {
				VFMADD231PS(tg, x, acc[g][chain])
			}
		}
	}

	tail := "Remaining k steps, one at a time."
	if chains == 2 {
		tail = "Remaining k steps, one at a time, into the even chains."
	}
	emitKLoop(kc, aPtr, step, func(steps int) {
		ADDQ(U32(4*nr*steps), bPtr)
	}, false, tail, "store")

	Label("store")
	if chains == 2 {
		Comment("P = even + odd, then the 6 sums of each panel.")
	} else {
		Comment("The 6 sums of each panel.")
	}
	for g, set := range acc {
		if chains == 2 {
			VADDPS(set[1], set[0], set[0])
		}
		VMASKMOVPS(set[0], mask, Mem{Base: sums, Disp: 4 * mr * g})
	}
	VZEROUPPER()
	RET()
}

// columnMask returns the address of a YMM mask whose first 6 lanes
// have their sign bit set, the lanes VMASKMOVPS moves.
func columnMask() Mem {
	m := GLOBL("sgemmColumnMask", RODATA|NOPTR)
	for lane := range 8 {
		v := uint32(0)
		if lane < mr {
			v = 0xffffffff
		}
		DATA(4*lane, U32(v))
	}
	return m
}

// columnKernels emits the column kernels that match the AVX2 and the
// AVX-512 tile kernels.
func columnKernels() {
	mask := columnMask()
	columnKernel("sgemmColumn6x4FMA", 1, "AVX2", mask)
	columnKernel("sgemmColumn6x4AVX512", 2, "AVX-512", mask)
}
