package onnx

import "github.com/simdnn/simdnn/nn"

// gemmAttributes includes broadcast, an attribute of Gemm before opset 7,
// which the PyTorch-exported test models set to 1. It is checked to be 0 or 1
// and otherwise ignored, because the layer always broadcasts C to [M, N].
// With broadcast=0 a valid C already has that shape, so broadcasting is
// expected to change nothing.
var gemmAttributes = []string{"alpha", "beta", "transA", "transB", "broadcast"}

func buildGemm(c *nodeContext) (nn.Layer, error) {
	if c.opset >= 7 {
		if _, ok := c.attributes["broadcast"]; ok {
			return nil, c.errorf("attribute \"broadcast\" was removed in opset 7, but the model uses opset %d", c.opset)
		}
	}
	if _, err := c.boolAttribute("broadcast"); err != nil {
		return nil, err
	}

	alpha, err := c.floatAttribute("alpha", 1)
	if err != nil {
		return nil, err
	}
	beta, err := c.floatAttribute("beta", 1)
	if err != nil {
		return nil, err
	}
	transA, err := c.boolAttribute("transA")
	if err != nil {
		return nil, err
	}
	transB, err := c.boolAttribute("transB")
	if err != nil {
		return nil, err
	}
	return nn.Gemm{NodeName: c.layerName(), Alpha: alpha, Beta: beta, TransA: transA, TransB: transB}, nil
}

func buildMatMul(c *nodeContext) (nn.Layer, error) {
	return nn.MatMul{NodeName: c.layerName()}, nil
}
