package kernels

// Pointwise convolution: a 1×1 kernel with stride 1 and no padding is the
// plain GEMM weights (m×channels) times the image (channels×pixels), whose
// rows are the image's channels as they lie in memory. The implicit-GEMM
// micro-kernel reads each 16-pixel tile straight from the image, across
// row boundaries, so nothing is copied or packed but the weights and a
// last partial tile. The general paths would either pack every column of
// the image or, in the implicit path, cut every output row into tiles and
// waste the partial tile at each row's end (a quarter of the work at
// 7×7).

// isPointwise reports whether p is such a convolution.
func isPointwise(p Conv2DParams) bool {
	return p.KernelH == 1 && p.KernelW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadTop == 0 && p.PadLeft == 0 && p.OutH == p.Height && p.OutW == p.Width
}

// pointwise computes dst (m×n) = weights (m×k) times the k×n matrix src
// and applies ep, reading src in place or packing it as the kernel set
// prefers.
func pointwise(dst, src []float32, a aSource, m, k, n int, ep epilogue) {
	if pointwiseInPlace(m) {
		convPointwise(pointwiseMatrices{dst: dst, src: src, ldc: n, ldb: n}, a, m, k, n, ep)
		return
	}
	gemmParallel(m, n, k, a, denseB{b: src, ldb: n}, 0, dst, n, ep)
}

// pointwiseInPlace reports whether the current kernel set computes a
// product with m rows of A faster reading B in place (convPointwise) than
// packing it first (gemmParallel).
func pointwiseInPlace(m int) bool {
	return !impl.convTileBorrowed && (impl.pointwisePackMinFilters == 0 || m < impl.pointwisePackMinFilters)
}

// pointwiseMatrices describes the B and C of a convPointwise call. B
// (src) is k×n with rows ldb floats apart, and C (dst) is m×n with rows
// ldc floats apart. accumulate adds the product to C (beta = 1 in
// Sgemm's terms) instead of overwriting it.
type pointwiseMatrices struct {
	dst, src   []float32
	ldc, ldb   int
	accumulate bool
}

// sampleImage writes the im2col matrix of a 1×1 convolution into dst:
// row c, column y*OutW+x holds src[c][y*StrideH-PadTop][x*StrideW-PadLeft],
// or zero where that position is outside the image.
func sampleImage(dst, src []float32, p Conv2DParams) {
	n := p.OutH * p.OutW

	// Output columns x0 ≤ x < x1 read input columns inside the image:
	// x*StrideW-PadLeft ≥ 0 and ≤ Width-1. With no input column at all
	// (Width 0) that range is empty, and Go's division, which rounds
	// toward zero, must not see the negative Width-1+PadLeft.
	x0 := min((p.PadLeft+p.StrideW-1)/p.StrideW, p.OutW)
	x1 := x0
	if last := p.Width - 1 + p.PadLeft; last >= 0 {
		x1 = max(min(last/p.StrideW+1, p.OutW), x0)
	}
	for c := 0; c < p.Channels; c++ {
		plane := src[c*p.Height*p.Width : (c+1)*p.Height*p.Width]
		out := dst[c*n : (c+1)*n]
		for y := 0; y < p.OutH; y++ {
			row := out[y*p.OutW : (y+1)*p.OutW]
			iy := y*p.StrideH - p.PadTop
			if iy < 0 || iy >= p.Height {
				clear(row)
				continue
			}
			in := plane[iy*p.Width : (iy+1)*p.Width]
			clear(row[:x0])
			clear(row[x1:])
			inside := row[x0:x1]
			for i, ix := 0, x0*p.StrideW-p.PadLeft; i < len(inside); i, ix = i+1, ix+p.StrideW {
				inside[i] = in[ix]
			}
		}
	}
}

// convPointwise computes dst (m×n) = weights (m×k) times src (k×n), or
// adds it to dst, then applies ep. Bands of whole tiles, or of whole
// 6-row panels of filters, run in parallel when the work is large
// enough.
func convPointwise(matrices pointwiseMatrices, weights aSource, m, k, n int, ep epilogue) {
	work := float64(m) * float64(n) * float64(k)
	tiles := (n + gemmNR - 1) / gemmNR
	parts := max(1, min(Threads(), tiles, int(work/minParallelWork)))
	if parts == 1 {
		convPointwiseCols(matrices, weights, m, k, n, 0, n, ep)
		return
	}
	convPointwiseSplit(parts, matrices, weights, m, k, n, ep)
}

// pointwiseJob is a convPointwise call split into parts bands of
// columns, or of filters when byRows is set.
type pointwiseJob struct {
	parts    int
	byRows   bool
	matrices pointwiseMatrices
	weights  aSource
	m, k, n  int
	ep       epilogue
}

var pointwiseJobs jobPool[pointwiseJob]

