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

// MaxPool2x2Stride2Planes max-pools planes consecutive planes of h×w
// floats in src into outH×outW floats each in dst, with a 2×2 window,
// stride 2 and no padding. Output (i, j) of a plane is the maximum of its
// input rows 2i and 2i+1 at columns 2j and 2j+1, taken as MaxRows and
// then MaxPairs take it. Plane p of src is src[p*h*w:(p+1)*h*w] and its
// output dst[p*outH*outW:(p+1)*outH*outW]. Ranges of planes run in
// parallel on the worker pool when there are enough outputs; a plane's
// result does not depend on the goroutine that pools it. It panics if
// planes is negative, if 2*outH > h or 2*outW > w, or if src or dst is
// shorter than its planes.
func MaxPool2x2Stride2Planes(dst, src []float32, planes, h, w, outH, outW int) {
	if planes < 0 || h < 0 || w < 0 || outH < 0 || outW < 0 || outH > h/2 || outW > w/2 {
		panic(fmt.Sprintf("kernels: MaxPool2x2Stride2Planes with %d planes of %dx%d pooled to %dx%d does not fit", planes, h, w, outH, outW))
	}
	if planes == 0 || outH == 0 || outW == 0 {
		return
	}
	// Divisions rather than products, which could wrap around for huge
	// sizes and let the kernels run past the slices.
	if h > len(src)/planes/w || outH > len(dst)/planes/outW {
		panic(fmt.Sprintf("kernels: MaxPool2x2Stride2Planes src has %d and dst %d elements, too few for %d planes of %dx%d pooled to %dx%d", len(src), len(dst), planes, h, w, outH, outW))
	}

	// Three comparisons per output over four inputs: about the work of
	// the 3×3 pool per input element.
	parts := max(1, min(Threads(), planes, 4*planes*outH*outW/minParallelStream))
	j := pool2x2Jobs.get()
	*j = pool2x2Job{parts: parts, planes: planes, dst: dst, src: src, h: h, w: w, outH: outH, outW: outW}
	parallelRun(parts, j)
	pool2x2Jobs.put(j)
}

// pool2x2Job is a MaxPool2x2Stride2Planes call split into parts ranges
// of planes, parts at least 1.
type pool2x2Job struct {
	parts, planes    int
	dst, src         []float32
	h, w, outH, outW int
}

var pool2x2Jobs jobPool[pool2x2Job]

// Piece pools its range of planes row by row: the maximum of each pair of
// input rows goes to a scratch row of 2*outW floats, whose adjacent pairs
// give the output row.
func (j *pool2x2Job) Piece(part int) {
	ks := impl
	p0, p1 := bandBounds(j.planes, j.parts, 1, part)
	in, out, w, outW := j.h*j.w, j.outH*j.outW, j.w, j.outW
	rowMax := getScratch(2 * outW)
	defer putScratch(rowMax)
	for p := p0; p < p1; p++ {
		plane := j.src[p*in : (p+1)*in]
		pooled := j.dst[p*out : (p+1)*out]
		for i := range j.outH {
			top := plane[2*i*w : 2*i*w+2*outW]
			bottom := plane[(2*i+1)*w : (2*i+1)*w+2*outW]
			ks.maxRows(rowMax, top, bottom)
			ks.maxPairs(pooled[i*outW:(i+1)*outW], rowMax)
		}
	}
}
