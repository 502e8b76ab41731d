package kernels

import "fmt"

// GEMM blocking, in the BLIS scheme: C is computed in gemmMR×gemmNR tiles
// by the micro-kernel from packed panels. A kc×nc block of B (up to 3 MiB)
// is packed once and stays in the shared L3 cache; an mc×kc block of A
// (up to 144 KiB) stays in the 512 KiB L2; one kc×16 panel of B (16 KiB)
// stays in the 32 KiB L1 while the kernel walks down the A block. The
// AVX-512 pair kernel walks two panels (32 KiB) at a time, on cores whose
// L1 holds 48 KiB.
const (
	gemmMR = 6
	gemmNR = 16
	gemmKC = 256
	gemmMC = 144
	gemmNC = 3072
)

// columnMaxCols is the most columns in the last panel of B for which the
// driver calls the column kernels (kernelSet.sgemmColumns) instead of the
// tile kernel. On one core of an Intel Xeon (Emerald Rapids), one column
// took 0.19 of a tile's time with AVX2 and 0.30 with AVX-512
// (BenchmarkSgemmColumns against BenchmarkSgemmTile, kc = 256).
const columnMaxCols = 3

func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemmArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if m == 1 {
		gemvRow(transA, transB, n, k, alpha, a, lda, b, ldb, beta, c)
		return
	}
	if beta != 0 && beta != 1 {
		scaleMatrix(m, n, beta, c, ldc)
		beta = 1
	}

	weights := aSource{a: a, lda: lda, trans: transA, alpha: alpha}
	if !transB && pointwiseInPlace(m) {
		// A row-major B is the image of a pointwise convolution with
		// rows ldb apart, and that path reads it in place. With
		// AVX-512, the first A panel's kernel packs each block of
		// columns while it computes, so B never takes a pass of its
		// own. On an Intel Xeon (one thread, BenchmarkSgemm) this took
		// 64×3136×576 from 76 to 113 GFLOPS.
		matrices := pointwiseMatrices{dst: c, src: b, ldc: ldc, ldb: ldb, accumulate: beta != 0}
		convPointwise(matrices, weights, m, k, n, epilogue{})
		return
	}
	gemmParallel(m, n, k, weights, denseB{b: b, ldb: ldb, trans: transB}, beta, c, ldc, epilogue{})
}

// gemmParallel computes C = alpha*op(A)*B + beta*C, for beta 0 or 1, with
// B read through src, and applies ep to C. It splits C into bands for the
// worker pool when the product is large enough. The source is a type
// parameter rather than an interface value so that passing it allocates
// nothing.
func gemmParallel[S bSource](m, n, k int, a aSource, src S, beta float32, c []float32, ldc int, ep epilogue) {
	parts, alongN := splitGemm(m, n, k, Threads())
	if parts == 1 {
		gemmBlocked(m, n, k, a, src, 0, beta, c, ldc, ep)
		return
	}
	gemmSplit(parts, alongN, m, n, k, a, src, beta, c, ldc, ep)
}

// gemmSplit computes the bands of gemmParallel on the worker pool. Each
// band computes its part of C from its own packed copies, so the bands
// share nothing but read-only A and B.
func gemmSplit[S bSource](parts int, alongN bool, m, n, k int, a aSource, src S, beta float32, c []float32, ldc int, ep epilogue) {
	jobs := gemmJobsFor[S]()
	j := jobs.get()
	*j = gemmJob[S]{parts: parts, alongN: alongN, m: m, n: n, k: k, a: a, src: src, beta: beta, c: c, ldc: ldc, ep: ep}
	parallelRun(parts, j)
	jobs.put(j)
}

// gemmJob is a gemmParallel call split into parts bands of C's columns
// (alongN) or rows.
type gemmJob[S bSource] struct {
	parts   int
	alongN  bool
	m, n, k int
	a       aSource
	src     S
	beta    float32
	c       []float32
	ldc     int
	ep      epilogue
}

func (j *gemmJob[S]) Piece(part int) {
	if j.alongN {
		j0, j1 := bandBounds(j.n, j.parts, gemmNR, part)
		gemmBlocked(j.m, j1-j0, j.k, j.a, j.src, j0, j.beta, j.c[j0:], j.ldc, j.ep)
		return
	}
	i0, i1 := bandBounds(j.m, j.parts, gemmMR, part)
	gemmBlocked(i1-i0, j.n, j.k, j.a.rows(i0), j.src, 0, j.beta, j.c[i0*j.ldc:], j.ldc, j.ep.rows(i0))
}

