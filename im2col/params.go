// Package im2col lowers a 2-D convolution to a matrix multiplication: it
// copies every input patch that a kernel window covers into one column of a
// matrix, so that the convolution becomes a GEMM with the weight matrix.
package im2col

import (
	"fmt"
	"math"
)

// Params is the geometry of a 2-D convolution window, with sizes in input
// elements. Pads are zero elements added before (top, left) and after
// (bottom, right) the input. A dilation of d places kernel taps d elements
// apart.
type Params struct {
	KernelH, KernelW     int
	StrideH, StrideW     int
	PadTop, PadLeft      int
	PadBottom, PadRight  int
	DilationH, DilationW int
}

// Validate returns an error unless the kernel sizes, strides and dilations
// are at least 1 and the pads are at least 0.
func (p Params) Validate() error {
	if p.KernelH < 1 || p.KernelW < 1 {
		return fmt.Errorf("im2col: kernel %dx%d, want both sizes at least 1", p.KernelH, p.KernelW)
	}
	if p.StrideH < 1 || p.StrideW < 1 {
		return fmt.Errorf("im2col: strides %dx%d, want both at least 1", p.StrideH, p.StrideW)
	}
	if p.DilationH < 1 || p.DilationW < 1 {
		return fmt.Errorf("im2col: dilations %dx%d, want both at least 1", p.DilationH, p.DilationW)
	}
	if p.PadTop < 0 || p.PadLeft < 0 || p.PadBottom < 0 || p.PadRight < 0 {
		return fmt.Errorf("im2col: pads [top %d, left %d, bottom %d, right %d], want all at least 0",
			p.PadTop, p.PadLeft, p.PadBottom, p.PadRight)
	}
	return nil
}

// OutputSize returns the output height and width of the convolution of an
// h×w input. Along each axis
//
//	out = floor((in + padBegin + padEnd - ((kernel-1)*dilation + 1)) / stride) + 1
//
// An output size of 0 is valid: the dilated kernel is larger than the padded
// input by less than one stride. OutputSize returns an error if p is invalid,
// h or w is negative, an intermediate size overflows int, or an output size
// would be negative.
func (p Params) OutputSize(h, w int) (outH, outW int, err error) {
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	if h < 0 || w < 0 {
		return 0, 0, fmt.Errorf("im2col: input %dx%d has a negative size", h, w)
	}

	outH, err = outputLength(h, p.PadTop, p.PadBottom, p.KernelH, p.StrideH, p.DilationH)
	if err != nil {
		return 0, 0, fmt.Errorf("im2col: height: %w", err)
	}
	outW, err = outputLength(w, p.PadLeft, p.PadRight, p.KernelW, p.StrideW, p.DilationW)
	if err != nil {
		return 0, 0, fmt.Errorf("im2col: width: %w", err)
	}
	return outH, outW, nil
}

// outputLength applies the OutputSize formula to one axis. Its arguments
// are non-negative and kernel, stride and dilation are at least 1.
func outputLength(in, padBegin, padEnd, kernel, stride, dilation int) (int, error) {
	if kernel-1 > (math.MaxInt-1)/dilation {
		return 0, fmt.Errorf("kernel %d with dilation %d overflows int", kernel, dilation)
	}
	extent := (kernel-1)*dilation + 1

	if padBegin > math.MaxInt-in || padEnd > math.MaxInt-in-padBegin {
		return 0, fmt.Errorf("input %d with pads %d and %d overflows int", in, padBegin, padEnd)
	}
	padded := in + padBegin + padEnd

	// Both operands are non-negative, so the difference cannot overflow.
	span := padded - extent
	if span < -stride {
		return 0, fmt.Errorf("dilated kernel %d exceeds padded input %d by more than stride %d", extent, padded, stride)
	}
	if span < 0 {
		return 0, nil
	}
	return span/stride + 1, nil
}
