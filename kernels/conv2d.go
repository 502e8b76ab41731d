package kernels

import "fmt"

// Conv2DParams is the geometry of a 2-D convolution of one image (one
// group of channels) in CHW layout. Padding is implicit: taps that fall
// outside the Height×Width input read zero, so the padding at the bottom
// and right is whatever OutH and OutW imply.
type Conv2DParams struct {
	Channels, Height, Width int // input
	KernelH, KernelW        int
	StrideH, StrideW        int // at least 1
	DilationH, DilationW    int // at least 1
	PadTop, PadLeft         int // at least 0
	OutH, OutW              int // output
}

// k returns the length of one lowered patch: Channels*KernelH*KernelW.
func (p Conv2DParams) k() int { return p.Channels * p.KernelH * p.KernelW }

func (p Conv2DParams) check() error {
	switch {
	case p.Channels < 0 || p.Height < 0 || p.Width < 0 || p.OutH < 0 || p.OutW < 0:
		return fmt.Errorf("negative size in %+v", p)
	case p.KernelH < 1 || p.KernelW < 1:
		return fmt.Errorf("kernel %dx%d, want at least 1x1", p.KernelH, p.KernelW)
	case p.StrideH < 1 || p.StrideW < 1 || p.DilationH < 1 || p.DilationW < 1:
		return fmt.Errorf("stride %dx%d and dilation %dx%d, want at least 1", p.StrideH, p.StrideW, p.DilationH, p.DilationW)
	case p.PadTop < 0 || p.PadLeft < 0:
		return fmt.Errorf("padding %d, %d, want at least 0", p.PadTop, p.PadLeft)
	}
	return nil
}

// Conv2D computes the convolution of src (p.Channels×p.Height×p.Width)
// with m filters: dst[o][y*OutW+x] = sum over c, i, j of
// weights[o][(c*KernelH+i)*KernelW+j] * src[c][y*StrideH-PadTop+i*DilationH][x*StrideW-PadLeft+j*DilationW],
// plus bias[o] when bias is not nil, then the activation act.
//
// It is a GEMM whose B operand, the im2col matrix of src, is packed
// straight from src block by block and never stored whole, and whose bias
// and activation are applied to each tile of dst while it is in cache. dst is
// m×OutH*OutW, weights is m×Channels*KernelH*KernelW, both row-major; dst
// must not overlap src or weights. It panics if a size is invalid or a
// slice too short, as Sgemm does.
func Conv2D(dst, src, weights, bias []float32, m int, p Conv2DParams, act Activation) {
	conv2D(dst, src, weights, nil, bias, m, p, act)
}

// conv2D computes Conv2D with the weights either as a matrix or, when
// packed is not nil, prepacked.
func conv2D(dst, src, weights []float32, packed *PackedWeights, bias []float32, m int, p Conv2DParams, act Activation) {
	if err := p.check(); err != nil {
		panic("kernels: Conv2D: " + err.Error())
	}
	k, n := p.k(), p.OutH*p.OutW
	if m < 0 {
		panic(fmt.Sprintf("kernels: Conv2D with %d filters", m))
	}
	if len(src) < p.Channels*p.Height*p.Width {
		panic(fmt.Sprintf("kernels: Conv2D src has %d elements, want %d", len(src), p.Channels*p.Height*p.Width))
	}
	if (packed == nil && len(weights) < m*k) || len(dst) < m*n {
		panic(fmt.Sprintf("kernels: Conv2D weights or dst too short: %d and %d elements, want %d and %d", len(weights), len(dst), m*k, m*n))
	}
	if bias != nil && len(bias) < m {
		panic(fmt.Sprintf("kernels: Conv2D bias has %d elements, want %d", len(bias), m))
	}
	if m == 0 || n == 0 {
		return
	}

	ep := epilogue{bias: bias, act: act}
	if k == 0 {
		clear(dst[:m*n])
		ep.apply(dst, n, 0, m, n)
		return
	}

	a := aSource{a: weights, lda: k, alpha: 1, packed: packed}
	if isPointwise(p) {
		pointwise(dst, src, a, m, k, n, ep)
		return
	}
	if p.KernelH == 1 && p.KernelW == 1 {
		// A strided or padded 1×1 convolution: its im2col matrix is the
		// input sampled at the output pixels, a quarter of the image at
		// stride 2, which costs less to copy than the padded image.
		sampled := getScratch(k * n)
		defer putScratch(sampled)
		sampleImage(sampled, src, p)
		pointwise(dst, sampled, a, m, k, n, ep)
		return
	}
	if !paddedCopyWorthwhile(p) {
		gemmParallel(m, n, k, a, directImageB{src: src, p: p}, 0, dst, n, ep)
		return
	}
	image := newImageB(src, p)
	defer putScratch(image.padded)
	if implicitInPlace(p, m) {
		convImplicit(dst, image, a, m, ep)
		return
	}
	gemmParallel(m, n, k, a, image, 0, dst, n, ep)
}

