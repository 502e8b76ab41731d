package nn

import "github.com/simdnn/simdnn/kernels"

// Relu is the ONNX Relu operator: x < 0 ? 0 : x elementwise, as PyTorch
// computes it, so NaN and -0 pass through unchanged.
type Relu struct {
	NodeName string
}

// Name returns the node name.
func (r Relu) Name() string { return r.NodeName }

// OpType returns "Relu".
func (r Relu) OpType() string { return "Relu" }

// Forward returns ReLU(X) in a new tensor of the same shape.
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
