package onnx

import "github.com/simdnn/simdnn/nn"

func buildFlatten(c *nodeContext) (nn.Layer, error) {
	axis, err := c.axisAttribute("axis", 1)
	if err != nil {
		return nil, err
	}
	return nn.Flatten{NodeName: c.layerName(), Axis: axis}, nil
}

// buildReshape handles Reshape from opset 5, which reads the new shape from
// its second input. Reshape-1 took it as an attribute and is rejected by
// the input count check.
func buildReshape(c *nodeContext) (nn.Layer, error) {
	allowZero, err := c.boolAttribute("allowzero")
	if err != nil {
		return nil, err
	}
	return nn.Reshape{NodeName: c.layerName(), AllowZero: allowZero}, nil
}