// implicitInPlace reports whether conv2D computes a convolution that is
// not 1×1, and whose padded copy is worthwhile, with the implicit-GEMM
// kernel reading the padded image in place rather than packing it.
func implicitInPlace(p Conv2DParams, m int) bool {
	inPlace := !impl.convTileBorrowed && (impl.convPackMinFilters == 0 || m < impl.convPackMinFilters)
	return useImplicit(p) && inPlace
}

// imageB is the im2col matrix of a convolution input, read on demand:
// row (c*KernelH+i)*KernelW+j, column y*OutW+x holds
// src[c][y*StrideH-PadTop+i*DilationH][x*StrideW-PadLeft+j*DilationW],
// or zero where that position is outside the image.
//
// It keeps a zero-padded copy of the input, big enough for every tap of
// every output, so packing reads it at precomputed offsets without
// testing bounds element by element. Each padded row of paddedW columns
// is stored as StrideW phases of phaseW floats: column col lives at
// (col%StrideW)*phaseW + col/StrideW of its row. Output pixel x and tap
// column j then read column x*StrideW + j*DilationW, which is phase
// (j*DilationW)%StrideW at index x + (j*DilationW)/StrideW: consecutive
// output pixels read consecutive floats whatever the stride, so
// offset(c, i, j) + pixel(y, x) addresses every element (see tapOffset
// and pixelOffset).
type imageB struct {
	p                Conv2DParams
	padded           []float32
	paddedH, paddedW int
	phaseW, rowLen   int // rowLen = StrideW*phaseW floats per padded row
	plane            int // paddedH*rowLen floats per channel
}

// tapOffset returns the offset of tap (c, i, j) relative to an output
// pixel's position.
func (b imageB) tapOffset(c, i, j int) int {
	col := j * b.p.DilationW
	return c*b.plane + i*b.p.DilationH*b.rowLen + (col%b.p.StrideW)*b.phaseW + col/b.p.StrideW
}

// tapOffsets stores in offsets[q] the tapOffset of row first+q of the
// im2col matrix, stepping through the taps without dividing.
func (b imageB) tapOffsets(offsets []int, first int) {
	c, i, j := unravelTap(first, b.p)
	for q := range offsets {
		offsets[q] = b.tapOffset(c, i, j)

		// Next tap in row order: kernel column, kernel row, channel.
		if j++; j == b.p.KernelW {
			j = 0
			if i++; i == b.p.KernelH {
				i = 0
				c++
			}
		}
	}
}

// pixelOffset returns the position of output pixel (y, x).
func (b imageB) pixelOffset(y, x int) int {
	return y*b.p.StrideH*b.rowLen + x
}

