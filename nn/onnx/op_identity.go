package onnx

import (
	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

func buildIdentity(c *nodeContext) (nn.Layer, error) {
	return nn.Identity{NodeName: c.layerName()}, nil
}

// dropoutAttributes spans every opset: ratio (before 12, an input since),
// is_test (before 7) and seed (from 12).
var dropoutAttributes = []string{"ratio", "is_test", "seed"}

// buildDropout returns an Identity layer, because Dropout at inference
// passes its data through. The ratio input is accepted and ignored.
//
// NOTE: is_test=0 (the default before opset 7) asked for training mode,
// which is run here as inference too, as ONNX runtimes do.
func buildDropout(c *nodeContext) (nn.Layer, error) {
	if _, err := c.floatAttribute("ratio", 0.5); err != nil {
		return nil, err
	}
	if _, err := c.intAttribute("is_test", 0, 0, 1); err != nil {
		return nil, err
	}
	if _, err := c.attribute("seed", onnxpb.AttributeProto_INT); err != nil {
		return nil, err
	}

	inputs := c.node.GetInput()
	if len(inputs) > 2 && inputs[2] != "" {
		return nil, c.errorf("input 2 (training_mode) %q is not supported; simdnn runs Dropout at inference only, so remove the input", inputs[2])
	}
	return nn.Identity{NodeName: c.layerName()}, nil
}
