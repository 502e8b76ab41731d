package kernels

import (
	"unsafe"

	"github.com/simdnn/simdnn/internal/freelist"
)

// gemmWorkspace holds the packed blocks of one Sgemm call.
type gemmWorkspace struct {
	a    []float32 // mc×kc block of A in gemmMR-row panels, scaled by alpha
	b    []float32 // kc×nc block of B in gemmNR-column panels
	edge [gemmMR * gemmNR]float32
	bias [gemmMR]float32     // an edge tile's bias, zero past the last row
	sums [4 * gemmMR]float32 // of the column kernel
}

// gemmWorkspaces is a free list of workspaces. Unlike a sync.Pool it is
// never emptied by the garbage collector, so steady-state Sgemm calls
// allocate nothing. It holds as many workspaces as calls have ever run at
// once, each about 3.2 MiB.
var gemmWorkspaces freelist.List[gemmWorkspace]

func getGemmWorkspace() *gemmWorkspace {
	if ws := gemmWorkspaces.Get(); ws != nil {
		return ws
	}
	return &gemmWorkspace{
		a: alignedFloats(roundUp(gemmMC, gemmMR) * gemmKC),
		b: alignedFloats(roundUp(gemmNC, gemmNR) * gemmKC),
	}
}

func putGemmWorkspace(ws *gemmWorkspace) { gemmWorkspaces.Put(ws) }

func roundUp(x, multiple int) int { return (x + multiple - 1) / multiple * multiple }

// alignedFloats returns n float32s whose first element is 64-byte aligned,
// the size of a cache line, so that packed panels never straddle lines
// more than they must.
func alignedFloats(n int) []float32 {
	const align = 64 / 4
	buf := make([]float32, n+align)
	offset := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % 64 / 4)
	if offset != 0 {
		offset = align - offset
	}
	return buf[offset : offset+n : offset+n]
}

// packA copies the mc×kc block of op(A) at row i0, column p0 into dst as
// ceil(mc/gemmMR) panels: panel r holds rows i0+r*gemmMR… as
// dst[(r*kc+p)*gemmMR+i] = alpha*op(A)[i0+r*gemmMR+i][p0+p], with rows past
// mc set to zero so that edge tiles need no special kernel.
func packA(dst, a []float32, lda int, transA bool, i0, mc, p0, kc int, alpha float32) {
	for r := 0; r*gemmMR < mc; r++ {
		panel := dst[r*kc*gemmMR : (r+1)*kc*gemmMR]
		rows := min(gemmMR, mc-r*gemmMR)
		first := i0 + r*gemmMR
		switch {
		case transA:
			// Row p of the panel is a contiguous run of a's row p0+p.
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+first : (p0+p)*lda+first+rows]
				out := panel[p*gemmMR : (p+1)*gemmMR]
				for i, v := range src {
					out[i] = alpha * v
				}
				clear(out[rows:])
			}
		case rows == gemmMR:
			packAPanel6(panel, a, lda, first, p0, kc, alpha)
		default:
			for i := 0; i < rows; i++ {
				src := a[(first+i)*lda+p0 : (first+i)*lda+p0+kc]
				for p, v := range src {
					panel[p*gemmMR+i] = alpha * v
				}
			}
			for p := 0; p < kc; p++ {
				clear(panel[p*gemmMR+rows : (p+1)*gemmMR])
			}
		}
	}
}

// packAPanel6 packs a full panel of gemmMR = 6 rows of a row-major A,
// reading the six rows side by side so that the panel is written in order.
func packAPanel6(panel, a []float32, lda, first, p0, kc int, alpha float32) {
	row := func(i int) []float32 { return a[(first+i)*lda+p0 : (first+i)*lda+p0+kc] }

	// Rows sliced to r0's length, and the panel walked 6 floats at a
	// time, let the compiler drop most bounds checks from the loop. They
	// had cost about as much as the copies: this function's share of
	// Sgemm 512³ fell from 10 % to 5 % (pprof, one thread).
	r0 := row(0)
	r1, r2, r3, r4, r5 := row(1)[:len(r0)], row(2)[:len(r0)], row(3)[:len(r0)], row(4)[:len(r0)], row(5)[:len(r0)]
	panel = panel[:kc*gemmMR]
	if alpha == 1 {
		for p := range r0 {
			out := (*[gemmMR]float32)(panel)
			out[0], out[1], out[2], out[3], out[4], out[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			panel = panel[gemmMR:]
		}
		return
	}
	for p := range r0 {
		out := (*[gemmMR]float32)(panel)
		out[0], out[1], out[2] = alpha*r0[p], alpha*r1[p], alpha*r2[p]
		out[3], out[4], out[5] = alpha*r3[p], alpha*r4[p], alpha*r5[p]
		panel = panel[gemmMR:]
	}
}

// packB copies the kc×nc block of op(B) at row p0, column j0 into dst as
// ceil(nc/gemmNR) panels: panel r holds dst[(r*kc+p)*gemmNR+j] =
// op(B)[p0+p][j0+r*gemmNR+j], with columns past nc set to zero.
func packB(dst, b []float32, ldb int, transB bool, p0, kc, j0, nc int) {
	for r := 0; r*gemmNR < nc; r++ {
		panel := dst[r*kc*gemmNR : (r+1)*kc*gemmNR]
		cols := min(gemmNR, nc-r*gemmNR)
		first := j0 + r*gemmNR
		if transB {
			for j := 0; j < cols; j++ {
				src := b[(first+j)*ldb+p0 : (first+j)*ldb+p0+kc]
				for p, v := range src {
					panel[p*gemmNR+j] = v
				}
			}
			if cols < gemmNR {
				for p := 0; p < kc; p++ {
					clear(panel[p*gemmNR+cols : (p+1)*gemmNR])
				}
			}
			continue
		}
		for p := 0; p < kc; p++ {
			row := (p0 + p) * ldb
			out := panel[p*gemmNR : (p+1)*gemmNR]
			copy(out, b[row+first:row+first+cols])
			clear(out[cols:])
		}
	}
}
