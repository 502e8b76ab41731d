package nn

import "github.com/simdnn/simdnn/kernels"

// Relu is the ONNX Relu operator: max(x, 0) elementwise, NaN propagating.
type Relu struct {
	NodeName string
}

// Name returns the node name.
func (r Relu) Name() string { return r.NodeName }

// OpType returns "Relu".
func (r Relu) OpType() string { return "Relu" }

// Forward returns max(X, 0) in a new tensor of the same shape. NaN stays
// NaN and -0 becomes +0, as with Go's built-in max.
func (r Relu) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(r, inputs, 1, 1); err != nil {
		return nil, err
	}
	x, err := floatInput(r, inputs, 0, "X", -1)
	if err != nil {
		return nil, err
	}

	y, err := newOutput(r, x.Shape...)
	if err != nil {
		return nil, err
	}
	kernels.ReLU(y.Data, x.Data)
	return []*Tensor{y}, nil
}
