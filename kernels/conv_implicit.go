package kernels

// Implicit-GEMM convolution: the 16 output pixels of a tile in one output
// row read 16 consecutive floats of the padded input for every tap (its
// phase layout makes that true for any stride; see imageB), so the micro-kernel can load B straight
// from the image at a per-tap offset and no B panel is ever packed. Only
// the weights (A) are packed. This removes the packing cost that dominates
// im2col convolution when there are few output channels to reuse each
// packed element.

// useImplicit reports whether the implicit path suits p: output rows long
// enough that the 16-pixel tiles waste at most a quarter of their columns
// (the last tile of a row is partial).
func useImplicit(p Conv2DParams) bool {
	if p.OutW == 0 {
		return false
	}
	tiles := (p.OutW + gemmNR - 1) / gemmNR
	return 4*p.OutW >= 3*gemmNR*tiles
}

// convImplicit computes dst (m×OutH*OutW) = weights (m×k) times the im2col
// matrix of image, then applies ep. Bands of output rows run in parallel
// when the work is large enough.
func convImplicit(dst []float32, image imageB, weights aSource, m int, ep epilogue) {
	p := image.p
	k := p.k()

	// offsets[q] is the distance in the padded input from a tile's first
	// pixel to tap q of row q of the im2col matrix.
	offsets := getIntScratch(k)
	defer putIntScratch(offsets)
	image.tapOffsets(offsets, 0)

	work := float64(m) * float64(p.OutH*p.OutW) * float64(k)
	parts := max(1, min(Threads(), p.OutH, int(work/minParallelWork)))
	if parts == 1 {
		convImplicitRows(dst, p.OutH*p.OutW, 0, image, weights, m, offsets, 0, p.OutH, ep)
		return
	}
	convImplicitSplit(parts, dst, image, weights, m, offsets, ep)
}

// implicitJob is a convImplicit call split into parts bands of output
// rows.
type implicitJob struct {
	parts   int
	dst     []float32
	image   imageB
	weights aSource
	m       int
	offsets []int
	ep      epilogue
}

var implicitJobs jobPool[implicitJob]

func (j *implicitJob) Piece(part int) {
	y0, y1 := bandBounds(j.image.p.OutH, j.parts, 1, part)
	convImplicitRows(j.dst, j.image.p.OutH*j.image.p.OutW, 0, j.image, j.weights, j.m, j.offsets, y0, y1, j.ep)
}

// convImplicitSplit computes bands of output rows on the worker pool.
func convImplicitSplit(parts int, dst []float32, image imageB, weights aSource, m int, offsets []int, ep epilogue) {
	j := implicitJobs.get()
	*j = implicitJob{parts: parts, dst: dst, image: image, weights: weights, m: m, offsets: offsets, ep: ep}
	parallelRun(parts, j)
	implicitJobs.put(j)
}

// convImplicitRows computes output rows [y0, y1) of every filter. Row y
// of filter o goes to dst[o*ldc+(y-first)*OutW:]: the whole output has
// ldc = OutH*OutW and first = 0, and a band of rows starting at first can
// go to a buffer of its own.
func convImplicitRows(dst []float32, ldc, first int, image imageB, weights aSource, m int, offsets []int, y0, y1 int, ep epilogue) {
	p := image.p
	k := p.k()
	ws := getGemmWorkspace()
	defer putGemmWorkspace(ws)
	ks := impl

	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		tapOffsets := offsets[pc : pc+kc]
		span := spanOf(tapOffsets)
		accumulate := pc > 0
		last := pc+kc == k

		for ic := 0; ic < m; ic += gemmMC {
			mc := min(gemmMC, m-ic)
			aBlock := weights.block(ws, ic, mc, pc, kc)
			tileEp := epilogue{}
			if last {
				tileEp = ep.rows(ic)
			}
			for y := y0; y < y1; y++ {
				rowBase := image.pixelOffset(y, 0)
				for x := 0; x < p.OutW; {
					cols := ks.convRun(p.OutW-x, mc, kc)
					// Every read of the kernels lies in [base, base+maxOffset+cols)
					// for a full tile or pair, and in [base, base+maxOffset+16)
					// for a partial one: inside padded thanks to its slack.
					src := image.padded[rowBase+x:]
					c := dst[ic*ldc+(y-first)*p.OutW+x:]
					implicitTiles(&ks, ws, aBlock, mc, kc, src, tapOffsets, span, c, ldc, cols, accumulate, tileEp)
					x += cols
				}
			}
		}
	}
}