func (j *pointwiseJob) Piece(part int) {
	if j.byRows {
		r0, r1 := bandBounds(j.m, j.parts, gemmMR, part)
		if r0 < r1 {
			band := j.matrices
			band.dst = band.dst[r0*band.ldc:]
			convPointwiseCols(band, j.weights.rows(r0), r1-r0, j.k, j.n, 0, j.n, j.ep.rows(r0))
		}
		return
	}
	c0, c1 := bandBounds(j.n, j.parts, gemmNR, part)
	convPointwiseCols(j.matrices, j.weights, j.m, j.k, j.n, c0, c1, j.ep)
}

// convPointwiseSplit computes bands on the worker pool.
func convPointwiseSplit(parts int, matrices pointwiseMatrices, weights aSource, m, k, n int, ep epilogue) {
	j := pointwiseJobs.get()
	*j = pointwiseJob{parts: parts, byRows: pointwiseByRows(parts, m, n), matrices: matrices, weights: weights, m: m, k: k, n: n, ep: ep}
	parallelRun(parts, j)
	pointwiseJobs.put(j)
}

// convPointwiseCols computes columns [j0, j1) of matrices.dst, where j0 is a
// multiple of gemmNR.
func convPointwiseCols(matrices pointwiseMatrices, weights aSource, m, k, n, j0, j1 int, ep epilogue) {
	dst, src, ldc, ldb := matrices.dst, matrices.src, matrices.ldc, matrices.ldb
	ws := getGemmWorkspace()
	defer putGemmWorkspace(ws)
	ks := impl

	// Tiles that end before column n read the image in place. A last
	// partial tile would read past the last channel's row. So for each
	// block of kc rows, its columns are first copied into a zero-padded
	// kc×16 panel, which stays small however large k is.
	full := j0 + (j1-j0)/gemmNR*gemmNR
	var tail []float32
	if full < j1 {
		tail = getScratch(min(k, gemmKC) * gemmNR)
		defer putScratch(tail)
	}

	offsets := getIntScratch(2 * min(k, gemmKC))
	defer putIntScratch(offsets)
	imageOffsets, tailOffsets := offsets[:min(k, gemmKC)], offsets[min(k, gemmKC):]
	for p := range imageOffsets {
		imageOffsets[p] = p * ldb
		tailOffsets[p] = p * gemmNR
	}

	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		imageSpan := offsetSpan{min: 0, max: (kc - 1) * ldb}
		tailSpan := offsetSpan{min: 0, max: (kc - 1) * gemmNR}
		accumulate := matrices.accumulate || pc > 0
		last := pc+kc == k
		if tail != nil {
			for p := range kc {
				row := tail[p*gemmNR : (p+1)*gemmNR]
				copy(row, src[(pc+p)*ldb+full:(pc+p)*ldb+j1])
				clear(row[j1-full:])
			}
		}

		for ic := 0; ic < m; ic += gemmMC {
			mc := min(gemmMC, m-ic)
			aBlock := weights.block(ws, ic, mc, pc, kc)
			tileEp := epilogue{}
			if last {
				tileEp = ep.rows(ic)
			}
			c := dst[ic*ldc:]
			for j := j0; j < full; {
				cols := ks.convRun(full-j, mc, kc)
				implicitTiles(&ks, ws, aBlock, mc, kc, src[pc*ldb+j:], imageOffsets[:kc], imageSpan, c[j:], ldc, cols, accumulate, tileEp)
				j += cols
			}
			switch {
			case tail == nil:
			case j1-full <= columnMaxCols && ks.sgemmColumns != nil:
				// The tail is a packed B panel, and the column kernel
				// does its few columns' work, not a whole tile's: at 7×7
				// a tile for the 49th column made a quarter of the work.
				columnTiles(&ks, ws, aBlock, mc, kc, tail[:kc*gemmNR], j1-full, c[full:], ldc, accumulate, tileEp)
			default:
				implicitTiles(&ks, ws, aBlock, mc, kc, tail, tailOffsets[:kc], tailSpan, c[full:], ldc, j1-full, accumulate, tileEp)
			}
		}
	}
}

// pointwiseByRows reports whether bands of filters share the work among
// parts pieces more evenly than bands of columns. At 14×14 and 7×7 there
// are too few 16-column tiles to share evenly. MobileNetV2's 96×576
// projection at 14×14 has 13 tiles (6 and 7 on two threads) but 16 panels
// of filters (8 and 8). It took 103 µs split by columns and 92 µs split
// by filters (Intel Xeon, AVX-512, two threads). Each band of filters
// reads the whole image, so columns win a tie.
func pointwiseByRows(parts, m, n int) bool {
	return largestBandShare(m, parts, gemmMR) < largestBandShare(n, parts, gemmNR)
}

// largestBandShare returns the largest fraction of total that one of the
// parts bands of bandBounds(total, parts, unit, part) covers.
func largestBandShare(total, parts, unit int) float64 {
	largest := 0
	for part := range parts {
		lo, hi := bandBounds(total, parts, unit, part)
		largest = max(largest, hi-lo)
	}
	return float64(largest) / float64(total)
}
