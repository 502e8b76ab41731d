package nn

import (
	"math"

	"github.com/simdnn/simdnn/im2col"
	"github.com/simdnn/simdnn/internal/freelist"
	"github.com/simdnn/simdnn/kernels"
)

// compute writes the convolution of x with weight, plus bias when it is
// not nil, into y, then the fused activation. col is the im2col
// buffer of the 3-D path.
func (c Conv) compute(y, x, weight, bias []float32, s convShape, col []float32) {
	c.computePacked(y, x, weight, nil, bias, s, col)
}

// computePacked is compute with, for 1-D and 2-D convolutions other than
// depthwise, the weights of each group prepacked in packs (nil to pack
// them during the call), for the GEMM or for Winograd convolution.
func (c Conv) computePacked(y, x, weight []float32, packs *packedWeights, bias []float32, s convShape, col []float32) {
	inPlane := elementCount(s.in)
	outPlane := elementCount(s.outShape())
	groupInC, groupOutC, k := s.groupInC(), s.groupOutC(), s.patchSize
	if outPlane == 0 || groupOutC == 0 {
		return
	}
	if k == 0 {
		// Every output is the empty sum 0, plus the bias.
		clear(y[:s.batch*s.outC*outPlane])
		c.finish(y, bias, s, outPlane)
		return
	}

	if len(s.axes) == 3 {
		for n := 0; n < s.batch; n++ {
			for g := 0; g < s.groups; g++ {
				xOffset := (n*s.inC + g*groupInC) * inPlane
				yOffset := (n*s.outC + g*groupOutC) * outPlane
				xg := x[xOffset : xOffset+groupInC*inPlane]
				wg := weight[g*groupOutC*k : (g+1)*groupOutC*k]
				yg := y[yOffset : yOffset+groupOutC*outPlane]
				if s.pointwise() {
					kernels.Sgemm(false, false, groupOutC, outPlane, k, 1, wg, k, xg, inPlane, 0, yg, outPlane)
				} else {
					convVolume(yg, xg, wg, col, groupInC, groupOutC, s.window)
				}
			}
		}
		c.finish(y, bias, s, outPlane)
		return
	}

	job := conv2DJob{c: c, s: s, p: conv2DParams(s.window.as2D(), groupInC), x: x, y: y, weight: weight, bias: bias}
	if packs != nil {
		job.packs, job.winograd = packs.packs, packs.winograd
	}

	// Images are independent, so a batch is split into one contiguous
	// range per thread. Each image is computed the same way whichever
	// goroutine runs it, so the result does not depend on the split.
	parts := min(s.batch, kernels.Threads())
	if parts <= 1 {
		for n := 0; n < s.batch; n++ {
			job.image(n)
		}
		return
	}
	job.split(parts)
}

// conv2DJob is a 1-D or 2-D convolution of a batch.
type conv2DJob struct {
	c                  Conv
	s                  convShape
	p                  kernels.Conv2DParams // one group of one image
	x, y, weight, bias []float32
	packs              []*kernels.PackedWeights // per group, or nil
	winograd           []*kernels.WinogradWeights
}

// image computes image n of the batch.
func (j *conv2DJob) image(n int) {
	s, p := j.s, j.p
	inPlane, outPlane := elementCount(s.in), elementCount(s.outShape())
	groupInC, groupOutC, k := s.groupInC(), s.groupOutC(), s.patchSize
	xImage := j.x[n*s.inC*inPlane : (n+1)*s.inC*inPlane]
	yImage := j.y[n*s.outC*outPlane : (n+1)*s.outC*outPlane]
	if groupInC == 1 && groupOutC == 1 {
		// Depthwise: one input and one output channel per group.
		p.Channels = s.inC
		kernels.DepthwiseConv2D(yImage, xImage, j.weight, j.bias, p, j.c.activation())
		return
	}
	for g := 0; g < s.groups; g++ {
		xg := xImage[g*groupInC*inPlane : (g+1)*groupInC*inPlane]
		wg := j.weight[g*groupOutC*k : (g+1)*groupOutC*k]
		yg := yImage[g*groupOutC*outPlane : (g+1)*groupOutC*outPlane]
		var bg []float32
		if j.bias != nil {
			bg = j.bias[g*groupOutC : (g+1)*groupOutC]
		}
		if j.winograd != nil {
			kernels.Conv2DWinograd(yg, xg, j.winograd[g], bg, p, j.c.activation())
			continue
		}
		if j.packs != nil {
			kernels.Conv2DPacked(yg, xg, j.packs[g], bg, p, j.c.activation())
			continue
		}
		kernels.Conv2D(yg, xg, wg, bg, groupOutC, p, j.c.activation())
	}
}