// implicitTiles computes the tiles of one column block for the mc filters
// of the packed A block: cols ≤ gemmNR valid pixels, 2*gemmNR for a pair
// of full tiles, which needs ks.convTilePair, or a multiple of 2*gemmNR,
// which needs mc > gemmMR and ks.convTilePairPack (see convRun).
func implicitTiles(ks *kernelSet, ws *gemmWorkspace, aBlock []float32, mc, kc int, src []float32, offsets []int, span offsetSpan, c []float32, ldc, cols int, accumulate bool, ep epilogue) {
	if cols >= 2*gemmNR && cols%(2*gemmNR) == 0 && mc > gemmMR && ks.convTilePairPack != nil {
		packedPairs(ks, ws, aBlock, mc, kc, src, offsets, span, c, ldc, cols/(2*gemmNR), accumulate, ep)
		return
	}
	if cols <= gemmNR && mc > gemmMR && ks.convEdgePack != nil {
		packedEdgeTiles(ks, ws, aBlock, mc, kc, src, offsets, span, c, ldc, cols, accumulate, ep)
		return
	}
	for ir := 0; ir < mc; ir += gemmMR {
		rows := min(gemmMR, mc-ir)
		aPanel := aBlock[ir*kc : (ir+gemmMR)*kc]
		if rows == gemmMR && cols >= gemmNR {
			var bias []float32
			if ep.bias != nil {
				bias = ep.bias[ir : ir+gemmMR]
			}
			ks.convTiles(cols, kc, aPanel, src, offsets, span, c[ir*ldc:], ldc, accumulate, bias, ep.act)
			continue
		}

		// As in edgeTile: the edge kernel stores the corner in place, or
		// the tile kernel applies the epilogue to C's values copied in,
		// 16 columns at a time.
		for x := 0; x < cols; x += gemmNR {
			w := min(gemmNR, cols-x)
			if ks.convEdge != nil {
				ks.convEdge(kc, aPanel, src[x:], offsets, span, c[ir*ldc+x:], ldc, accumulate, ep.cornerBias(ir, rows), ep.act, rows, w)
				continue
			}
			edge := ws.edge[:]
			if accumulate {
				loadEdge(edge, c[ir*ldc+x:], ldc, rows, w)
			}
			ks.convTile(kc, aPanel, src[x:], offsets, span, edge, gemmNR, accumulate, ws.edgeBias(ep, ir, rows), ep.act)
			storeEdge(c[ir*ldc+x:], ldc, edge, rows, w)
		}
	}
}

// packedPairs computes implicitTiles for pairs consecutive pairs of full
// tiles and more than one A panel. The first panel's kernel packs each
// pair's 32 columns of B into ws.b. Each later panel then runs the pair
// kernels across all the packed pairs, so one sweep stores gemmMR rows of
// 128*pairs contiguous bytes.
//
// With one pair at a time, every 128-byte store went to another filter's
// plane. At MobileNetV2's 96×16 expansion over 112×112 pixels (96 planes
// of 50 KB) that order was 20–30 % slower. Every kernel involved computes
// a column bit for bit as convTile does.
func packedPairs(ks *kernelSet, ws *gemmWorkspace, aBlock []float32, mc, kc int, src []float32, offsets []int, span offsetSpan, c []float32, ldc, pairs int, accumulate bool, ep epilogue) {
	size := 2 * gemmNR * kc
	for q := range pairs {
		x := q * 2 * gemmNR
		ks.convTilePairPack(kc, aBlock[:gemmMR*kc], src[x:], offsets, span, ws.b[q*size:(q+1)*size], c[x:], ldc, accumulate, ep.tileBias(0), ep.act)
	}
	for ir := gemmMR; ir < mc; ir += gemmMR {
		for q := range pairs {
			x := q * 2 * gemmNR
			pairPanel(ks, ws, aBlock, ir, mc, kc, ws.b[q*size:(q+1)*size], c[ir*ldc+x:], ldc, accumulate, ep)
		}
	}
}