// gemmJobPools holds a job pool for each B source that the package
// instantiates gemmParallel with; Go has no per-instantiation variables.
var gemmJobPools struct {
	dense  jobPool[gemmJob[denseB]]
	direct jobPool[gemmJob[directImageB]]
	image  jobPool[gemmJob[imageB]]
}

// gemmJobsFor returns the job pool for source type S: one of
// gemmJobPools, or a new pool for a type it lacks.
func gemmJobsFor[S bSource]() *jobPool[gemmJob[S]] {
	var pool any
	switch any((*S)(nil)).(type) {
	case *denseB:
		pool = &gemmJobPools.dense
	case *directImageB:
		pool = &gemmJobPools.direct
	case *imageB:
		pool = &gemmJobPools.image
	}
	if p, ok := pool.(*jobPool[gemmJob[S]]); ok {
		return p
	}
	return new(jobPool[gemmJob[S]])
}

// minParallelWork is the smallest m*n*k (multiply-adds) worth a piece of
// its own: about 10–20 µs at this library's GEMM rates. Handing a piece
// to a polling worker costs a few microseconds (see workerSpin), so
// MobileNet's small 7×7 and 14×14 layers still gain from a second core.
const minParallelWork = 1 << 20

// minParallelStream is minParallelWork for the kernels that do one or two
// multiply-adds per float they load (depthwise convolution, GEMV), which
// run at a fraction of the GEMM rate.
const minParallelStream = 1 << 18

// splitGemm decides how many bands of C to compute in parallel and
// whether the bands split the columns (alongN) or the rows. A band of
// columns reads all of A and a band of rows packs all of B, so the split
// goes along the larger of m and n, as long as every band gets a few
// tiles. SqueezeNet's classifier (m=1000, n=169, k=512) took 640 µs on
// two threads split by columns and 548 µs split by rows (Intel Xeon).
func splitGemm(m, n, k, threads int) (parts int, alongN bool) {
	work := float64(m) * float64(n) * float64(k)
	parts = min(threads, int(work/minParallelWork))
	if parts <= 1 {
		return 1, false
	}
	colsFit := n >= parts*4*gemmNR
	rowsFit := m >= parts*2*gemmMR
	switch {
	case rowsFit && (m > n || !colsFit):
		return parts, false
	case colsFit:
		return parts, true
	}
	return 1, false
}

// bandBounds returns band part of parts over [0, total), with every
// boundary a multiple of unit so that bands split no tile.
func bandBounds(total, parts, unit, part int) (lo, hi int) {
	units := (total + unit - 1) / unit
	lo = min(units*part/parts*unit, total)
	hi = min(units*(part+1)/parts*unit, total)
	return lo, hi
}

// gemmBlocked computes the m×n matrix C = alpha*op(A)*B + beta*C for beta 0
// or 1 on the calling goroutine, where column j of this C is column
// srcCol+j of the matrix that src packs, and applies ep.
func gemmBlocked[S bSource](m, n, k int, a aSource, src S, srcCol int, beta float32, c []float32, ldc int, ep epilogue) {
	ws := getGemmWorkspace()
	defer putGemmWorkspace(ws)
	ks := impl // a copy, so the whole call uses one implementation

	for jc := 0; jc < n; jc += gemmNC {
		nc := min(gemmNC, n-jc)
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			// The first block along k overwrites C when beta is 0, so C is
			// never read then, as BLAS requires. The epilogue runs on the
			// last block, while each tile is still in the L1 cache.
			accumulate := beta != 0 || pc > 0
			last := pc+kc == k
			src.packB(ws.b, pc, kc, srcCol+jc, nc)

			for ic := 0; ic < m; ic += gemmMC {
				mc := min(gemmMC, m-ic)
				aBlock := a.block(ws, ic, mc, pc, kc)
				tileEp := epilogue{}
				if last {
					tileEp = ep.rows(ic)
				}
				macroKernel(&ks, ws, aBlock, mc, nc, kc, c[ic*ldc+jc:], ldc, accumulate, tileEp)
			}
		}
	}
}