// newImageB copies src into a zero-padded buffer from the scratch pool,
// which the caller returns with putScratch.
func newImageB(src []float32, p Conv2DParams) imageB {
	b := imageB{
		p:       p,
		paddedH: (p.OutH-1)*p.StrideH + (p.KernelH-1)*p.DilationH + 1,
		paddedW: (p.OutW-1)*p.StrideW + (p.KernelW-1)*p.DilationW + 1,
	}
	b.phaseW = (b.paddedW + p.StrideW - 1) / p.StrideW
	b.rowLen = p.StrideW * b.phaseW
	b.plane = b.paddedH * b.rowLen

	// The implicit-GEMM kernel reads 16 consecutive floats from every tap
	// of a tile, which for the last tile of the last row reaches up to 15
	// floats past the last pixel: the slack keeps those reads inside the
	// buffer, and zero.
	b.padded = getScratch(p.Channels*b.plane + gemmNR)
	clear(b.padded[p.Channels*b.plane:])
	parts := max(1, min(Threads(), b.paddedH, p.Channels*b.plane/minParallelCopy))
	if parts == 1 {
		b.padRows(src, 0, b.paddedH)
		return b
	}
	j := padJobs.get()
	*j = padJob{parts: parts, image: b, src: src}
	parallelRun(parts, j)
	padJobs.put(j)
	return b
}

// minParallelCopy is the fewest padded floats worth copying on more than
// one thread. A stem's input (3×225×225 floats) took about 70 µs to
// copy at stride 2 on one thread, most of the layer's serial part at 2
// threads.
const minParallelCopy = 1 << 16

// padJob is the copy of newImageB split into parts bands of padded
// rows, each band in every channel.
type padJob struct {
	parts int
	image imageB
	src   []float32
}

var padJobs jobPool[padJob]

func (j *padJob) Piece(part int) {
	r0, r1 := bandBounds(j.image.paddedH, j.parts, 1, part)
	j.image.padRows(j.src, r0, r1)
}

// padRows copies padded rows [r0, r1) of every channel of src into
// b.padded.
func (b imageB) padRows(src []float32, r0, r1 int) {
	p := b.p
	for c := 0; c < p.Channels; c++ {
		b.padPlane(b.padded[c*b.plane:(c+1)*b.plane], src[c*p.Height*p.Width:(c+1)*p.Height*p.Width], r0, r1)
	}
}

// padPlane copies rows [r0, r1) of one padded plane from the Height×Width
// plane src into dst: row r, column col holds src[r-PadTop][col-PadLeft],
// or zero outside src, in the phase layout of imageB.
func (b imageB) padPlane(dst, src []float32, r0, r1 int) {
	p := b.p
	for r := r0; r < r1; r++ {
		row := dst[r*b.rowLen : (r+1)*b.rowLen]
		y := r - p.PadTop
		if p.StrideW == 1 || y < 0 || y >= p.Height {
			padRow(row[:b.paddedW], src, p, y)
			clear(row[b.paddedW:])
			continue
		}
		lo := min(p.PadLeft, b.paddedW)
		hi := min(p.PadLeft+p.Width, b.paddedW)
		in := src[y*p.Width : y*p.Width+(hi-lo)]
		clear(row)
		if p.StrideW == 2 {
			splitPhases2(row[:b.phaseW], row[b.phaseW:], lo, in)
			continue
		}
		// Column col goes to phase col%StrideW at col/StrideW: walk each
		// phase with a running index instead of dividing per element.
		for phase := 0; phase < p.StrideW; phase++ {
			first := lo + (phase-lo%p.StrideW+p.StrideW)%p.StrideW
			if first >= hi {
				continue
			}
			out := row[phase*b.phaseW+first/p.StrideW : (phase+1)*b.phaseW]
			for i, col := 0, first; col < hi; i, col = i+1, col+p.StrideW {
				out[i] = in[col-lo]
			}
		}
	}
}

// splitPhases2 writes in, whose element t is padded column lo+t, to the
// two phases of a stride-2 row: even columns to even[col/2], odd ones to
// odd[col/2]. It is the general loop of padPlane for stride 2 (ResNet's
// and MobileNet's stems), where that loop took 40 % of the layer's time.
// The whole pairs go through the deinterleave kernel.
func splitPhases2(even, odd []float32, lo int, in []float32) {
	if len(in) == 0 {
		return
	}
	i := lo / 2
	if lo%2 == 1 {
		odd[i] = in[0]
		in = in[1:]
		i++
	}

	// Whole pairs: columns 2i and 2i+1.
	pairs := len(in) / 2
	impl.deinterleave(even[i:i+pairs], odd[i:i+pairs], in[:2*pairs])
	if len(in)%2 == 1 {
		even[i+pairs] = in[len(in)-1]
	}
}

