package nn

import (
	"github.com/simdnn/simdnn/im2col"
	"github.com/simdnn/simdnn/kernels"
)

// Conv is the ONNX Conv operator on NCHW input: inputs X [N, C, H, W],
// W [M, C/Group, kH, kW] and optional B [M]; output Y [N, M, outH, outW].
// Empty slices take the ONNX defaults (kernel shape from W, strides and
// dilations 1, pads 0).
type Conv struct {
	NodeName    string
	KernelShape []int  // [kH, kW]
	Strides     []int  // [sH, sW]
	Pads        []int  // [hBegin, wBegin, hEnd, wEnd]
	Dilations   []int  // [dH, dW]
	Group       int    // 0 means 1
	AutoPad     string // "", "NOTSET", "VALID", "SAME_UPPER" or "SAME_LOWER"
}

// Name returns the node name.
func (c Conv) Name() string { return c.NodeName }

// OpType returns "Conv".
func (c Conv) OpType() string { return "Conv" }

// convShape is a Conv layer's geometry for one input shape.
type convShape struct {
	batch, inC, h, w int
	outC, groups     int
	window

	// colSize is the element count of the im2col buffer, which holds one
	// group of one image: patchSize rows of outH*outW. It is 0 when the
	// pointwise path needs no buffer.
	colSize int
}

// groupInC returns the input channels of one group.
func (s convShape) groupInC() int { return s.inC / s.groups }

// groupOutC returns the output channels of one group.
func (s convShape) groupOutC() int { return s.outC / s.groups }

// patchSize returns the length of one lowered input patch, the K of each
// group's GEMM: groupInC*kH*kW.
func (s convShape) patchSize() int { return s.groupInC() * s.KernelH * s.KernelW }

// pointwise reports whether the convolution is a plain matrix product of
// the weights with the input planes: a 1×1 kernel with stride 1 and no
// padding. Dilation does not matter for a 1×1 kernel.
func (s convShape) pointwise() bool {
	p := s.Params
	return p.KernelH == 1 && p.KernelW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadTop == 0 && p.PadLeft == 0 && p.PadBottom == 0 && p.PadRight == 0
}

// Forward computes Y from X, W and the optional B. Each image and group is
// lowered with im2col and multiplied by the group's weights with one Sgemm.
// The pointwise case multiplies the input planes without im2col.
func (c Conv) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(c, inputs, 2, 3); err != nil {
		return nil, err
	}
	x, err := floatInput(c, inputs, 0, "X", 4)
	if err != nil {
		return nil, err
	}
	weight, err := floatInput(c, inputs, 1, "W", 4)
	if err != nil {
		return nil, err
	}
	var bias *Tensor
	if optionalInput(inputs, 2) != nil {
		if bias, err = floatInput(c, inputs, 2, "B", 1); err != nil {
			return nil, err
		}
	}

	s, err := c.resolveShape(x.Shape, weight.Shape, bias)
	if err != nil {
		return nil, err
	}
	y, err := newOutput(c, s.batch, s.outC, s.outH, s.outW)
	if err != nil {
		return nil, err
	}
	c.compute(y, x, weight, s)
	if bias != nil {
		addChannelBias(y.Data, bias.Data, s.batch, s.outC, s.outH*s.outW)
	}
	return []*Tensor{y}, nil
}

// resolveShape checks the attributes and the shapes of X, W and B against
// each other and returns the convolution geometry.
func (c Conv) resolveShape(xShape, wShape []int, bias *Tensor) (convShape, error) {
	s := convShape{
		batch: xShape[0], inC: xShape[1], h: xShape[2], w: xShape[3],
		outC: wShape[0], groups: c.Group,
	}
	if s.groups == 0 {
		s.groups = 1
	}
	if s.groups < 0 {
		return s, layerError(c, "group %d, want at least 1", c.Group)
	}
	if s.inC%s.groups != 0 {
		return s, layerError(c, "input X has %d channels, not divisible by group %d", s.inC, s.groups)
	}
	if wShape[1] != s.inC/s.groups {
		return s, layerError(c, "input W has shape %v, want %d input channels per group (X has %d channels, group %d)",
			wShape, s.inC/s.groups, s.inC, s.groups)
	}
	if s.outC%s.groups != 0 {
		return s, layerError(c, "input W has %d output channels, not divisible by group %d", s.outC, s.groups)
	}
	if bias != nil && bias.Shape[0] != s.outC {
		return s, layerError(c, "input B has shape %v, want [%d] to match W", bias.Shape, s.outC)
	}

	kernelH, kernelW := wShape[2], wShape[3]
	if len(c.KernelShape) != 0 && (len(c.KernelShape) != 2 || c.KernelShape[0] != kernelH || c.KernelShape[1] != kernelW) {
		return s, layerError(c, "kernel_shape %v does not match the %dx%d kernel of W", c.KernelShape, kernelH, kernelW)
	}

	attrs := windowAttrs{strides: c.Strides, pads: c.Pads, dilations: c.Dilations, autoPad: c.AutoPad}
	win, err := resolveWindow(c, attrs, kernelH, kernelW, s.h, s.w)
	if err != nil {
		return s, err
	}
	s.window = win

	if !s.pointwise() {
		s.colSize, err = NumElements([]int{s.patchSize(), s.outH, s.outW})
		if err != nil {
			return s, layerError(c, "im2col buffer: %v", err)
		}
	}
	return s, nil
}

// compute writes the convolution of x with weight, without bias, into y.
func (c Conv) compute(y, x, weight *Tensor, s convShape) {
	inPlane := s.h * s.w
	outPlane := s.outH * s.outW
	groupInC, groupOutC, k := s.groupInC(), s.groupOutC(), s.patchSize()
	if outPlane == 0 || groupOutC == 0 || k == 0 {
		// y is empty, or every output is the empty sum 0.
		return
	}

	pointwise := s.pointwise()
	var col []float32
	if !pointwise {
		col = make([]float32, s.colSize)
	}

	for n := 0; n < s.batch; n++ {
		for g := 0; g < s.groups; g++ {
			xOffset := (n*s.inC + g*groupInC) * inPlane
			xg := x.Data[xOffset : xOffset+groupInC*inPlane]
			wg := weight.Data[g*groupOutC*k : (g+1)*groupOutC*k]
			yOffset := (n*s.outC + g*groupOutC) * outPlane
			yg := y.Data[yOffset : yOffset+groupOutC*outPlane]

			if pointwise {
				// Y[groupOutC][h*w] = W[groupOutC][groupInC] × X[groupInC][h*w].
				kernels.Sgemm(false, false, groupOutC, outPlane, k, 1, wg, k, xg, inPlane, 0, yg, outPlane)
				continue
			}
			im2col.Im2col(col, xg, groupInC, s.h, s.w, s.Params)
			kernels.Sgemm(false, false, groupOutC, outPlane, k, 1, wg, k, col, outPlane, 0, yg, outPlane)
		}
	}
}

// addChannelBias adds bias[m] to every element of channel m of y, which has
// shape [batch, channels, planeSize].
func addChannelBias(y, bias []float32, batch, channels, planeSize int) {
	for n := 0; n < batch; n++ {
		for m := 0; m < channels; m++ {
			b := bias[m]
			offset := (n*channels + m) * planeSize
			plane := y[offset : offset+planeSize]
			for i := range plane {
				plane[i] += b
			}
		}
	}
}
