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
	checkPlaneLengths("MaxPool3x3Stride2Planes", dst, src, planes, h, w, outH, outW)
	runPoolJob(poolJob{window: 3, planes: planes, dst: dst, src: src, h: h, w: w, outH: outH, outW: outW, pad: pad})
}

// checkPlaneLengths panics unless src contains planes planes of h×w floats
// and dst planes planes of outH×outW, for planes, w and outW of at least
// 1. It divides rather than multiplies, because the products could wrap
// around for huge sizes and let the kernels run past the slices.
func checkPlaneLengths(name string, dst, src []float32, planes, h, w, outH, outW int) {
	if h > len(src)/planes/w || outH > len(dst)/planes/outW {
		panic(fmt.Sprintf("kernels: %s src has %d and dst %d elements, too few for %d planes of %dx%d pooled to %dx%d", name, len(src), len(dst), planes, h, w, outH, outW))
	}
}

// poolJob is a MaxPool3x3Stride2Planes call (window 3) or a
// MaxPool2x2Stride2Planes call (window 2, pad 0) split into parts ranges
// of planes, parts at least 1.
type poolJob struct {
	window, parts, planes int
	dst, src              []float32
	h, w, outH, outW, pad int
}

var poolJobs jobPool[poolJob]

// minPoolPiece is the fewest window taps (window² per output) that a
// piece of a pooling call gets. That is about 12 µs of the 3×3 kernel,
// estimated from SqueezeNet 1.1's 256×27×27 pooling: 389,376 taps in
// 35 µs on one core, which the larger minParallelStream kept unsplit.
const minPoolPiece = 1 << 17

// runPoolJob sets the parts of job and runs it on the worker pool.
func runPoolJob(job poolJob) {
	work := job.window * job.window * job.planes * job.outH * job.outW
	job.parts = max(1, min(Threads(), job.planes, work/minPoolPiece))
	j := poolJobs.get()
	*j = job
	parallelRun(job.parts, j)
	poolJobs.put(j)
}

func (j *poolJob) Piece(part int) {
	ks := impl
	p0, p1 := bandBounds(j.planes, j.parts, 1, part)
	in, out := j.h*j.w, j.outH*j.outW
	if j.window == 3 {
		for p := p0; p < p1; p++ {
			ks.maxPool3x3Stride2(j.dst[p*out:(p+1)*out], j.src[p*in:(p+1)*in], j.h, j.w, j.outH, j.outW, j.pad, j.pad)
		}
		return
	}

	// 2×2 windows, row by row: the maximum of each pair of input rows goes
	// to a scratch row of 2*outW floats, whose adjacent pairs give the
	// output row.
	w, outW := j.w, j.outW
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

// MaxPool2x2Stride2Planes max-pools planes consecutive planes of h×w
// floats in src into outH×outW floats each in dst, with a 2×2 window,
// stride 2 and no padding. Output (i, j) of a plane is the maximum of its
// input rows 2i and 2i+1 at columns 2j and 2j+1, taken as MaxRows and
// then MaxPairs take it. Plane p of src is src[p*h*w:(p+1)*h*w] and its
// output dst[p*outH*outW:(p+1)*outH*outW]. Ranges of planes run in
// parallel on the worker pool when there are enough outputs. A plane's
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
	checkPlaneLengths("MaxPool2x2Stride2Planes", dst, src, planes, h, w, outH, outW)
	runPoolJob(poolJob{window: 2, planes: planes, dst: dst, src: src, h: h, w: w, outH: outH, outW: outW})
}
