package onnx

import "github.com/simdnn/simdnn/nn"

func buildRelu(c *nodeContext) (nn.Layer, error) {
	return nn.Relu{NodeName: c.layerName()}, nil
}

// softmaxAxis reads the axis of Softmax and LogSoftmax. Its default
// changed in opset 13 together with the semantics: before it the input
// was viewed as a 2-D matrix split at axis (coerce2D), from it the
// operators normalise along axis alone.
func softmaxAxis(c *nodeContext) (axis int, coerce2D bool, err error) {
	coerce2D = c.opset < 13
	defaultAxis := -1
	if coerce2D {
		defaultAxis = 1
	}
	axis, err = c.axisAttribute("axis", defaultAxis)
	return axis, coerce2D, err
}

func buildSoftmax(c *nodeContext) (nn.Layer, error) {
	axis, coerce2D, err := softmaxAxis(c)
	if err != nil {
		return nil, err
	}
	return nn.Softmax{NodeName: c.layerName(), Axis: axis, Coerce2D: coerce2D}, nil
}

func buildLogSoftmax(c *nodeContext) (nn.Layer, error) {
	axis, coerce2D, err := softmaxAxis(c)
	if err != nil {
		return nil, err
	}
	return nn.LogSoftmax{NodeName: c.layerName(), Axis: axis, Coerce2D: coerce2D}, nil
}
