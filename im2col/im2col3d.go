package im2col

import "fmt"

// Params3D is the geometry of a 3-D convolution window: Params for the
// height and width axes, and the same quantities for depth, with PadFront
// elements before and PadBack elements after the input along depth.
type Params3D struct {
	Params
	KernelD, StrideD, DilationD int
	PadFront, PadBack           int
}

// Validate returns an error unless the kernel sizes, strides and dilations
// are at least 1 and the pads are at least 0.
func (p Params3D) Validate() error {
	if err := p.Params.Validate(); err != nil {
		return err
	}
	if p.KernelD < 1 || p.StrideD < 1 || p.DilationD < 1 {
		return fmt.Errorf("im2col: depth kernel %d, stride %d and dilation %d, want all at least 1", p.KernelD, p.StrideD, p.DilationD)
	}
	if p.PadFront < 0 || p.PadBack < 0 {
		return fmt.Errorf("im2col: depth pads [front %d, back %d], want both at least 0", p.PadFront, p.PadBack)
	}
	return nil
}

// OutputSize returns the output depth, height and width of the convolution
// of a d×h×w input, with the formula of Params.OutputSize on each axis. It
// returns an error if p is invalid, a size is negative, an intermediate
// size overflows int, or an output size would be negative.
func (p Params3D) OutputSize(d, h, w int) (outD, outH, outW int, err error) {
	if err := p.Validate(); err != nil {
		return 0, 0, 0, err
	}
	outH, outW, err = p.Params.OutputSize(h, w)
	if err != nil {
		return 0, 0, 0, err
	}
	if d < 0 {
		return 0, 0, 0, fmt.Errorf("im2col: input depth %d is negative", d)
	}
	outD, err = outputLength(d, p.PadFront, p.PadBack, p.KernelD, p.StrideD, p.DilationD)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("im2col: depth: %w", err)
	}
	return outD, outH, outW, nil
}

// Im2col3D lowers the windows at output depth od of one image of c
// channels, each d×h×w, for the convolution p. src holds the image in
// row-major CDHW order: element (ci, id, ih, iw) is
// src[((ci*d + id)*h + ih)*w + iw].
//
// dst receives a row-major matrix of c*KernelD*KernelH*KernelW rows and
// outH*outW columns, where outH and outW come from p.OutputSize. Row
// ((ci*KernelD + kd)*KernelH + ki)*KernelW + kj, column oh*outW + ow holds
// the input under kernel tap (kd, ki, kj) of the window at output position
// (od, oh, ow):
//
//	id = od*StrideD - PadFront + kd*DilationD,
//
// with ih and iw as in Im2col, or 0 where (id, ih, iw) lies in the padding.
// The convolution at output depth od is then the product of the weight
// matrix [m][c*KernelD*KernelH*KernelW] (the ONNX layout
// [m][c][KernelD][KernelH][KernelW]) with dst. Lowering one output depth at
// a time keeps the matrix outD times smaller than lowering the volume.
//
// Im2col3D writes every element of the matrix and nothing past it. It
// panics if c is negative, if p.OutputSize(d, h, w) returns an error, if od
// is outside [0, outD), or if src or dst is shorter than the layout needs.
func Im2col3D(dst, src []float32, c, d, h, w int, p Params3D, od int) {
	outD, outH, outW, err := p.OutputSize(d, h, w)
	if err != nil {
		panic(err.Error())
	}
	if c < 0 {
		panic(fmt.Sprintf("im2col: negative channel count %d", c))
	}
	if od < 0 || od >= outD {
		panic(fmt.Sprintf("im2col: output depth %d outside [0, %d)", od, outD))
	}

	planeSize := mustMultiply(h, w)
	volumeSize := mustMultiply(d, planeSize)
	cols := mustMultiply(outH, outW)
	planeRows := mustMultiply(p.KernelH, p.KernelW)
	rows := mustMultiply(mustMultiply(c, p.KernelD), planeRows)
	if len(src) < mustMultiply(c, volumeSize) {
		panic(fmt.Sprintf("im2col: source has %d elements, want %d channels of %dx%dx%d", len(src), c, d, h, w))
	}
	if len(dst) < mustMultiply(rows, cols) {
		panic(fmt.Sprintf("im2col: destination has %d elements, want %d rows of %d columns", len(dst), rows, cols))
	}

	// Every block of planeRows rows lowers one input plane, or is zero
	// where the depth tap reads padding. od*StrideD cannot overflow,
	// because od < outD and outputLength checked the padded depth.
	block := planeRows * cols
	for ci := 0; ci < c; ci++ {
		for kd := 0; kd < p.KernelD; kd++ {
			out := dst[(ci*p.KernelD+kd)*block : (ci*p.KernelD+kd+1)*block]
			id := od*p.StrideD - p.PadFront + kd*p.DilationD
			if id < 0 || id >= d {
				clear(out)
				continue
			}
			offset := ci*volumeSize + id*planeSize
			lowerPlane(out, src[offset:offset+planeSize], h, w, outH, outW, p.Params)
		}
	}
}
