package onnx

import "maps"

// maxVariadicInputs bounds the inputs of Sum and Concat. Real models stay
// far below it.
const maxVariadicInputs = 1 << 16

// cnnOperators are the operators of whole ImageNet-class CNNs beyond the
// basic set in ops.go: normalization, elementwise arithmetic and
// activations, and the tensor and shape operators that exporters emit to
// flatten or shuffle channels. Clip, Squeeze and Unsqueeze take further
// inputs only from the opset where an attribute became an input, which
// their build functions check.
var cnnOperators = map[string]opSpec{
	"BatchNormalization": {minInputs: 5, maxInputs: 5, unsupportedOutputs: []string{"mean", "var", "saved_mean", "saved_var"},
		attributes: batchNormAttributes, build: buildBatchNorm},
	"LRN":             {minInputs: 1, maxInputs: 1, attributes: []string{"size", "alpha", "beta", "bias"}, build: buildLRN},
	"Add":             {minInputs: 2, maxInputs: 2, attributes: legacyBroadcastAttributes, build: buildAdd},
	"Mul":             {minInputs: 2, maxInputs: 2, attributes: legacyBroadcastAttributes, build: buildMul},
	"Sum":             {minInputs: 1, maxInputs: maxVariadicInputs, build: buildSum},
	"Clip":            {minInputs: 1, maxInputs: 3, attributes: []string{"min", "max"}, build: buildClip},
	"LeakyRelu":       {minInputs: 1, maxInputs: 1, attributes: []string{"alpha"}, build: buildLeakyRelu},
	"Sigmoid":         {minInputs: 1, maxInputs: 1, build: buildSigmoid},
	"Tanh":            {minInputs: 1, maxInputs: 1, build: buildTanh},
	"Concat":          {minInputs: 1, maxInputs: maxVariadicInputs, attributes: []string{"axis"}, build: buildConcat},
	"Transpose":       {minInputs: 1, maxInputs: 1, attributes: []string{"perm"}, build: buildTranspose},
	"Squeeze":         {minInputs: 1, maxInputs: 2, attributes: []string{"axes"}, build: buildSqueeze},
	"Unsqueeze":       {minInputs: 1, maxInputs: 2, attributes: []string{"axes"}, build: buildUnsqueeze},
	"Shape":           {minInputs: 1, maxInputs: 1, attributes: []string{"start", "end"}, build: buildShape},
	"ConstantOfShape": {minInputs: 1, maxInputs: 1, attributes: []string{"value"}, build: buildConstantOfShape},
	"Gather":          {minInputs: 2, maxInputs: 2, attributes: []string{"axis"}, build: buildGather},
}

func init() {
	maps.Copy(operators, cnnOperators)
}

// checkAttributeInputs rejects a node that passes inputs after the first
// at an opset where they were attributes (Clip before 11, Squeeze and
// Unsqueeze before 13).
func checkAttributeInputs(c *nodeContext, since int64, names string) error {
	if n := len(c.node.GetInput()); c.opset < since && n > 1 {
		return c.errorf("takes 1 input at opset %d, got %d; %s became inputs in opset %d", c.opset, n, names, since)
	}
	return nil
}
