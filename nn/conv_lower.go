package nn

import (
	"github.com/simdnn/simdnn/im2col"
	"github.com/simdnn/simdnn/kernels"
)

// compute writes the convolution of x with weight, without bias, into y.
func (c Conv) compute(y, x, weight *Tensor, s convShape) {
	inPlane := elementCount(s.in)
	outPlane := elementCount(s.outShape())
	groupInC, groupOutC, k := s.groupInC(), s.groupOutC(), s.patchSize
	if outPlane == 0 || groupOutC == 0 || k == 0 {
		// y is empty, or every output is the empty sum 0.
		return
	}

	var col []float32
	if !s.pointwise() {
		col = make([]float32, s.colSize)
	}

	for n := 0; n < s.batch; n++ {
		for g := 0; g < s.groups; g++ {
			xOffset := (n*s.inC + g*groupInC) * inPlane
			xg := x.Data[xOffset : xOffset+groupInC*inPlane]
			wg := weight.Data[g*groupOutC*k : (g+1)*groupOutC*k]
			yOffset := (n*s.outC + g*groupOutC) * outPlane
			yg := y.Data[yOffset : yOffset+groupOutC*outPlane]

			switch {
			case s.pointwise():
				// Y[groupOutC][plane] = W[groupOutC][groupInC] × X[groupInC][plane].
				kernels.Sgemm(false, false, groupOutC, outPlane, k, 1, wg, k, xg, inPlane, 0, yg, outPlane)
			case len(s.axes) == 3:
				convVolume(yg, xg, wg, col, groupInC, groupOutC, s.window)
			default:
				convPlane(yg, xg, wg, col, groupInC, groupOutC, s.window.as2D())
			}
		}
	}
}

// convPlane computes one group of one image of a 2-D convolution,
// yg [groupOutC][outH*outW] = wg [groupOutC][k] × im2col(xg), using col as
// the im2col buffer.
func convPlane(yg, xg, wg, col []float32, groupInC, groupOutC int, win window) {
	p := params2D(win)
	h, w := win.axes[0].in, win.axes[1].in
	outPlane := win.axes[0].out * win.axes[1].out
	k := groupInC * p.KernelH * p.KernelW

	im2col.Im2col(col, xg, groupInC, h, w, p)
	kernels.Sgemm(false, false, groupOutC, outPlane, k, 1, wg, k, col, outPlane, 0, yg, outPlane)
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
