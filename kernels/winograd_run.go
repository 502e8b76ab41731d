package kernels

// winogradRun is one call of Conv2DWinograd. The tile rows are cut into
// blocks of at most blockRows rows, whose buffers are small enough to stay
// in the caches. When there are enough blocks to share, each goroutine
// takes an even share of the tile rows and computes it block by block.
// For small images, all the goroutines share the phases of each block
// instead.
type winogradRun struct {
	dst, src, bias []float32
	weights        *WinogradWeights
	p              Conv2DParams
	act            Activation
	m, mPadded     int // filters; rounded up to whole micro-kernel rows
	tilesH, tilesW int
	points         int // 36 for 4×4 tiles, 16 for 2×2 tiles
	groups         int // groups of winogradGroup tiles per tile row (4×4 tiles)
	rowLen         int // floats per padded input row (4×4 tiles)
	blockRows      int // tile rows per block
	tileStride     int // floats per row of a block's V and M matrices

	// sharedLen is the size of a block's V and M matrices, privateLen that
	// of the rows that one goroutine transforms at a time.
	sharedLen, privateLen int
}

// winogradBlockTiles is about the number of tiles per block: enough
// columns for the GEMMs to reach full speed, few enough that a block's
// transformed input and products stay near the L2 cache for 64 channels.
// On ResNet's layers, sizes from 16 to 256 ran within a few percent of
// each other on one core, and 32 scaled best to two cores. One thread
// takes blocks of up to twice as many tiles where that avoids lone
// 16-column tiles (see pairedBlockRows).
const winogradBlockTiles = 32

// winogradMinBlockTiles is the fewest tiles that a block gets so that
// goroutines can have one each: below one micro-kernel width, the GEMMs
// would compute mostly padding.
const winogradMinBlockTiles = gemmNR

func newWinogradRun(dst, src []float32, weights *WinogradWeights, bias []float32, p Conv2DParams, act Activation, parts int) winogradRun {
	r := winogradRun{dst: dst, src: src, bias: bias, weights: weights, p: p, act: act, m: weights.m}
	r.mPadded = roundUp(r.m, gemmMR)
	r.points = len(weights.points)
	out := winogradOut
	if weights.small {
		out = 2
	}
	r.tilesH = (p.OutH + out - 1) / out
	r.tilesW = (p.OutW + out - 1) / out
	r.blockRows = winogradBlockRows(r.tilesH, r.tilesW, parts)
	r.tileStride = winogradTileStride(r.blockRows * r.tilesW)
	r.sharedLen = r.points * (p.Channels + r.mPadded) * r.tileStride
	if weights.small {
		return r
	}
	r.groups = (r.tilesW + winogradGroup - 1) / winogradGroup
	// winogradRowsFMA reads 32*groups+4 floats of a row; the rest pads the
	// row to whole vectors for winogradColumnsFMA.
	r.rowLen = 32*r.groups + 8
	r.privateLen = (4*r.blockRows+2)*r.rowLen + // padded input rows
		winogradIn*r.rowLen + // Bᵀ·d of one tile row
		winogradOut*32*r.groups // one tile row of output
	return r
}

// winogradBlockRows returns the tile rows per block for parts goroutines.
// Blocks get at most about winogradBlockTiles tiles. For several
// goroutines it picks the block size whose whole blocks would spread most
// evenly over them, as long as each block keeps winogradMinBlockTiles
// tiles. The block count then decides between split and shared.
// NOTE: split shares tile rows evenly (bandBounds), not whole blocks, so
// this estimate of each goroutine's load no longer matches its work. The
// choice has not been tuned again since split changed.
func winogradBlockRows(tilesH, tilesW, parts int) int {
	rows := max(1, min(tilesH, (winogradBlockTiles+tilesW/2)/tilesW))
	if parts == 1 {
		return pairedBlockRows(tilesH, tilesW, rows)
	}
	best, bestLoad := rows, 0
	for blocks := parts; blocks <= tilesH; blocks += parts {
		candidate := (tilesH + blocks - 1) / blocks
		if candidate > rows {
			continue // larger blocks than preferred spill from the L2 cache
		}
		if candidate*tilesW < winogradMinBlockTiles {
			break
		}
		// load is the most tile rows that one goroutine would compute
		// with whole blocks. Ties go to the size nearest the preferred one.
		used := (tilesH + candidate - 1) / candidate
		load := (used + parts - 1) / parts * candidate
		if bestLoad == 0 || load < bestLoad || (load == bestLoad && abs(candidate-rows) < abs(best-rows)) {
			best, bestLoad = candidate, load
		}
	}
	return best
}

