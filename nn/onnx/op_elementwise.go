package onnx

import (
	"math"

	"github.com/simdnn/simdnn/nn"
)

// legacyBroadcastAttributes are the attributes of Add and Mul before opset
// 7, when broadcasting had to be requested and aligned with an axis.
var legacyBroadcastAttributes = []string{"broadcast", "axis"}

// checkLegacyBroadcast rejects the broadcast attribute, which selected the
// broadcasting rules of opsets 1 to 6. Without it those opsets required
// equal shapes, which numpy broadcasting computes alike.
func checkLegacyBroadcast(c *nodeContext) error {
	broadcast, err := c.boolAttribute("broadcast")
	if err != nil {
		return err
	}
	if _, err := c.axisAttribute("axis", 0); err != nil {
		return err
	}
	if broadcast {
		return c.errorf("attribute \"broadcast\" 1 asks for the broadcasting of opsets before 7, which simdnn does not implement; export the model at opset 7 or later")
	}
	if c.opset >= 7 && len(c.attributes) > 0 {
		return c.errorf("attributes \"broadcast\" and \"axis\" were removed in opset 7, but the model uses opset %d", c.opset)
	}
	return nil
}

func buildAdd(c *nodeContext) (nn.Layer, error) {
	if err := checkLegacyBroadcast(c); err != nil {
		return nil, err
	}
	return nn.Add{NodeName: c.layerName()}, nil
}

func buildMul(c *nodeContext) (nn.Layer, error) {
	if err := checkLegacyBroadcast(c); err != nil {
		return nil, err
	}
	return nn.Mul{NodeName: c.layerName()}, nil
}

func buildSum(c *nodeContext) (nn.Layer, error) {
	return nn.Sum{NodeName: c.layerName()}, nil
}

func buildSigmoid(c *nodeContext) (nn.Layer, error) {
	return nn.Sigmoid{NodeName: c.layerName()}, nil
}

func buildTanh(c *nodeContext) (nn.Layer, error) {
	return nn.Tanh{NodeName: c.layerName()}, nil
}

func buildLeakyRelu(c *nodeContext) (nn.Layer, error) {
	alpha, err := c.floatAttribute("alpha", 0.01)
	if err != nil {
		return nil, err
	}
	return nn.LeakyRelu{NodeName: c.layerName(), Alpha: alpha}, nil
}

// buildClip reads the min and max attributes of opsets 6 to 10. An absent
// bound is infinite, so it clips nothing.
func buildClip(c *nodeContext) (nn.Layer, error) {
	if err := checkAttributeInputs(c, 11, "min and max"); err != nil {
		return nil, err
	}
	if c.opset >= 11 && len(c.attributes) > 0 {
		return nil, c.errorf("attributes \"min\" and \"max\" became inputs in opset 11, but the model uses opset %d", c.opset)
	}
	lower, err := c.floatAttribute("min", float32(math.Inf(-1)))
	if err != nil {
		return nil, err
	}
	upper, err := c.floatAttribute("max", float32(math.Inf(1)))
	if err != nil {
		return nil, err
	}
	return nn.Clip{NodeName: c.layerName(), Min: lower, Max: upper}, nil
}