// macroKernel multiplies the packed mc×kc block of A by the packed kc×nc
// block of B into C, whose top-left element is c[0], and applies ep to
// each tile. Full tiles go straight to C; edge tiles go through edgeTile
// so that the micro-kernel never writes outside C. Where the kernel set has
// a pair kernel, it takes two full B panels at a time, and where it has a
// column kernel, that computes a last panel of up to columnMaxCols
// columns. The tiles are the same bit for bit either way.
func macroKernel(ks *kernelSet, ws *gemmWorkspace, aBlock []float32, mc, nc, kc int, c []float32, ldc int, accumulate bool, ep epilogue) {
	for jr := 0; jr < nc; {
		if ks.sgemmTilePair != nil && nc-jr >= 2*gemmNR {
			pairPanels(ks, ws, aBlock, mc, kc, ws.b[jr*kc:(jr+2*gemmNR)*kc], c[jr:], ldc, accumulate, ep)
			jr += 2 * gemmNR
			continue
		}

		nr := min(gemmNR, nc-jr)
		if nr <= columnMaxCols && ks.sgemmColumns != nil {
			columnTiles(ks, ws, aBlock, mc, kc, ws.b[jr*kc:(jr+gemmNR)*kc], nr, c[jr:], ldc, accumulate, ep)
			break
		}
		bPanel := ws.b[jr*kc : (jr+gemmNR)*kc]
		for ir := 0; ir < mc; ir += gemmMR {
			mr := min(gemmMR, mc-ir)
			aPanel := aBlock[ir*kc : (ir+gemmMR)*kc]
			if mr < gemmMR || nr < gemmNR {
				edgeTile(ks, ws, aPanel, bPanel, kc, c[ir*ldc+jr:], ldc, ir, mr, nr, accumulate, ep)
				continue
			}
			if ep.bias == nil && !ep.act.relu {
				ks.sgemmTile(kc, aPanel, bPanel, c[ir*ldc+jr:], ldc, accumulate)
				continue
			}
			ks.sgemmTileEpilogue(kc, aPanel, bPanel, c[ir*ldc+jr:], ldc, accumulate, ep.tileBias(ir), ep.act)
		}
		jr += gemmNR
	}
}

// pairPanels runs the pair kernel down the A block for the two full B
// panels in bPanels, whose first column is c[0]. Rows past the last full
// tile of A go to the set's pair kernel for fewer rows, or without one
// through edgeTile, one panel at a time.
func pairPanels(ks *kernelSet, ws *gemmWorkspace, aBlock []float32, mc, kc int, bPanels, c []float32, ldc int, accumulate bool, ep epilogue) {
	for ir := 0; ir < mc; ir += gemmMR {
		pairPanel(ks, ws, aBlock, ir, mc, kc, bPanels, c[ir*ldc:], ldc, accumulate, ep)
	}
}

// pairPanel computes the pair of tiles of the A panel at row ir of the
// mc-row block aBlock, storing at c[0], which is row ir of the block.
func pairPanel(ks *kernelSet, ws *gemmWorkspace, aBlock []float32, ir, mc, kc int, bPanels, c []float32, ldc int, accumulate bool, ep epilogue) {
	mr := min(gemmMR, mc-ir)
	aPanel := aBlock[ir*kc : (ir+gemmMR)*kc]
	switch {
	case mr == gemmMR:
		ks.sgemmTilePair(kc, aPanel, bPanels, c, ldc, accumulate, ep.tileBias(ir), ep.act)
	case ks.sgemmTilePairRows != nil:
		ks.sgemmTilePairRows(kc, aPanel, bPanels, c, ldc, accumulate, ep.cornerBias(ir, mr), ep.act, mr)
	default:
		edgeTile(ks, ws, aPanel, bPanels[:gemmNR*kc], kc, c, ldc, ir, mr, gemmNR, accumulate, ep)
		edgeTile(ks, ws, aPanel, bPanels[gemmNR*kc:], kc, c[gemmNR:], ldc, ir, mr, gemmNR, accumulate, ep)
	}
}

// columnTiles computes the first nr columns of the tiles of bPanel, the
// last panel of the block, with the column kernel, and stores them at c[0]
// as edgeTile would. The kernel takes four A panels per call. Past the
// last panel it is passed the last one again, and those sums are dropped.
// C, the bias and the activation are applied in Go in the tile kernels'
// order, with addToProduct and Activation.value, which keep a NaN's bits
// as the tile kernels do (the clamp kernel would replace them).
func columnTiles(ks *kernelSet, ws *gemmWorkspace, aBlock []float32, mc, kc int, bPanel []float32, nr int, c []float32, ldc int, accumulate bool, ep epilogue) {
	panels := (mc + gemmMR - 1) / gemmMR
	sums := ws.sums[:]
	for first := 0; first < panels; first += 4 {
		var a [4][]float32
		for g := range a {
			q := min(first+g, panels-1)
			a[g] = aBlock[q*gemmMR*kc : (q+1)*gemmMR*kc]
		}
		rows := min(4*gemmMR, mc-first*gemmMR)
		tile := c[first*gemmMR*ldc:]
		for j := range nr {
			ks.sgemmColumns(kc, a[0], a[1], a[2], a[3], bPanel[j:], sums)
			for i, v := range sums[:rows] {
				if accumulate {
					v = addToProduct(v, tile[i*ldc+j])
				}
				if ep.bias != nil {
					v = addToProduct(v, ep.bias[first*gemmMR+i])
				}
				tile[i*ldc+j] = ep.act.value(v)
			}
		}
	}
}

