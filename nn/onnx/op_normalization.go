package onnx

import "github.com/simdnn/simdnn/nn"

// batchNormAttributes spans opsets 6 to 15: is_test (before 7), spatial
// (7 and 8), momentum (used in training only) and training_mode (from 14).
var batchNormAttributes = []string{"epsilon", "momentum", "is_test", "spatial", "training_mode"}

// buildBatchNorm returns the inference form of BatchNormalization.
//
// NOTE: is_test=0 (the default before opset 7) asked for training mode,
// which is run here as inference. training_mode=1 (from opset 14) is
// rejected, because its output differs.
func buildBatchNorm(c *nodeContext) (nn.Layer, error) {
	epsilon, err := c.floatAttribute("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	if epsilon < 0 {
		return nil, c.errorf("attribute \"epsilon\" is %g, want ≥ 0", epsilon)
	}
	if _, err := c.floatAttribute("momentum", 0.9); err != nil {
		return nil, err
	}
	if _, err := c.boolAttribute("is_test"); err != nil {
		return nil, err
	}
	spatial, err := c.intAttribute("spatial", 1, 0, 1)
	if err != nil {
		return nil, err
	}
	if spatial == 0 {
		return nil, c.errorf("attribute \"spatial\" is 0, which normalizes each element with its own statistics; simdnn supports only spatial=1")
	}
	training, err := c.boolAttribute("training_mode")
	if err != nil {
		return nil, err
	}
	if training {
		return nil, c.errorf("attribute \"training_mode\" is 1; simdnn runs BatchNormalization at inference only, so export the model in eval mode")
	}
	return nn.BatchNormalization{NodeName: c.layerName(), Epsilon: epsilon}, nil
}

// buildLRN reads size, which ONNX requires, and fills the defaults of
// alpha, beta and bias.
func buildLRN(c *nodeContext) (nn.Layer, error) {
	if _, ok := c.attributes["size"]; !ok {
		return nil, c.errorf("attribute \"size\" is missing; LRN requires it")
	}
	size, err := c.intAttribute("size", 1, 1, maxAttributeValue)
	if err != nil {
		return nil, err
	}
	alpha, err := c.floatAttribute("alpha", 1e-4)
	if err != nil {
		return nil, err
	}
	beta, err := c.floatAttribute("beta", 0.75)
	if err != nil {
		return nil, err
	}
	bias, err := c.floatAttribute("bias", 1)
	if err != nil {
		return nil, err
	}
	return nn.LRN{NodeName: c.layerName(), Size: size, Alpha: alpha, Beta: beta, Bias: bias}, nil
}
