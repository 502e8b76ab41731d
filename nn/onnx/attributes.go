package onnx

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/simdnn/simdnn/internal/onnxpb"
)

// maxAttributeValue bounds integer attributes such as strides, pads and
// axes, so that layers can add and multiply them in int without overflow.
// Real models stay far below it.
const maxAttributeValue = math.MaxInt32

// nodeContext is one NodeProto being converted, with its attributes by name
// and the opset that fixes its semantics.
type nodeContext struct {
	index      int
	node       *onnxpb.NodeProto
	opset      int64
	read       map[string]bool // values that a node or graph output reads, or nil when not known
	attributes map[string]*onnxpb.AttributeProto
}

func newNodeContext(index int, node *onnxpb.NodeProto, opset int64) (*nodeContext, error) {
	c := &nodeContext{
		index:      index,
		node:       node,
		opset:      opset,
		attributes: make(map[string]*onnxpb.AttributeProto, len(node.GetAttribute())),
	}
	for _, a := range node.GetAttribute() {
		name := a.GetName()
		if name == "" {
			return nil, c.errorf("an attribute has no name")
		}
		if _, dup := c.attributes[name]; dup {
			return nil, c.errorf("attribute %q appears twice", name)
		}
		c.attributes[name] = a
	}
	return c, nil
}

// isRead reports whether a node or graph output reads the value name,
// or true when that is not known.
func (c *nodeContext) isRead(name string) bool {
	return c.read == nil || c.read[name]
}

// label returns the node's name in quotes, or its position in graph.node
// for an unnamed node.
func (c *nodeContext) label() string {
	if name := c.node.GetName(); name != "" {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("#%d", c.index)
}

// layerName returns the name given to the nn layer, used in its errors.
func (c *nodeContext) layerName() string {
	if name := c.node.GetName(); name != "" {
		return name
	}
	return fmt.Sprintf("%s#%d", c.node.GetOpType(), c.index)
}

// errorf returns an error that starts with the node and its operator.
func (c *nodeContext) errorf(format string, args ...any) error {
	prefix := fmt.Sprintf("node %s (%s): ", c.label(), c.node.GetOpType())
	return fmt.Errorf(prefix+format, args...)
}

// checkAttributeNames rejects attributes outside allowed, so a misspelled
// or newer attribute is not silently ignored.
func (c *nodeContext) checkAttributeNames(allowed []string) error {
	for _, a := range c.node.GetAttribute() {
		if slices.Contains(allowed, a.GetName()) {
			continue
		}
		if len(allowed) == 0 {
			return c.errorf("attribute %q is not supported; %s takes no attributes", a.GetName(), c.node.GetOpType())
		}
		return c.errorf("attribute %q is not supported; %s takes %s", a.GetName(), c.node.GetOpType(), strings.Join(allowed, ", "))
	}
	return nil
}

// attribute returns the named attribute, or nil if the node does not set
// it. An attribute of another type than want is an error.
func (c *nodeContext) attribute(name string, want onnxpb.AttributeProto_AttributeType) (*onnxpb.AttributeProto, error) {
	a, ok := c.attributes[name]
	if !ok {
		return nil, nil
	}
	if got := attributeType(a); got != want {
		return nil, c.errorf("attribute %q has type %s, want %s", name, got, want)
	}
	return a, nil
}

// attributeType returns the declared type of a, or infers it from the value
// field that is set when type is missing, as in files from IR version 1.
func attributeType(a *onnxpb.AttributeProto) onnxpb.AttributeProto_AttributeType {
	if a.Type != nil {
		return a.GetType()
	}
	switch {
	case a.F != nil:
		return onnxpb.AttributeProto_FLOAT
	case a.I != nil:
		return onnxpb.AttributeProto_INT
	case a.S != nil:
		return onnxpb.AttributeProto_STRING
	case a.T != nil:
		return onnxpb.AttributeProto_TENSOR
	case len(a.Floats) > 0:
		return onnxpb.AttributeProto_FLOATS
	case len(a.Ints) > 0:
		return onnxpb.AttributeProto_INTS
	case len(a.Strings) > 0:
		return onnxpb.AttributeProto_STRINGS
	}
	return onnxpb.AttributeProto_UNDEFINED
}

// intAttribute returns an INT attribute, or def if it is absent. The value
// must lie in [low, high].
func (c *nodeContext) intAttribute(name string, def, low, high int64) (int, error) {
	a, err := c.attribute(name, onnxpb.AttributeProto_INT)
	if err != nil {
		return 0, err
	}
	if a == nil {
		return int(def), nil
	}
	v := a.GetI()
	if v < low || v > high {
		return 0, c.errorf("attribute %q is %d, want %s", name, v, describeBound(v, low, high))
	}
	return int(v), nil
}

// boolAttribute returns an INT attribute that must be 0 or 1.
func (c *nodeContext) boolAttribute(name string) (bool, error) {
	v, err := c.intAttribute(name, 0, 0, 1)
	return v == 1, err
}

// axisAttribute returns an INT axis attribute, or def if it is absent.
// Negative axes count from the end, and the layer checks them against the
// rank.
func (c *nodeContext) axisAttribute(name string, def int) (int, error) {
	return c.intAttribute(name, int64(def), -maxAttributeValue, maxAttributeValue)
}

// floatAttribute returns a FLOAT attribute, or def if it is absent.
func (c *nodeContext) floatAttribute(name string, def float32) (float32, error) {
	a, err := c.attribute(name, onnxpb.AttributeProto_FLOAT)
	if err != nil || a == nil {
		return def, err
	}
	return a.GetF(), nil
}

// stringAttribute returns a STRING attribute, or def if it is absent.
func (c *nodeContext) stringAttribute(name, def string) (string, error) {
	a, err := c.attribute(name, onnxpb.AttributeProto_STRING)
	if err != nil || a == nil {
		return def, err
	}
	return string(a.GetS()), nil
}

// intsAttribute returns an INTS attribute, or nil if it is absent. Every
// value must lie in [low, maxAttributeValue].
func (c *nodeContext) intsAttribute(name string, low int64) ([]int, error) {
	a, err := c.attribute(name, onnxpb.AttributeProto_INTS)
	if err != nil || a == nil {
		return nil, err
	}
	values := make([]int, len(a.GetInts()))
	for i, v := range a.GetInts() {
		if v < low || v > maxAttributeValue {
			return nil, c.errorf("attribute %q is %v, want every value %s", name, a.GetInts(), describeBound(v, low, maxAttributeValue))
		}
		values[i] = int(v)
	}
	return values, nil
}

// describeBound returns the bound that v breaks, for messages.
func describeBound(v, low, high int64) string {
	switch {
	case low == 0 && high == 1:
		return "0 or 1"
	case v < low:
		return fmt.Sprintf("≥ %d", low)
	}
	return fmt.Sprintf("≤ %d", high)
}
