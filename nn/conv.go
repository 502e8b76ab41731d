package nn

import (
	"slices"

	"github.com/simdnn/simdnn/kernels"
)

// Conv is the ONNX Conv operator on 1-D, 2-D and 3-D input. It takes
// X [N, C, spatial...], W [M, C/Group, kernel...] with one kernel size per
// spatial axis, and the optional B [M], and returns Y [N, M, out...]. The
// lists below have one value per spatial axis, outermost first (depth,
// height, width), and Pads has all begin values followed by all end
// values, as in ONNX. Empty slices take the ONNX defaults: kernel shape
// from W, strides and dilations 1, pads 0.
type Conv struct {
	NodeName    string
	KernelShape []int  // checked against W when set
	Strides     []int  // default 1 per axis
	Pads        []int  // [x1Begin, x2Begin, ..., x1End, x2End, ...], default 0
	Dilations   []int  // default 1 per axis
	Group       int    // 0 means 1
	AutoPad     string // "", "NOTSET", "VALID", "SAME_UPPER" or "SAME_LOWER"

	// FuseReLU applies ReLU (x < 0 ? 0 : x) to Y, as a Relu node after the
	// Conv would, while each tile of Y is still in cache. Graph
	// optimisation sets it; ONNX has no such attribute.
	FuseReLU bool

	// FuseCap, when FuseReLU is set and FuseCap is above 0, also replaces
	// outputs above FuseCap by FuseCap: ReLU6, or Clip with bounds 0 and
	// FuseCap, whose node graph optimisation then drops. Unlike Clip, it
	// keeps -0 as -0 (Clip follows Go's max, which returns +0).
	FuseCap float32

	// FuseMaxPool, when not nil, is a MaxPool node that read Y, whose
	// node graph optimisation then drops. Conv returns that pooling of Y
	// (after the fused activation), and for 2-D convolutions with 3×3
	// stride-2 pooling it never stores Y whole. The pooling's errors name
	// its own node.
	FuseMaxPool *MaxPool
}

// activation returns the fused activation for the kernels.
func (c Conv) activation() kernels.Activation {
	switch {
	case !c.FuseReLU:
		return kernels.NoActivation
	case c.FuseCap > 0:
		return kernels.CappedReLU(c.FuseCap)
	}
	return kernels.ReLUActivation
}

// Name returns the node name.
func (c Conv) Name() string { return c.NodeName }

// OpType returns "Conv".
func (c Conv) OpType() string { return "Conv" }

// convShape is a Conv layer's geometry for one input shape.
type convShape struct {
	batch, inC   int
	outC, groups int
	in           []int // spatial input shape
	window

	// patchSize is the length of one lowered input patch, the K of each
	// group's GEMM: groupInC times the kernel size.
	patchSize int

	// colSize is the element count of the im2col buffer, which holds one
	// group of one image (of one output depth for 3-D input): patchSize
	// rows of outH*outW. It is 0 when the pointwise path needs no buffer.
	colSize int
}

// groupInC returns the input channels of one group.
func (s convShape) groupInC() int { return s.inC / s.groups }

// groupOutC returns the output channels of one group.
func (s convShape) groupOutC() int { return s.outC / s.groups }

// pointwise reports whether the convolution is a plain matrix product of
// the weights with the input planes: a kernel of one tap with stride 1 and
// no padding on every axis. Dilation does not matter for one tap.
func (s convShape) pointwise() bool {
	for _, a := range s.axes {
		if a.kernel != 1 || a.stride != 1 || a.padBegin != 0 || a.padEnd != 0 {
			return false
		}
	}
	return true
}

// Forward computes Y from X, W and the optional B into a new tensor; see
// ForwardInto.
func (c Conv) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := c.validateInputs(inputs); err != nil {
		return nil, err
	}
	return forwardPlanned(c, inputs)
}

// resolveShape checks the attributes and the shapes of X, W and B against
// each other and returns the convolution geometry. X and W have the same
// rank.
func (c Conv) resolveShape(xShape, wShape, biasShape []int) (convShape, error) {
	s := convShape{
		batch: xShape[0], inC: xShape[1], in: xShape[2:],
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
	if biasShape != nil && biasShape[0] != s.outC {
		return s, layerError(c, "input B has shape %v, want [%d] to match W", biasShape, s.outC)
	}

	kernel := wShape[2:]
	if len(c.KernelShape) != 0 && !slices.Equal(c.KernelShape, kernel) {
		return s, layerError(c, "kernel_shape %v does not match the %s kernel of W", c.KernelShape, formatSizes(kernel))
	}

	attrs := windowAttrs{strides: c.Strides, pads: c.Pads, dilations: c.Dilations, autoPad: c.AutoPad}
	win, err := resolveWindow(c, attrs, kernel, s.in)
	if err != nil {
		return s, err
	}
	s.window = win

	// W may be empty, so its other dimensions do not bound the patch size.
	s.patchSize, err = NumElements(append([]int{s.groupInC()}, kernel...))
	if err != nil {
		return s, layerError(c, "im2col buffer: %v", err)
	}
	if !s.pointwise() {
		// One lowered matrix covers the last two output axes.
		lowered := win.as2D().outShape()
		lowered = lowered[len(lowered)-2:]
		s.colSize, err = NumElements([]int{s.patchSize, lowered[0], lowered[1]})
		if err != nil {
			return s, layerError(c, "im2col buffer: %v", err)
		}
	}
	return s, nil
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