// packedEdgeTiles computes implicitTiles for one tile of cols ≤ gemmNR
// columns and more than one A panel, as packedPairs does for pairs. The
// first panel's edge kernel packs B into ws.b, and the packed kernels
// compute the other panels from there, each storing its corner of C in
// place. At SqueezeNet's stem (111 pixels per output row, 64 filters)
// the last 15 columns of each row had taken 11 reads of the image.
func packedEdgeTiles(ks *kernelSet, ws *gemmWorkspace, aBlock []float32, mc, kc int, src []float32, offsets []int, span offsetSpan, c []float32, ldc, cols int, accumulate bool, ep epilogue) {
	packed := ws.b[:gemmNR*kc]
	ks.convEdgePack(kc, aBlock[:gemmMR*kc], src, offsets, span, packed, c, ldc, accumulate, ep.tileBias(0), ep.act, gemmMR, cols)
	for ir := gemmMR; ir < mc; ir += gemmMR {
		rows := min(gemmMR, mc-ir)
		aPanel := aBlock[ir*kc : (ir+gemmMR)*kc]
		if rows == gemmMR && cols == gemmNR {
			ks.sgemmTileEpilogue(kc, aPanel, packed, c[ir*ldc:], ldc, accumulate, ep.tileBias(ir), ep.act)
			continue
		}
		ks.sgemmEdge(kc, aPanel, packed, c[ir*ldc:], ldc, accumulate, ep.cornerBias(ir, rows), ep.act, rows, cols)
	}
}

// convCols returns the number of columns, out of left remaining, that the
// next convTiles call covers: 2*gemmNR when the set has a pair kernel and
// two full tiles fit, else min(gemmNR, left).
func (ks *kernelSet) convCols(left int) int {
	if ks.convTilePair != nil && left >= 2*gemmNR {
		return 2 * gemmNR
	}
	return min(gemmNR, left)
}

// convRun returns the number of columns, out of left remaining, that the
// next implicitTiles call for mc filters and depth kc covers: as many
// pairs of full tiles as packedPairs keeps within pairRunBytes of packed
// B, or convCols.
func (ks *kernelSet) convRun(left, mc, kc int) int {
	if left < 2*gemmNR || mc <= gemmMR || ks.convTilePairPack == nil {
		return ks.convCols(left)
	}
	pairs := max(1, pairRunBytes/(2*gemmNR*kc*4))
	return min(left/(2*gemmNR), pairs) * 2 * gemmNR
}

// pairRunBytes bounds the packed B of one packedPairs call. 32 KiB
// measured best at MobileNetV2's 96×16 expansion, where 16 KiB was 7 %
// slower and 64 KiB 1 % slower. At depth 256 it allows one pair per call.
const pairRunBytes = 32 << 10

// convTiles computes a full tile with convTile, or, when cols is
// 2*gemmNR, two side by side with convTilePair.
func (ks *kernelSet) convTiles(cols, kc int, a, src []float32, offsets []int, span offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	if cols == 2*gemmNR {
		ks.convTilePair(kc, a, src, offsets, span, c, ldc, accumulate, bias, act)
		return
	}
	ks.convTile(kc, a, src, offsets, span, c, ldc, accumulate, bias, act)
}

// offsetSpan is the smallest and the largest of a set of tap offsets.
type offsetSpan struct{ min, max int }

func spanOf(offsets []int) offsetSpan {
	span := offsetSpan{min: offsets[0], max: offsets[0]}
	for _, off := range offsets[1:] {
		span.min = min(span.min, off)
		span.max = max(span.max, off)
	}
	return span
}

// convTileGeneric is the portable twin of the implicit-GEMM micro-kernel:
// the tile of sgemmKernelGeneric with row p of B at src[offsets[p]:],
// followed by the epilogue.
func convTileGeneric(kc int, a, src []float32, offsets []int, _ offsetSpan, c []float32, ldc int, accumulate bool, bias []float32, act Activation) {
	var panel [gemmNR * gemmKC]float32
	for start := 0; start < kc; start += gemmKC {
		steps := min(gemmKC, kc-start)
		for q := 0; q < steps; q++ {
			copy(panel[q*gemmNR:(q+1)*gemmNR], src[offsets[start+q]:offsets[start+q]+gemmNR])
		}
		last := start+steps == kc
		if last {
			tileWithGoEpilogue(sgemmKernelGeneric, reluGeneric, clampGeneric)(steps, a[start*gemmMR:], panel[:], c, ldc, accumulate || start > 0, bias, act)
		} else {
			sgemmKernelGeneric(steps, a[start*gemmMR:], panel[:], c, ldc, accumulate || start > 0)
		}
	}
}