// split computes the batch in parts contiguous ranges of images on the
// kernels' worker pool, through a pooled batchJob: a closure handed to the
// pool would be allocated on every call.
func (j *conv2DJob) split(parts int) {
	b := batchJobs.GetOrNew()
	b.conv, b.parts = *j, parts
	kernels.ParallelRun(parts, b)
	*b = batchJob{}
	batchJobs.Put(b)
}

// batchJob is a conv2DJob split into parts ranges of images.
type batchJob struct {
	conv  conv2DJob
	parts int
}

// batchJobs is a free list rather than a sync.Pool, which would allocate
// after a garbage collection or when the caller moves to another
// processor.
var batchJobs freelist.List[batchJob]

func (b *batchJob) Piece(part int) {
	batch := b.conv.s.batch
	for n := part * batch / b.parts; n < (part+1)*batch/b.parts; n++ {
		b.conv.image(n)
	}
}

// finish adds the bias and applies the fused ReLU on the paths whose
// kernels do not.
func (c Conv) finish(y, bias []float32, s convShape, outPlane int) {
	if bias != nil {
		addChannelBias(y, bias, s.batch, s.outC, outPlane)
	}
	if c.FuseReLU {
		y = y[:s.batch*s.outC*outPlane]
		kernels.ReLU(y, y)
		if c.FuseCap > 0 {
			// min(x, cap) alone, so that -0 stays as the kernels keep it.
			kernels.Clamp(y, y, float32(math.Inf(-1)), c.FuseCap)
		}
	}
}

// conv2DParams returns the kernel geometry of one group of a window with
// two spatial axes.
func conv2DParams(win window, channels int) kernels.Conv2DParams {
	h, w := win.axes[0], win.axes[1]
	return kernels.Conv2DParams{
		Channels: channels, Height: h.in, Width: w.in,
		KernelH: h.kernel, KernelW: w.kernel,
		StrideH: h.stride, StrideW: w.stride,
		DilationH: h.dilation, DilationW: w.dilation,
		PadTop: h.padBegin, PadLeft: w.padBegin,
		OutH: h.out, OutW: w.out,
	}
}

// convVolume computes one group of one image of a 3-D convolution. Each
// output depth od is the product of wg with the im2col matrix of od, which
// Sgemm writes into the rows of yg [groupOutC][outD][outH*outW] with the
// leading dimension outD*outH*outW.
func convVolume(yg, xg, wg, col []float32, groupInC, groupOutC int, win window) {
	p := params3D(win)
	d, h, w := win.axes[0].in, win.axes[1].in, win.axes[2].in
	outD := win.axes[0].out
	outPlane := win.axes[1].out * win.axes[2].out
	k := groupInC * p.KernelD * p.KernelH * p.KernelW

	for od := 0; od < outD; od++ {
		im2col.Im2col3D(col, xg, groupInC, d, h, w, p, od)
		kernels.Sgemm(false, false, groupOutC, outPlane, k, 1, wg, k, col, outPlane, 0, yg[od*outPlane:], outD*outPlane)
	}
}

// params2D returns the im2col geometry of a window with two spatial axes.
func params2D(win window) im2col.Params {
	h, w := win.axes[0], win.axes[1]
	return im2col.Params{
		KernelH: h.kernel, KernelW: w.kernel,
		StrideH: h.stride, StrideW: w.stride,
		PadTop: h.padBegin, PadLeft: w.padBegin,
		PadBottom: h.padEnd, PadRight: w.padEnd,
		DilationH: h.dilation, DilationW: w.dilation,
	}
}

// params3D returns the im2col geometry of a window with three spatial axes.
func params3D(win window) im2col.Params3D {
	d := win.axes[0]
	return im2col.Params3D{
		Params:  params2D(window{axes: win.axes[1:]}),
		KernelD: d.kernel, StrideD: d.stride, DilationD: d.dilation,
		PadFront: d.padBegin, PadBack: d.padEnd,
	}
}
