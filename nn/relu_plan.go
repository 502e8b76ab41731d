package nn

import "github.com/simdnn/simdnn/kernels"

// InferTypes returns the type of the float32 input.
func (r Relu) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return unaryTypes(r, inputs, 1)
}

// InPlaceInputs returns [0]: the output may overwrite the input.
func (r Relu) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes max(X, 0) to outputs[0].
func (r Relu) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	x, y, err := unaryTensors(r, outputs, inputs, 1)
	if err != nil {
		return err
	}
	kernels.ReLU(y.Data, x.Data)
	return nil
}
