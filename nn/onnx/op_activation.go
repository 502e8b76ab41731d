package onnx

import "github.com/simdnn/simdnn/nn"

func buildRelu(c *nodeContext) (nn.Layer, error) {
	return nn.Relu{NodeName: c.layerName()}, nil
}

// buildSoftmax fills the axis default, which changed in opset 13 together
// with the semantics: before it the input was viewed as a 2-D matrix split
// at axis, from it Softmax normalises along axis alone.
func buildSoftmax(c *nodeContext) (nn.Layer, error) {
	coerce2D := c.opset < 13
	defaultAxis := -1
	if coerce2D {
		defaultAxis = 1
	}
	axis, err := c.axisAttribute("axis", defaultAxis)
	if err != nil {
		return nil, err
	}
	return nn.Softmax{NodeName: c.layerName(), Axis: axis, Coerce2D: coerce2D}, nil
}

// buildLogSoftmax maps LogSoftmax, whose axis rules match Softmax's.
func buildLogSoftmax(c *nodeContext) (nn.Layer, error) {
	coerce2D := c.opset < 13
	defaultAxis := -1
	if coerce2D {
		defaultAxis = 1
	}
	axis, err := c.axisAttribute("axis", defaultAxis)
	if err != nil {
		return nil, err
	}
	return nn.LogSoftmax{NodeName: c.layerName(), Axis: axis, Coerce2D: coerce2D}, nil
}
