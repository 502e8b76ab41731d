package onnx

import (
	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

// buildConcat requires axis, as ONNX does from opset 4. Before it the
// default was 1.
func buildConcat(c *nodeContext) (nn.Layer, error) {
	def := 1
	if c.opset >= 4 {
		if _, ok := c.attributes["axis"]; !ok {
			return nil, c.errorf("attribute \"axis\" is missing; Concat requires it from opset 4")
		}
	}
	axis, err := c.axisAttribute("axis", def)
	if err != nil {
		return nil, err
	}
	return nn.Concat{NodeName: c.layerName(), Axis: axis}, nil
}

func buildTranspose(c *nodeContext) (nn.Layer, error) {
	perm, err := c.intsAttribute("perm", 0)
	if err != nil {
		return nil, err
	}
	return nn.Transpose{NodeName: c.layerName(), Perm: perm}, nil
}

func buildGather(c *nodeContext) (nn.Layer, error) {
	axis, err := c.axisAttribute("axis", 0)
	if err != nil {
		return nil, err
	}
	return nn.Gather{NodeName: c.layerName(), Axis: axis}, nil
}

// readAxes returns the axes attribute, which only opsets before 13 have,
// or nil when it is absent.
func readAxes(c *nodeContext) ([]int, error) {
	if err := checkAttributeInputs(c, 13, "axes"); err != nil {
		return nil, err
	}
	if c.opset >= 13 {
		if _, ok := c.attributes["axes"]; ok {
			return nil, c.errorf("attribute \"axes\" became input 1 in opset 13, but the model uses opset %d", c.opset)
		}
		return nil, nil
	}
	axes, err := c.intsAttribute("axes", -maxAttributeValue)
	if err != nil {
		return nil, err
	}
	if axes == nil && c.attributes["axes"] != nil {
		axes = []int{}
	}
	return axes, nil
}

func buildSqueeze(c *nodeContext) (nn.Layer, error) {
	axes, err := readAxes(c)
	if err != nil {
		return nil, err
	}
	return nn.Squeeze{NodeName: c.layerName(), Axes: axes}, nil
}

// buildUnsqueeze requires the axes, as an attribute before opset 13 and as
// input 1 from it.
func buildUnsqueeze(c *nodeContext) (nn.Layer, error) {
	axes, err := readAxes(c)
	if err != nil {
		return nil, err
	}
	if c.opset < 13 && axes == nil {
		return nil, c.errorf("attribute \"axes\" is missing; Unsqueeze requires it before opset 13")
	}
	if inputs := c.node.GetInput(); c.opset >= 13 && (len(inputs) < 2 || inputs[1] == "") {
		return nil, c.errorf("input 1 (axes) is missing; Unsqueeze requires it from opset 13")
	}
	return nn.Unsqueeze{NodeName: c.layerName(), Axes: axes}, nil
}

// buildShape reads start and end, which opset 15 added.
func buildShape(c *nodeContext) (nn.Layer, error) {
	start, err := c.axisAttribute("start", 0)
	if err != nil {
		return nil, err
	}
	layer := nn.Shape{NodeName: c.layerName(), Start: start}
	if _, ok := c.attributes["end"]; ok {
		end, err := c.axisAttribute("end", 0)
		if err != nil {
			return nil, err
		}
		layer.End = &end
	}
	return layer, nil
}

// buildConstantOfShape reads the fill value, a tensor of one element that
// defaults to float32 0.
func buildConstantOfShape(c *nodeContext) (nn.Layer, error) {
	a, err := c.attribute("value", onnxpb.AttributeProto_TENSOR)
	if err != nil {
		return nil, err
	}
	layer := nn.ConstantOfShape{NodeName: c.layerName()}
	if a == nil {
		return layer, nil
	}
	value, err := tensorFromProto(a.GetT())
	if err != nil {
		return nil, c.errorf("attribute \"value\": %w", err)
	}
	if value.Len() != 1 {
		return nil, c.errorf("attribute \"value\" has shape %v, want one element", value.Shape)
	}
	layer.Value = value
	return layer, nil
}
