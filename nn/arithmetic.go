package nn

import (
	"slices"

	"github.com/simdnn/simdnn/kernels"
)

// Add is the ONNX Add operator: A + B elementwise with numpy broadcasting,
// on float32 or int64 tensors.
type Add struct {
	NodeName string

	// FuseReLU applies ReLU to the sum, as a Relu node after the Add
	// would, while each range of it is still in cache. Graph optimisation
	// sets it, as for ResNet's residual additions. ONNX has no such
	// attribute.
	FuseReLU bool
}

// Mul is the ONNX Mul operator: A * B elementwise with numpy broadcasting,
// on float32 or int64 tensors.
type Mul struct {
	NodeName string
}

// Sum is the ONNX Sum operator: the elementwise sum of one or more inputs
// with numpy broadcasting, added from the first input to the last.
type Sum struct {
	NodeName string
}

// Name returns the node name.
func (a Add) Name() string { return a.NodeName }

// OpType returns "Add".
func (a Add) OpType() string { return "Add" }

// Forward returns A + B in a new tensor.
func (a Add) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(a, inputs) }

// InferTypes returns the broadcast shape of A and B.
func (a Add) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return naryTypes(a, inputs, 2)
}

// InPlaceInputs returns [0 1]: the output may overwrite an input of its
// shape.
func (a Add) InPlaceInputs() []int { return []int{0, 1} }

// ForwardInto writes A + B to outputs[0], then ReLU when FuseReLU is set.
func (a Add) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	return naryInto(a, opAdd, outputs, inputs, 2, a.FuseReLU)
}

// Name returns the node name.
func (m Mul) Name() string { return m.NodeName }

// OpType returns "Mul".
func (m Mul) OpType() string { return "Mul" }

// Forward returns A * B in a new tensor.
func (m Mul) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(m, inputs) }

// InferTypes returns the broadcast shape of A and B.
func (m Mul) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return naryTypes(m, inputs, 2)
}

// InPlaceInputs returns [0 1]: the output may overwrite an input of its
// shape.
func (m Mul) InPlaceInputs() []int { return []int{0, 1} }

// ForwardInto writes A * B to outputs[0].
func (m Mul) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	return naryInto(m, opMul, outputs, inputs, 2, false)
}

// Name returns the node name.
func (s Sum) Name() string { return s.NodeName }

// OpType returns "Sum".
func (s Sum) OpType() string { return "Sum" }

// Forward returns the sum of the inputs in a new tensor.
func (s Sum) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(s, inputs) }

// InferTypes returns the broadcast shape of the inputs.
func (s Sum) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return naryTypes(s, inputs, 0)
}

// InPlaceInputs returns [0]: the output may overwrite the first input
// when it has the output's shape. A later input cannot be overwritten,
// because the sum is accumulated in the output from the first input on.
func (s Sum) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes the sum of the inputs to outputs[0].
func (s Sum) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	return naryInto(s, opAdd, outputs, inputs, 0, false)
}

// naryTypes checks that the inputs have one element type, float32 or
// int64, and shapes that broadcast together, and returns the output type.
// count is the required number of inputs, or 0 for one or more.
func naryTypes(l Layer, inputs []*TensorType, count int) ([]TensorType, error) {
	if err := checkNaryCount(l, len(inputs), count); err != nil {
		return nil, err
	}
	shapes := make([][]int, len(inputs))
	for i, t := range inputs {
		if t == nil {
			return nil, layerError(l, "input %d is missing", i)
		}
		if t.DType != Float32 && t.DType != Int64 {
			return nil, layerError(l, "input %d has element type %v, want float32 or int64", i, t.DType)
		}
		if t.DType != inputs[0].DType {
			return nil, layerError(l, "input %d has element type %v but input 0 has %v, want one type", i, t.DType, inputs[0].DType)
		}
		shapes[i] = t.Shape
	}
	var buf shapeBuffer
	out, ok := broadcastShapeInto(&buf, shapes...)
	if !ok {
		return nil, layerError(l, "input shapes %v do not broadcast together", shapes)
	}
	return []TensorType{{DType: inputs[0].DType, Shape: slices.Clone(out)}}, nil
}

// checkNaryCount returns an error unless there are count inputs, or at
// least one when count is 0.
func checkNaryCount[L Layer](l L, got, count int) error {
	switch {
	case count == 0 && got == 0:
		return layerError(l, "got no inputs, want at least 1")
	case count > 0 && got != count:
		return layerError(l, "got %d inputs, want %d", got, count)
	}
	return nil
}

// naryInto computes the broadcast op of the inputs, from the first to the
// last, into outputs[0], then ReLU when relu is set.
func naryInto[L Layer](l L, op binaryOp, outputs, inputs []*Tensor, count int, relu bool) error {
	if err := checkNaryCount(l, len(inputs), count); err != nil {
		return err
	}
	// The broadcast shape so far alternates between two buffers, because
	// broadcastShapeInto must not write the shape it reads.
	var bufs [2]shapeBuffer
	out := bufs[0][:0]
	for i, t := range inputs {
		if err := checkTensor(l, t, ""); err != nil {
			return layerError(l, "input %d: %v", i, err)
		}
		if t.DType != inputs[0].DType || (t.DType != Float32 && t.DType != Int64) {
			return layerError(l, "input %d has element type %v and input 0 %v, want both float32 or both int64", i, t.DType, inputs[0].DType)
		}
		var ok bool
		if out, ok = broadcastShapeInto(&bufs[(i+1)%2], out, t.Shape); !ok {
			return layerError(l, "input %d of shape %v does not broadcast to %v", i, t.Shape, slices.Clone(out))
		}
	}
	if err := checkOutput(l, outputs, 0, inputs[0].DType, out); err != nil {
		return err
	}

	y := outputs[0]
	switch {
	case inputs[0].DType == Int64:
		naryApply(op, y.Int64, y.Shape, inputs, func(t *Tensor) []int64 { return t.Int64 })
	case len(inputs) == 2 && slices.Equal(inputs[0].Shape, out) && slices.Equal(inputs[1].Shape, out):
		sameShapeApply(op, y.Data, inputs[0].Data, inputs[1].Data, relu)
		return nil
	default:
		naryApply(op, y.Data, y.Shape, inputs, func(t *Tensor) []float32 { return t.Data })
	}
	if relu {
		kernels.ReLU(y.Data, y.Data)
	}
	return nil
}

// naryApply folds op over the inputs into dst, which has shape out.
func naryApply[T number](op binaryOp, dst []T, out []int, inputs []*Tensor, elements func(*Tensor) []T) {
	first := inputs[0]
	if len(inputs) == 1 {
		copy(dst, elements(first))
		return
	}
	broadcastApply(op, dst, out, elements(first), first.Shape, elements(inputs[1]), inputs[1].Shape)
	for _, t := range inputs[2:] {
		broadcastApply(op, dst, out, dst, out, elements(t), t.Shape)
	}
}
