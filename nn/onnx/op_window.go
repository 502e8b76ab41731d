package onnx

import (
	"slices"

	"github.com/simdnn/simdnn/nn"
)

var (
	convAttributes    = []string{"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}
	maxPoolAttributes = []string{"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}

	averagePoolAttributes = []string{"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"}
)

// window is the set of sliding-window attributes that Conv and MaxPool share.
// A nil slice is an absent attribute, which the layer fills with the ONNX
// default.
type window struct {
	kernelShape []int
	strides     []int
	pads        []int
	dilations   []int
	autoPad     string
}

// readWindow reads and checks the window attributes. The lists must agree
// on the number of spatial axes, with pads holding a begin and an end per
// axis. The layer checks them against the input rank.
func readWindow(c *nodeContext) (window, error) {
	var w window
	var err error
	if w.kernelShape, err = c.intsAttribute("kernel_shape", 1); err != nil {
		return w, err
	}
	if w.strides, err = c.intsAttribute("strides", 1); err != nil {
		return w, err
	}
	if w.pads, err = c.intsAttribute("pads", 0); err != nil {
		return w, err
	}
	if w.dilations, err = c.intsAttribute("dilations", 1); err != nil {
		return w, err
	}
	if w.autoPad, err = c.stringAttribute("auto_pad", ""); err != nil {
		return w, err
	}

	switch w.autoPad {
	case "", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return w, c.errorf("attribute \"auto_pad\" is %q, want NOTSET, SAME_UPPER, SAME_LOWER or VALID", w.autoPad)
	}
	if w.autoPad != "" && w.autoPad != "NOTSET" && slices.ContainsFunc(w.pads, func(p int) bool { return p != 0 }) {
		return w, c.errorf("attribute \"pads\" %v conflicts with auto_pad %s, which computes the padding; remove one of them", w.pads, w.autoPad)
	}

	if err := checkSpatialAxes(c, w); err != nil {
		return w, err
	}
	return w, nil
}

// checkSpatialAxes checks that the window attributes that are present
// agree on the number of spatial axes.
func checkSpatialAxes(c *nodeContext, w window) error {
	if len(w.pads)%2 != 0 {
		return c.errorf("attribute \"pads\" %v has %d values, want a begin and an end value for each spatial axis", w.pads, len(w.pads))
	}
	lists := []struct {
		name  string
		value []int
		axes  int
	}{
		{"kernel_shape", w.kernelShape, len(w.kernelShape)},
		{"strides", w.strides, len(w.strides)},
		{"pads", w.pads, len(w.pads) / 2},
		{"dilations", w.dilations, len(w.dilations)},
	}

	first := -1
	for i, l := range lists {
		if l.value == nil {
			continue
		}
		if l.axes == 0 {
			return c.errorf("attribute %q is empty, want values for at least one spatial axis", l.name)
		}
		if first < 0 {
			first = i
			continue
		}
		if l.axes != lists[first].axes {
			return c.errorf("attribute %q %v covers %d spatial axes but %q %v covers %d", l.name, l.value, l.axes, lists[first].name, lists[first].value, lists[first].axes)
		}
	}
	return nil
}

func buildConv(c *nodeContext) (nn.Layer, error) {
	w, err := readWindow(c)
	if err != nil {
		return nil, err
	}
	group, err := c.intAttribute("group", 1, 1, maxAttributeValue)
	if err != nil {
		return nil, err
	}
	return nn.Conv{
		NodeName:    c.layerName(),
		KernelShape: w.kernelShape,
		Strides:     w.strides,
		Pads:        w.pads,
		Dilations:   w.dilations,
		Group:       group,
		AutoPad:     w.autoPad,
	}, nil
}

func buildMaxPool(c *nodeContext) (nn.Layer, error) {
	w, err := readWindow(c)
	if err != nil {
		return nil, err
	}
	if w.kernelShape == nil {
		return nil, c.errorf("attribute \"kernel_shape\" is missing; MaxPool requires it")
	}
	ceilMode, err := c.boolAttribute("ceil_mode")
	if err != nil {
		return nil, err
	}
	storageOrder, err := c.intAttribute("storage_order", 0, 0, 1)
	if err != nil {
		return nil, err
	}
	outputs := c.node.GetOutput()
	return nn.MaxPool{
		NodeName:      c.layerName(),
		KernelShape:   w.kernelShape,
		Strides:       w.strides,
		Pads:          w.pads,
		Dilations:     w.dilations,
		CeilMode:      ceilMode,
		AutoPad:       w.autoPad,
		StorageOrder:  storageOrder,
		OutputIndices: len(outputs) > 1 && outputs[1] != "",
	}, nil
}

func buildAveragePool(c *nodeContext) (nn.Layer, error) {
	w, err := readWindow(c)
	if err != nil {
		return nil, err
	}
	if w.kernelShape == nil {
		return nil, c.errorf("attribute \"kernel_shape\" is missing; AveragePool requires it")
	}
	ceilMode, err := c.boolAttribute("ceil_mode")
	if err != nil {
		return nil, err
	}
	countIncludePad, err := c.boolAttribute("count_include_pad")
	if err != nil {
		return nil, err
	}
	return nn.AveragePool{
		NodeName:        c.layerName(),
		KernelShape:     w.kernelShape,
		Strides:         w.strides,
		Pads:            w.pads,
		Dilations:       w.dilations,
		CeilMode:        ceilMode,
		AutoPad:         w.autoPad,
		CountIncludePad: countIncludePad,
	}, nil
}

func buildGlobalAveragePool(c *nodeContext) (nn.Layer, error) {
	return nn.GlobalAveragePool{NodeName: c.layerName()}, nil
}

func buildGlobalMaxPool(c *nodeContext) (nn.Layer, error) {
	return nn.GlobalMaxPool{NodeName: c.layerName()}, nil
}