// addToProduct returns p + x, or p itself when p is NaN. The assembly
// kernels add C and the bias to the product as the first operand, which
// is the NaN that x86 and Arm return when both operands are NaN. Go leaves
// that choice to the compiler: v + c kept C's NaN under -race and the
// product's without it.
func addToProduct(p, x float32) float32 {
	if p != p {
		return p
	}
	return p + x
}

// edgeTile computes the top-left mr×nr corner of a tile and stores it at
// c[0], which is in row firstRow of the C that ep describes. The set's
// edge kernel does that in place. Without one, the tile goes to ws.edge
// and the corner is copied out: the kernel applies the epilogue, on C's
// values copied in, so the corner gets the same operations in the same
// order as a full tile's. Applying it in Go afterwards, row by row, made
// small-kc layers such as SqueezeNet's stem (kc = 27) about 10 % slower
// (BenchmarkConvLayer).
func edgeTile(ks *kernelSet, ws *gemmWorkspace, aPanel, bPanel []float32, kc int, c []float32, ldc, firstRow, mr, nr int, accumulate bool, ep epilogue) {
	if ks.sgemmEdge != nil {
		ks.sgemmEdge(kc, aPanel, bPanel, c, ldc, accumulate, ep.cornerBias(firstRow, mr), ep.act, mr, nr)
		return
	}
	edge := ws.edge[:]
	if accumulate {
		loadEdge(edge, c, ldc, mr, nr)
	}
	ks.sgemmTileEpilogue(kc, aPanel, bPanel, edge, gemmNR, accumulate, ws.edgeBias(ep, firstRow, mr), ep.act)
	storeEdge(c, ldc, edge, mr, nr)
}

// edgeBias returns the bias of the gemmMR-row tile at row firstRow of the
// C that ep describes, of which only mr rows exist, in ws.bias: nil when
// ep has no bias.
func (ws *gemmWorkspace) edgeBias(ep epilogue, firstRow, mr int) []float32 {
	if ep.bias == nil {
		return nil
	}
	n := copy(ws.bias[:mr], ep.bias[firstRow:firstRow+mr])
	clear(ws.bias[n:])
	return ws.bias[:]
}

// loadEdge copies the rows×cols corner of C at c[0] into the top-left of
// edge, whose rows are gemmNR apart. The rest of edge keeps whatever it
// held: the kernel computes it, and storeEdge drops it.
func loadEdge(edge, c []float32, ldc, rows, cols int) {
	for i := 0; i < rows; i++ {
		copy(edge[i*gemmNR:i*gemmNR+cols], c[i*ldc:i*ldc+cols])
	}
}

// storeEdge copies the top-left rows×cols corner of the full tile in
// edge, whose rows are gemmNR apart, to C at c[0].
func storeEdge(c []float32, ldc int, edge []float32, rows, cols int) {
	for i := 0; i < rows; i++ {
		copy(c[i*ldc:i*ldc+cols], edge[i*gemmNR:i*gemmNR+cols])
	}
}

// scaleMatrix multiplies the m×n matrix C by beta; beta 0 stores zeros
// without reading C, so NaN in C does not survive.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

func checkSgemmArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: Sgemm with negative dimension m=%d n=%d k=%d", m, n, k))
	}
	checkMatrix("A", transA, m, k, a, lda)
	checkMatrix("B", transB, k, n, b, ldb)
	checkMatrix("C", false, m, n, c, ldc)
}

// checkMatrix panics unless x can hold a rows×cols matrix (cols×rows when
// trans is set) with leading dimension ld.
func checkMatrix(name string, trans bool, rows, cols int, x []float32, ld int) {
	if trans {
		rows, cols = cols, rows
	}
	if ld < max(cols, 1) {
		// As in BLAS, a leading dimension is at least 1 even for rows of
		// length 0.
		panic(fmt.Sprintf("kernels: Sgemm ld%s=%d, want at least %d (the row length %d, and at least 1)", name, ld, max(cols, 1), cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if (rows-1) > (len(x)-cols)/ld || len(x) < cols {
		panic(fmt.Sprintf("kernels: Sgemm %s has %d elements, needs %d for %dx%d with leading dimension %d", name, len(x), (rows-1)*ld+cols, rows, cols, ld))
	}
}