// padRow writes row y of the Height×Width plane src into row, with input
// column x at x+PadLeft (clipped to len(row)) and zeros around it. A row y
// outside the plane is all zeros.
func padRow(row, src []float32, p Conv2DParams, y int) {
	if y < 0 || y >= p.Height {
		clear(row)
		return
	}
	lo := min(p.PadLeft, len(row))
	hi := min(p.PadLeft+p.Width, len(row))
	clear(row[:lo])
	copy(row[lo:hi], src[y*p.Width:y*p.Width+(hi-lo)])
	clear(row[hi:])
}

func (b imageB) packB(dst []float32, p0, kc, j0, nc int) {
	// taps[q] is the offset of row p0+q's tap, the same for every panel.
	// Computing it once keeps tapOffset's divisions out of the copy loop,
	// where they cost more than the copies.
	var tapBuf [gemmKC]int
	var taps []int
	if kc <= len(tapBuf) {
		taps = tapBuf[:kc]
	} else {
		taps = make([]int, kc)
	}
	b.tapOffsets(taps, p0)

	var runBuf [gemmNR]pixelRun
	for r := 0; r*gemmNR < nc; r++ {
		panel := dst[r*kc*gemmNR : (r+1)*kc*gemmNR]
		cols := min(gemmNR, nc-r*gemmNR)
		runs := pixelRuns(&runBuf, b, j0+r*gemmNR, cols)

		// A full panel inside one output row is 16 consecutive floats of
		// every tap.
		if len(runs) == 1 && cols == gemmNR {
			at := runs[0].at
			for q, off := range taps {
				*(*[gemmNR]float32)(panel[q*gemmNR:]) = *(*[gemmNR]float32)(b.padded[off+at:])
			}
			continue
		}
		// A panel across output rows: from[j] is where column j reads,
		// relative to a tap's offset. Runs there can be as short as 7
		// floats, too short for a copy call per run. Indexed copies cut
		// packing from 21 % to 9 % of ResNet-18's 7×7 layer time
		// (BenchmarkConvLayer, pprof).
		var from [gemmNR]int
		for _, run := range runs {
			for t := range run.n {
				from[run.col+t] = run.at + t
			}
		}
		reads := from[:cols]
		for q, off := range taps {
			out := panel[q*gemmNR : (q+1)*gemmNR]
			img := b.padded[off:]
			for j, f := range reads {
				out[j] = img[f]
			}
			clear(out[cols:])
		}
	}
}

// pixelRun is a run of panel columns whose output pixels lie in one
// output row, so every tap reads them as consecutive floats. Columns
// col…col+n-1 read the n floats at a tap's offset plus at.
type pixelRun struct {
	col, n, at int
}

// pixelRuns splits the cols output pixels from pixel first on into runs
// within one output row, stored in buf. A panel of 16 pixels spans at
// most 16 rows, so buf never overflows.
func pixelRuns(buf *[gemmNR]pixelRun, b imageB, first, cols int) []pixelRun {
	runs := buf[:0]
	y, x := first/b.p.OutW, first%b.p.OutW
	for col := 0; col < cols; {
		n := min(cols-col, b.p.OutW-x)
		runs = append(runs, pixelRun{col: col, n: n, at: b.pixelOffset(y, x)})
		col += n
		x = 0
		y++
	}
	return runs
}

// unravelTap splits a row index of the im2col matrix into its channel and
// kernel row and column.
func unravelTap(row int, p Conv2DParams) (c, i, j int) {
	c = row / (p.KernelH * p.KernelW)
	rest := row % (p.KernelH * p.KernelW)
	return c, rest / p.KernelW, rest % p.KernelW
}
