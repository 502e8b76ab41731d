package nn

import "math"

// LeakyRelu is the ONNX LeakyRelu operator: x for x >= 0 and Alpha*x
// otherwise. NaN stays NaN.
type LeakyRelu struct {
	NodeName string
	Alpha    float32 // ONNX default 0.01, which the importer fills in
}

// Sigmoid is the ONNX Sigmoid operator: 1/(1+exp(-x)), computed in float64
// and rounded once.
type Sigmoid struct {
	NodeName string
}

// Tanh is the ONNX Tanh operator, computed in float64 and rounded once.
type Tanh struct {
	NodeName string
}

// Name returns the node name.
func (r LeakyRelu) Name() string { return r.NodeName }

// OpType returns "LeakyRelu".
func (r LeakyRelu) OpType() string { return "LeakyRelu" }

// Forward returns LeakyRelu(X) in a new tensor.
func (r LeakyRelu) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(r, inputs) }

// InferTypes returns the type of the float32 input.
func (r LeakyRelu) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return unaryTypes(r, inputs, 1)
}

// InPlaceInputs returns [0]: the output may overwrite the input.
func (r LeakyRelu) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes LeakyRelu(X) to outputs[0].
func (r LeakyRelu) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	x, y, err := unaryTensors(r, outputs, inputs, 1)
	if err != nil {
		return err
	}
	alpha := r.Alpha
	dst := y.Data[:len(x.Data)]
	for i, v := range x.Data {
		if v < 0 {
			v *= alpha
		}
		dst[i] = v
	}
	return nil
}

// Name returns the node name.
func (s Sigmoid) Name() string { return s.NodeName }

// OpType returns "Sigmoid".
func (s Sigmoid) OpType() string { return "Sigmoid" }

// Forward returns Sigmoid(X) in a new tensor.
func (s Sigmoid) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(s, inputs) }

// InferTypes returns the type of the float32 input.
func (s Sigmoid) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return unaryTypes(s, inputs, 1)
}

// InPlaceInputs returns [0]: the output may overwrite the input.
func (s Sigmoid) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes Sigmoid(X) to outputs[0]. Large negative inputs give
// 0 and large positive ones 1, and NaN stays NaN.
func (s Sigmoid) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	x, y, err := unaryTensors(s, outputs, inputs, 1)
	if err != nil {
		return err
	}
	dst := y.Data[:len(x.Data)]
	for i, v := range x.Data {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
	return nil
}

// Name returns the node name.
func (t Tanh) Name() string { return t.NodeName }

// OpType returns "Tanh".
func (t Tanh) OpType() string { return "Tanh" }

// Forward returns Tanh(X) in a new tensor.
func (t Tanh) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(t, inputs) }

// InferTypes returns the type of the float32 input.
func (t Tanh) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return unaryTypes(t, inputs, 1)
}

// InPlaceInputs returns [0]: the output may overwrite the input.
func (t Tanh) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes Tanh(X) to outputs[0].
func (t Tanh) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	x, y, err := unaryTensors(t, outputs, inputs, 1)
	if err != nil {
		return err
	}
	dst := y.Data[:len(x.Data)]
	for i, v := range x.Data {
		dst[i] = float32(math.Tanh(float64(v)))
	}
	return nil
}
