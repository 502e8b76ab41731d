package onnx

import (
	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

// constantAttributes are the Constant value forms simdnn reads. The sparse
// and string forms are rejected as unknown attributes.
var constantAttributes = []string{"value", "value_float", "value_floats", "value_int", "value_ints"}

// constantTensor returns the value of a Constant node, which the graph
// stores as an initializer named by the node's output. Exporters such as
// PyTorch's write the shape input of Reshape this way.
func constantTensor(c *nodeContext) (*nn.Tensor, error) {
	if n := len(c.node.GetInput()); n != 0 {
		return nil, c.errorf("takes no inputs, got %d", n)
	}
	if outputs := c.node.GetOutput(); len(outputs) != 1 || outputs[0] == "" {
		return nil, c.errorf("has outputs %q, want one named output", outputs)
	}
	if err := c.checkAttributeNames(constantAttributes); err != nil {
		return nil, err
	}
	if len(c.attributes) != 1 {
		return nil, c.errorf("has %d value attributes, want exactly one of value, value_float, value_floats, value_int, value_ints", len(c.attributes))
	}

	a := c.node.GetAttribute()[0]
	name := a.GetName()
	want := map[string]onnxpb.AttributeProto_AttributeType{
		"value":        onnxpb.AttributeProto_TENSOR,
		"value_float":  onnxpb.AttributeProto_FLOAT,
		"value_floats": onnxpb.AttributeProto_FLOATS,
		"value_int":    onnxpb.AttributeProto_INT,
		"value_ints":   onnxpb.AttributeProto_INTS,
	}[name]
	if _, err := c.attribute(name, want); err != nil {
		return nil, err
	}

	switch name {
	case "value":
		t, err := tensorFromProto(a.GetT())
		if err != nil {
			return nil, c.errorf("attribute \"value\": %w", err)
		}
		return t, nil
	case "value_float":
		return nn.FromSlice([]float32{a.GetF()})
	case "value_floats":
		values := append([]float32(nil), a.GetFloats()...)
		return nn.FromSlice(values, len(values))
	case "value_int":
		return nn.FromInt64([]int64{a.GetI()})
	default:
		values := append([]int64(nil), a.GetInts()...)
		return nn.FromInt64(values, len(values))
	}
}
