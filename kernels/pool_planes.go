package kernels

import "fmt"

// MaxPool3x3Stride2Planes is MaxPool3x3Stride2 on planes consecutive
// planes. Plane p of src is src[p*h*w:(p+1)*h*w], and its output is
// dst[p*outH*outW:(p+1)*outH*outW]. Ranges of planes run in parallel on
// the worker pool when there are enough outputs. A plane's result does
// not depend on the goroutine that pools it. It panics as
// MaxPool3x3Stride2 does, or if planes is negative or src or dst is
// shorter than its planes.
func MaxPool3x3Stride2Planes(dst, src []float32, planes, h, w, outH, outW, pad int) {
	if pad != 0 && pad != 1 {
		panic("kernels: MaxPool3x3Stride2Planes padding must be 0 or 1")
	}
	if planes < 0 || h < 1 || w < 1 || outH < 0 || outW < 0 || outH > (h-1+pad)/2+1 || outW > (w-1+pad)/2+1 {
		panic(fmt.Sprintf("kernels: MaxPool3x3Stride2Planes with %d planes of %dx%d pooled to %dx%d does not fit", planes, h, w, outH, outW))
	}
	if planes == 0 || outH == 0 || outW == 0 {
		return
	}
	// Divisions rather than products, which could wrap around for huge
	// sizes and let the kernels run past the slices.
	if h > len(src)/planes/w || outH > len(dst)/planes/outW {
		panic(fmt.Sprintf("kernels: MaxPool3x3Stride2Planes src has %d and dst %d elements, too few for %d planes of %dx%d pooled to %dx%d", len(src), len(dst), planes, h, w, outH, outW))
	}
	out := outH * outW

	// Nine comparisons per output, each as cheap as a multiply-add of
	// the streaming kernels.
	parts := max(1, min(Threads(), planes, 9*planes*out/minParallelStream))
	j := poolJobs.get()
	*j = poolJob{parts: parts, planes: planes, dst: dst, src: src, h: h, w: w, outH: outH, outW: outW, pad: pad}
	parallelRun(parts, j)
	poolJobs.put(j)
}

// poolJob is a MaxPool3x3Stride2Planes call split into parts ranges of
// planes, parts at least 1.
type poolJob struct {
	parts, planes         int
	dst, src              []float32
	h, w, outH, outW, pad int
}

var poolJobs jobPool[poolJob]

func (j *poolJob) Piece(part int) {
	ks := impl
	p0, p1 := bandBounds(j.planes, j.parts, 1, part)
	in, out := j.h*j.w, j.outH*j.outW
	for p := p0; p < p1; p++ {
		ks.maxPool3x3Stride2(j.dst[p*out:(p+1)*out], j.src[p*in:(p+1)*in], j.h, j.w, j.outH, j.outW, j.pad, j.pad)
	}
}
