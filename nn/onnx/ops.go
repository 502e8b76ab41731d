package onnx

import (
	"slices"
	"strconv"
	"strings"

	"github.com/simdnn/simdnn/nn"
)

// opSpec describes how one ONNX operator becomes an nn layer.
type opSpec struct {
	minInputs, maxInputs int

	// layerInputs is the number of leading ONNX inputs the layer reads, or 0
	// for all of them. Dropout reads only its data input.
	layerInputs int

	// layerOutputs is the number of leading ONNX outputs the layer can
	// compute, or 0 for just the first.
	layerOutputs int

	// unsupportedOutputs names the ONNX outputs after those the layer
	// computes. A node that uses one is rejected.
	unsupportedOutputs []string

	attributes []string
	build      func(c *nodeContext) (nn.Layer, error)
}

// operators lists the supported operators of the default domain, except
// Constant, which becomes an initializer instead of a layer.
var operators = map[string]opSpec{
	"Conv":              {minInputs: 2, maxInputs: 3, attributes: convAttributes, build: buildConv},
	"MaxPool":           {minInputs: 1, maxInputs: 1, layerOutputs: 2, attributes: maxPoolAttributes, build: buildMaxPool},
	"AveragePool":       {minInputs: 1, maxInputs: 1, attributes: averagePoolAttributes, build: buildAveragePool},
	"GlobalAveragePool": {minInputs: 1, maxInputs: 1, build: buildGlobalAveragePool},
	"GlobalMaxPool":     {minInputs: 1, maxInputs: 1, build: buildGlobalMaxPool},
	"LogSoftmax":        {minInputs: 1, maxInputs: 1, attributes: []string{"axis"}, build: buildLogSoftmax},
	"Relu":              {minInputs: 1, maxInputs: 1, build: buildRelu},
	"Gemm":              {minInputs: 2, maxInputs: 3, attributes: gemmAttributes, build: buildGemm},
	"MatMul":            {minInputs: 2, maxInputs: 2, build: buildMatMul},
	"Flatten":           {minInputs: 1, maxInputs: 1, attributes: []string{"axis"}, build: buildFlatten},
	"Reshape":           {minInputs: 2, maxInputs: 2, attributes: []string{"allowzero"}, build: buildReshape},
	"Softmax":           {minInputs: 1, maxInputs: 1, attributes: []string{"axis"}, build: buildSoftmax},
	"Identity":          {minInputs: 1, maxInputs: 1, build: buildIdentity},
	"Dropout":           {minInputs: 1, maxInputs: 3, layerInputs: 1, unsupportedOutputs: []string{"mask"}, attributes: dropoutAttributes, build: buildDropout},
}

// supportedOperators returns the names of every supported operator, sorted.
func supportedOperators() string {
	names := []string{"Constant"}
	for name := range operators {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// checkDomain rejects nodes outside the default ONNX domain.
func checkDomain(c *nodeContext) error {
	switch domain := c.node.GetDomain(); domain {
	case "", "ai.onnx":
		return nil
	default:
		return c.errorf("operator domain %q is not supported; simdnn runs only operators of the default ONNX domain", domain)
	}
}

// convertNode turns a node of the default domain, other than Constant,
// into an nn.Node.
func convertNode(c *nodeContext) (nn.Node, error) {
	opType := c.node.GetOpType()
	spec, ok := operators[opType]
	if !ok {
		return nn.Node{}, c.errorf("operator %s at opset %d is not supported; supported operators: %s", opType, c.opset, supportedOperators())
	}

	inputs, err := checkInputs(c, spec)
	if err != nil {
		return nn.Node{}, err
	}
	outputs, err := checkOutputs(c, spec)
	if err != nil {
		return nn.Node{}, err
	}
	if err := c.checkAttributeNames(spec.attributes); err != nil {
		return nn.Node{}, err
	}

	layer, err := spec.build(c)
	if err != nil {
		return nn.Node{}, err
	}
	if spec.layerInputs > 0 && len(inputs) > spec.layerInputs {
		inputs = inputs[:spec.layerInputs]
	}
	return nn.Node{Layer: layer, Inputs: inputs, Outputs: outputs}, nil
}

// checkInputs checks the input count and that required inputs are named.
func checkInputs(c *nodeContext, spec opSpec) ([]string, error) {
	inputs := c.node.GetInput()
	if len(inputs) < spec.minInputs || len(inputs) > spec.maxInputs {
		noun := "inputs"
		if spec.maxInputs == 1 {
			noun = "input"
		}
		return nil, c.errorf("takes %s %s, got %d", describeCount(spec.minInputs, spec.maxInputs), noun, len(inputs))
	}
	for i := range spec.minInputs {
		if inputs[i] == "" {
			return nil, c.errorf("required input %d has no name", i)
		}
	}
	return slices.Clone(inputs), nil
}

// checkOutputs returns the one output every layer produces. Further
// outputs may be listed with an empty name, which ONNX uses for an output
// that no node reads.
func checkOutputs(c *nodeContext, spec opSpec) ([]string, error) {
	outputs := c.node.GetOutput()
	if len(outputs) == 0 || outputs[0] == "" {
		return nil, c.errorf("output 0 has no name")
	}
	computed := max(spec.layerOutputs, 1)

	// Trailing outputs without a name are absent, as the ONNX spec allows.
	used := len(outputs)
	for used > 1 && outputs[used-1] == "" {
		used--
	}
	for i := computed; i < used; i++ {
		name := outputs[i]
		if name == "" {
			continue
		}
		if extra := i - computed; extra < len(spec.unsupportedOutputs) {
			if !c.isRead(name) {
				// Nothing reads the output, so it need not be computed.
				continue
			}
			return nil, c.errorf("output %d (%s) %q is not supported; remove %q from the node's outputs", i, spec.unsupportedOutputs[extra], name, name)
		}
		return nil, c.errorf("has %d outputs, but %s has at most %d", len(outputs), c.node.GetOpType(), computed+len(spec.unsupportedOutputs))
	}
	return outputs[:min(used, computed)], nil
}

func describeCount(low, high int) string {
	if low == high {
		return strconv.Itoa(low)
	}
	return strconv.Itoa(low) + " to " + strconv.Itoa(high)
}
