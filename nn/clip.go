package nn

import (
	"math"

	"github.com/simdnn/simdnn/kernels"
)

// Clip is the ONNX Clip operator: min(max(x, lower), upper) elementwise,
// with Go's min and max, so NaN in x stays NaN and a lower bound above
// the upper bound gives the upper bound everywhere, as numpy.clip does.
//
// Min and Max are the bounds of opsets 6 to 10, where they are
// attributes. From opset 11 they are the optional scalar inputs 1 and 2,
// which replace Min and Max when present. The importer sets an absent
// bound to -Inf or +Inf, which clips nothing. ONNX documents the lowest
// and highest float as defaults, which differ only for infinite x.
// ReLU6 is Clip with bounds 0 and 6.
type Clip struct {
	NodeName string
	Min, Max float32
}

// Name returns the node name.
func (c Clip) Name() string { return c.NodeName }

// OpType returns "Clip".
func (c Clip) OpType() string { return "Clip" }

// Forward returns the clipped input in a new tensor.
func (c Clip) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(c, inputs) }

// InferTypes returns the type of the float32 input after checking that
// the bounds, when present, are float32 tensors with one element.
func (c Clip) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	types, err := unaryTypes(c, inputs, 3)
	if err != nil {
		return nil, err
	}
	if err := c.checkBoundType(optionalType(inputs, 1), "min"); err != nil {
		return nil, err
	}
	if err := c.checkBoundType(optionalType(inputs, 2), "max"); err != nil {
		return nil, err
	}
	return types, nil
}

// checkBoundType returns an error unless b is absent or a float32 tensor
// with one element.
func (c Clip) checkBoundType(b *TensorType, name string) error {
	if b == nil {
		return nil
	}
	if n, err := NumElements(b.Shape); err != nil || n != 1 || b.DType != Float32 {
		return layerError(c, "input %s is a %v tensor of shape %v, want a float32 scalar", name, b.DType, b.Shape)
	}
	return nil
}

// InPlaceInputs returns [0]: the output may overwrite the input.
func (c Clip) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes the clipped input to outputs[0].
func (c Clip) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	x, y, err := unaryTensors(c, outputs, inputs, 3)
	if err != nil {
		return err
	}
	lower, err := c.bound(inputs, 1, "min", c.Min)
	if err != nil {
		return err
	}
	upper, err := c.bound(inputs, 2, "max", c.Max)
	if err != nil {
		return err
	}

	dst := y.Data[:len(x.Data)]
	if math.IsInf(float64(lower), -1) && math.IsInf(float64(upper), 1) {
		copy(dst, x.Data)
		return nil
	}
	// min(max(v, lower), upper) with Go's semantics, vectorised.
	kernels.Clamp(dst, x.Data, lower, upper)
	return nil
}

// bound returns the scalar input i, or def when it is absent.
func (c Clip) bound(inputs []*Tensor, i int, name string, def float32) (float32, error) {
	if optionalInput(inputs, i) == nil {
		return def, nil
	}
	b, err := floatInput(c, inputs, i, name, -1)
	if err != nil {
		return 0, err
	}
	if len(b.Data) != 1 {
		return 0, layerError(c, "input %s has shape %v, want a scalar", name, b.Shape)
	}
	return b.Data[0], nil
}