// pairedBlockRows returns the tile rows per block, for blocks of at most
// 2*winogradBlockTiles tiles, whose products take the fewest kernel calls
// by blockCost. Ties go to the count nearest preferred. At 28×28 (7×7
// tiles), 5 rows make blocks of 35 and 14 tiles, which take a pair and
// two lone 16-column tiles. 4 rows take two pairs. In BenchmarkConv3x3,
// that made SqueezeNet's 27×27 layer and ResNet-18's 28×28 one 9-12 %
// faster with AVX-512.
func pairedBlockRows(tilesH, tilesW, preferred int) int {
	limit := max(1, min(tilesH, 2*winogradBlockTiles/tilesW))
	best, bestCost := preferred, blockCost(tilesH, tilesW, preferred)
	for rows := 1; rows <= limit; rows++ {
		cost := blockCost(tilesH, tilesW, rows)
		if cost < bestCost || (cost == bestCost && abs(rows-preferred) < abs(best-preferred)) {
			best, bestCost = rows, cost
		}
	}
	return best
}

// blockCost estimates the time of the products for blocks of rows tile
// rows, in units of half a pair call. Each block's columns, rounded up
// to 16, go to 32-column pair kernels (2 units per 16 columns) and at
// most one lone 16-column kernel (3 units). The lone 6×16 tile makes 8
// loads per 6 FMAs against the pair's 9 per 12. The 3 is an estimate,
// which the 28×28 layers above bear out.
func blockCost(tilesH, tilesW, rows int) int {
	cost := 0
	for y := 0; y < tilesH; y += rows {
		slots := (min(rows, tilesH-y)*tilesW + gemmNR - 1) / gemmNR
		cost += slots/2*4 + slots%2*3
	}
	return cost
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// blocks returns the number of blocks of tile rows.
func (r *winogradRun) blocks() int { return (r.tilesH + r.blockRows - 1) / r.blockRows }

// bounds returns the tile rows of block b.
func (r *winogradRun) bounds(b int) (ty0, ty1 int) {
	ty0 = b * r.blockRows
	return ty0, min(ty0+r.blockRows, r.tilesH)
}

// split computes parts even ranges of tile rows on the worker pool. At
// 56×56 there are 14 tile rows in blocks of 2. Shared as whole blocks,
// they gave one goroutine 8 rows and the other 6. Even ranges give 7 and
// 7, and ResNet-18's 56×56 and 28×28 layers then took 3–5 % less time
// at two threads (BenchmarkConv3x3). Tiles are columns of the GEMMs, and
// each column's sums do not depend on the others, so the result does not
// depend on where blocks begin, nor on parts.
func (r *winogradRun) split(parts int) {
	j := winogradJobs.get()
	*j = winogradJob{r: *r, parts: parts, stage: winogradBlocks}
	parallelRun(parts, j)
	winogradJobs.put(j)
}

// winogradStage is the work that each piece of a winogradJob does.
type winogradStage int

const (
	winogradBlocks   winogradStage = iota // whole blocks (split)
	winogradInput                         // one block's input transform, over channels
	winogradProducts                      // one block's GEMMs, over points
	winogradOutput                        // one block's output transform, over filters
)

// winogradJob is one parallel step of a winogradRun: the blocks in parts
// ranges, or one stage of the block of tile rows [ty0, ty1) in parts
// bands, with V and M in v and mm. It holds copies of the run and of the
// kernel set, because pointers to the caller's would move them to the
// heap.
type winogradJob struct {
	r        winogradRun
	parts    int
	stage    winogradStage
	ks       kernelSet
	v, mm    []float32
	ty0, ty1 int
}

var winogradJobs jobPool[winogradJob]

func (j *winogradJob) Piece(part int) {
	r := &j.r
	switch j.stage {
	case winogradBlocks:
		ty0, ty1 := bandBounds(r.tilesH, j.parts, 1, part)
		r.rowRange(ty0, ty1)
	case winogradInput:
		private := getScratch(r.privateLen)
		defer putScratch(private)
		c0, c1 := bandBounds(r.p.Channels, j.parts, 1, part)
		r.input(&j.ks, j.v, private, c0, c1, j.ty0, j.ty1)
	case winogradProducts:
		offsets := getIntScratch(gemmKC)
		defer putIntScratch(offsets)
		q0, q1 := bandBounds(r.points, j.parts, 1, part)
		r.products(&j.ks, j.mm, j.v, offsets, (j.ty1-j.ty0)*r.tilesW, q0, q1)
	case winogradOutput:
		private := getScratch(r.privateLen)
		defer putScratch(private)
		o0, o1 := bandBounds(r.m, j.parts, 1, part)
		r.output(&j.ks, j.mm, private, o0, o1, j.ty0, j.ty1)
	}
}

// rowRange computes tile rows [ty0, ty1) with one set of buffers, in
// blocks of blockRows rows from ty0. The last block may be shorter.
func (r *winogradRun) rowRange(ty0, ty1 int) {
	shared := getScratch(r.sharedLen)
	defer putScratch(shared)
	private := getScratch(r.privateLen)
	defer putScratch(private)
	offsets := getIntScratch(gemmKC)
	defer putIntScratch(offsets)
	ks := impl // a copy, so the whole call uses one implementation
	v, mm := r.matrices(shared)

	for y0 := ty0; y0 < ty1; y0 += r.blockRows {
		y1 := min(y0+r.blockRows, ty1)
		r.input(&ks, v, private, 0, r.p.Channels, y0, y1)
		r.products(&ks, mm, v, offsets, (y1-y0)*r.tilesW, 0, r.points)
		r.output(&ks, mm, private, 0, r.m, y0, y1)
	}
}

// shared computes each block with parts goroutines: the input transform
// split over channels, the GEMMs over points and the output transform
// over filters. Every element is computed as in blockRange, so the result
// is the same.
func (r *winogradRun) shared(parts int) {
	shared := getScratch(r.sharedLen)
	defer putScratch(shared)
	v, mm := r.matrices(shared)

	j := winogradJobs.get()
	// One copy of impl, so the whole call uses one implementation.
	*j = winogradJob{r: *r, parts: parts, ks: impl, v: v, mm: mm}
	for b := 0; b < r.blocks(); b++ {
		j.ty0, j.ty1 = r.bounds(b)
		for _, stage := range [...]winogradStage{winogradInput, winogradProducts, winogradOutput} {
			j.stage = stage
			parallelRun(parts, j)
		}
	}
	winogradJobs.put(j)
}

// matrices splits a shared buffer into a block's V (points × channels ×
// tileStride) and M (points × mPadded × tileStride). In both, tile
// (ty, tx) of the block's first tile row ty0 is column (ty-ty0)*tilesW + tx.
func (r *winogradRun) matrices(shared []float32) (v, mm []float32) {
	vLen := r.points * r.p.Channels * r.tileStride
	return shared[:vLen], shared[vLen:r.sharedLen]
}

// input writes V for channels [c0, c1) of tile rows [ty0, ty1).
func (r *winogradRun) input(ks *kernelSet, v, private []float32, c0, c1, ty0, ty1 int) {
	if r.weights.small {
		r.smallInput(v, c0, c1, ty0, ty1)
		return
	}
	p := r.p
	ts := r.tileStride
	stripLen := (4*(ty1-ty0) + 2) * r.rowLen
	strip, z := private[:stripLen], private[stripLen:stripLen+winogradIn*r.rowLen]

	// V[q][c] = point q of the transformed input of channel c, one column
	// per tile. A tile row's last group spills up to 7 tiles into the
	// next tile row, which overwrites them (rows go in order), or into
	// the slack past the block's last tile.
	planeLen := p.Height * p.Width
	for c := c0; c < c1; c++ {
		r.padRows(strip, r.src[c*planeLen:(c+1)*planeLen], 4*ty0-p.PadTop, 4*(ty1-ty0)+2)
		for ty := ty0; ty < ty1; ty++ {
			ks.winogradColumns(z, strip[4*(ty-ty0)*r.rowLen:], r.rowLen, r.rowLen)
			ks.winogradRows(v[c*ts+(ty-ty0)*r.tilesW:], p.Channels*ts, z, r.rowLen, r.groups)
		}
	}
}

// output writes the outputs of filters [o0, o1) of tile rows [ty0, ty1):
// Y = Aᵀ·M·A, 4 output rows of a tile row at a time.
func (r *winogradRun) output(ks *kernelSet, mm, private []float32, o0, o1, ty0, ty1 int) {
	if r.weights.small {
		r.smallOutput(mm, o0, o1, ty0, ty1)
		return
	}
	p := r.p
	ts := r.tileStride
	outW := 32 * r.groups
	out := private[len(private)-winogradOut*outW:]
	outPlane := p.OutH * p.OutW
	step := r.outputTileRows()
	for o := o0; o < o1; o++ {
		var bias float32
		if r.bias != nil {
			bias = r.bias[o]
		}
		for ty := ty0; ty < ty1; ty += step {
			ks.winogradOutput(out, outW, mm[o*ts+(ty-ty0)*r.tilesW:], r.mPadded*ts, r.groups, bias, r.act.relu)

			// The pixels of tile row ty+k start at column 4*k*tilesW
			// of out.
			for k := 0; k < min(step, ty1-ty); k++ {
				for i := 0; i < min(winogradOut, p.OutH-4*(ty+k)); i++ {
					y := 4*(ty+k) + i
					row := r.dst[o*outPlane+y*p.OutW : o*outPlane+(y+1)*p.OutW]
					copy(row, out[i*outW+4*k*r.tilesW:])
					r.act.applyCap(ks.clamp, row)
				}
			}
		}
	}
}

// outputTileRows returns the number of tile rows that one call of the
// output kernel transforms. The kernel takes whole groups of
// winogradGroup tiles, and M holds a block's tile rows one after the
// other. So a group covers several tile rows when each is at most half a
// group long. At 13×13 (4 tiles a row) a group then covers two rows, and
// SqueezeNet's 192×48 layer there took 18 % less time
// (BenchmarkConv3x3).
func (r *winogradRun) outputTileRows() int {
	if 2*r.tilesW > winogradGroup {
		return 1
	}
	return winogradGroup / r.tilesW
}

// products computes M[q] = U[q]·V[q] for the points [q0, q1): each is a
// filters×channels by channels×tiles GEMM, computed by the implicit-GEMM
// micro-kernel with row p of V's panel at p*tileStride, so V is never
// packed. M has mPadded rows and V slack columns, so that every tile is a
// full 6×16 one, or a full 6×32 pair.
func (r *winogradRun) products(ks *kernelSet, mm, v []float32, offsets []int, tiles, q0, q1 int) {
	ts := r.tileStride
	channels := r.p.Channels
	for p := range offsets {
		offsets[p] = p * ts
	}
	for q := q0; q < q1; q++ {
		u := r.weights.points[q]
		vq := v[q*channels*ts : (q+1)*channels*ts]
		mq := mm[q*r.mPadded*ts : (q+1)*r.mPadded*ts]
		for pc := 0; pc < channels; pc += gemmKC {
			kc := min(gemmKC, channels-pc)
			span := offsetSpan{min: 0, max: (kc - 1) * ts}
			for t0 := 0; t0 < tiles; {
				// Columns are counted in whole tiles, because the slack
				// past the last 16 columns covers a partial tile.
				cols := ks.convCols(roundUp(tiles, gemmNR) - t0)
				src := vq[pc*ts+t0:]
				for ic := 0; ic < r.m; ic += gemmMC {
					mc := min(gemmMC, r.m-ic)
					aBlock := u.block(ic, pc, mc, kc)
					for ir := 0; ir < mc; ir += gemmMR {
						ks.convTiles(cols, kc, aBlock[ir*kc:(ir+gemmMR)*kc], src, offsets[:kc], span, mq[(ic+ir)*ts+t0:], ts, pc > 0, nil, NoActivation)
					}
				}
				t0 += cols
			}
		}
	}
}

// padRows copies rows first, first+1, ..., first+count-1 of the
// Height×Width plane src into strip, rowLen floats per row, with column x
// of the input at x+PadLeft and zeros around it (rows outside the plane
// are all zero).
func (r *winogradRun) padRows(strip, src []float32, first, count int) {
	for i := 0; i < count; i++ {
		padRow(strip[i*r.rowLen:(i+1)*r.rowLen], src, r.p, first+i)
	}
}
