package kernels

import (
	"fmt"

	"github.com/klauspost/cpuid/v2"
)

// Convolution fused with the 3×3 stride-2 max pooling after it, as in the
// stems of ResNet and SqueezeNet. Their convolution writes 3 MB (64
// planes of 112×112 floats), which leaves the L2 cache and comes back for
// the pooling. Fused, each thread computes a band of output rows into a
// buffer that stays in cache and pools it from there, so only the pooled
// quarter reaches memory.

// Conv2DMaxPool computes Conv2DPacked(conv, src, weights, bias, p, act)
// followed by MaxPool3x3Stride2Planes(dst, conv, m, p.OutH, p.OutW,
// poolH, poolW, pad), where m is the number of filters, and gives the same
// bits. It does not store conv: bands of its rows are computed into a
// buffer per thread and pooled from there. dst holds the m pooled planes
// of poolH×poolW. It panics as those two functions do.
func Conv2DMaxPool(dst, src []float32, weights *PackedWeights, bias []float32, p Conv2DParams, act Activation, poolH, poolW, pad int) {
	if weights == nil || weights.k != p.k() {
		panic("kernels: Conv2DMaxPool weights packed for another patch size")
	}
	if err := p.check(); err != nil {
		panic("kernels: Conv2DMaxPool: " + err.Error())
	}
	if pad != 0 && pad != 1 {
		panic("kernels: Conv2DMaxPool padding must be 0 or 1")
	}
	m, k, n := weights.m, p.k(), p.OutH*p.OutW
	if p.OutH < 1 || p.OutW < 1 || poolH < 0 || poolW < 0 || poolH > (p.OutH-1+pad)/2+1 || poolW > (p.OutW-1+pad)/2+1 {
		panic(fmt.Sprintf("kernels: Conv2DMaxPool output of %dx%d pooled to %dx%d does not fit", p.OutH, p.OutW, poolH, poolW))
	}
	if len(src) < p.Channels*p.Height*p.Width {
		panic(fmt.Sprintf("kernels: Conv2DMaxPool src has %d elements, want %d", len(src), p.Channels*p.Height*p.Width))
	}
	if bias != nil && len(bias) < m {
		panic(fmt.Sprintf("kernels: Conv2DMaxPool bias has %d elements, want %d", len(bias), m))
	}
	if m == 0 || poolH == 0 || poolW == 0 {
		return
	}
	// A division, so that a huge size cannot wrap around.
	if poolH > len(dst)/m/poolW {
		panic(fmt.Sprintf("kernels: Conv2DMaxPool dst has %d elements, want %d planes of %dx%d", len(dst), m, poolH, poolW))
	}

	// The same choice as conv2D's: pointwise and other 1×1 layers go
	// elsewhere before the implicit kernel is considered.
	if k == 0 || (p.KernelH == 1 && p.KernelW == 1) || !paddedCopyWorthwhile(p) || !implicitInPlace(p, m) {
		// Paths that do not work by output rows: the output goes through
		// a whole buffer.
		conv := getScratch(m * n)
		defer putScratch(conv)
		Conv2DPacked(conv, src, weights, bias, p, act)
		MaxPool3x3Stride2Planes(dst, conv, m, p.OutH, p.OutW, poolH, poolW, pad)
		return
	}

	image := newImageB(src, p)
	defer putScratch(image.padded)
	offsets := getIntScratch(k)
	defer putIntScratch(offsets)
	image.tapOffsets(offsets, 0)

	j := convPoolJobs.get()
	*j = convPoolJob{
		dst: dst, image: image, weights: aSource{lda: k, alpha: 1, packed: weights}, m: m, offsets: offsets,
		ep: epilogue{bias: bias, act: act}, poolH: poolH, poolW: poolW, pad: pad,
	}
	work := float64(m) * float64(n) * float64(k)
	j.parts = max(1, min(Threads(), poolH, int(work/minParallelWork)))
	parallelRun(j.parts, j)
	convPoolJobs.put(j)
}

// poolBandBytes bounds the buffer of one band of convolution rows. Each
// thread holds two, a quarter of its L2 cache, which leaves room for the
// weights and the image. Tests lower it to make many bands.
var poolBandBytes = bandBytes(cpuid.CPU.Cache.L2)

// bandBytes returns poolBandBytes for an L2 cache of l2 bytes (0 or less
// when unknown): l2/8, from 64 KiB to 256 KiB. On an Intel Xeon with 2 MiB
// of L2, SqueezeNet's stem took 0.72 ms with 256 KiB and 0.78 ms with
// 128 KiB (one thread), against 0.86 ms unfused.
func bandBytes(l2 int) int {
	if l2 <= 0 {
		return 128 << 10
	}
	return min(max(l2/8, 64<<10), 256<<10)
}

// convPoolJob is a Conv2DMaxPool call split into parts ranges of pooled
// rows.
type convPoolJob struct {
	parts             int
	dst               []float32
	image             imageB
	weights           aSource
	m                 int
	offsets           []int
	ep                epilogue
	poolH, poolW, pad int
}

var convPoolJobs jobPool[convPoolJob]

func (j *convPoolJob) Piece(part int) {
	r0, r1 := bandBounds(j.poolH, j.parts, 1, part)
	j.pooledRows(r0, r1)
}

// pooledRows computes pooled rows [r0, r1) of every plane, band by band.
// Band b needs convolution rows [y0, y1): from 2*r-pad for its first
// pooled row r (0 at the top) to the last row of its last window. The
// last row of one band is the first of the next, so the bands alternate
// between two buffers and copy that row over instead of computing it
// again.
func (j *convPoolJob) pooledRows(r0, r1 int) {
	p := j.image.p
	band := max(1, (poolBandBytes/4/(j.m*p.OutW)-1)/2)
	size := j.m * (2*band + 1) * p.OutW
	buffers := [2][]float32{getScratch(size), getScratch(size)}
	defer putScratch(buffers[0])
	defer putScratch(buffers[1])
	ks := impl

	prevY0, prevY1, prevRows := 0, 0, 0
	for b, first := 0, r0; first < r1; b, first = b+1, first+band {
		last := min(first+band, r1)
		y0 := max(0, 2*first-j.pad)
		y1 := min(p.OutH, 2*(last-1)-j.pad+3)
		rows := y1 - y0
		buf, prev := buffers[b%2], buffers[(b+1)%2]

		// Rows that the previous band computed.
		done := y0
		if b > 0 && prevY1 > y0 {
			done = prevY1
			for o := 0; o < j.m; o++ {
				from := prev[o*prevRows*p.OutW+(y0-prevY0)*p.OutW : o*prevRows*p.OutW+(prevY1-prevY0)*p.OutW]
				copy(buf[o*rows*p.OutW:], from)
			}
		}
		convImplicitRows(buf, rows*p.OutW, y0, j.image, j.weights, j.m, j.offsets, done, y1, j.ep)

		// The band's first row is row 2*first-pad of the windows, or the
		// padding row above row 0.
		top := y0 - (2*first - j.pad)
		out := j.poolH * j.poolW
		for o := 0; o < j.m; o++ {
			ks.maxPool3x3Stride2(j.dst[o*out+first*j.poolW:o*out+last*j.poolW], buf[o*rows*p.OutW:(o+1)*rows*p.OutW],
				rows, p.OutW, last-first, j.poolW, top, j.pad)
		}
		prevY0, prevY1, prevRows = y0, y1, rows
	}
}
