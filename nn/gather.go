package nn

import "slices"

// Gather is the ONNX Gather operator: it takes the entries of the data
// input along Axis at the int64 indices. The output shape is
// data.shape[:axis] + indices.shape + data.shape[axis+1:]. Negative
// indices count from the end of the axis, and an index outside
// [-size, size-1] is an error. A negative Axis counts from the end.
type Gather struct {
	NodeName string
	Axis     int
}

// Name returns the node name.
func (g Gather) Name() string { return g.NodeName }

// OpType returns "Gather".
func (g Gather) OpType() string { return "Gather" }

// Forward returns the gathered entries in a new tensor.
func (g Gather) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(g, inputs) }

// InferTypes checks the types and returns the output type.
func (g Gather) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(g, inputs, 2, 2); err != nil {
		return nil, err
	}
	var buf shapeBuffer
	out, _, err := g.outputShape(&buf, *inputs[0], *inputs[1])
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: inputs[0].DType, Shape: slices.Clone(out)}}, nil
}

// outputShape checks the input types and writes the output shape into
// buf. It also returns the axis in [0, rank).
func (g Gather) outputShape(buf *shapeBuffer, data, indices TensorType) ([]int, int, error) {
	if data.DType != Float32 && data.DType != Int64 {
		return nil, 0, layerError(g, "input data has element type %v, want float32 or int64", data.DType)
	}
	if indices.DType != Int64 {
		return nil, 0, layerError(g, "input indices has element type %v, want int64", indices.DType)
	}
	rank := len(data.Shape)
	if g.Axis < -rank || g.Axis >= rank {
		return nil, 0, layerError(g, "axis %d out of range [%d, %d] for data of shape %v", g.Axis, -rank, rank-1, data.Shape)
	}
	axis := g.Axis
	if axis < 0 {
		axis += rank
	}

	out := append(buf[:0], data.Shape[:axis]...)
	out = append(out, indices.Shape...)
	out = append(out, data.Shape[axis+1:]...)
	if _, ok := checkedCount(out); !ok {
		_, err := NumElements(slices.Clone(out))
		return nil, 0, layerError(g, "output: %v", err)
	}
	return out, axis, nil
}

// ForwardInto writes the gathered entries to outputs[0].
func (g Gather) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	if err := checkInputCount(g, inputs, 2, 2); err != nil {
		return err
	}
	data, indices := inputs[0], inputs[1]
	if err := checkTensor(g, data, "data"); err != nil {
		return err
	}
	if err := checkTensor(g, indices, "indices"); err != nil {
		return err
	}
	var buf shapeBuffer
	out, axis, err := g.outputShape(&buf, TypeOf(data), TypeOf(indices))
	if err != nil {
		return err
	}
	if err := checkOutput(g, outputs, 0, data.DType, out); err != nil {
		return err
	}

	size := data.Shape[axis]
	for i, index := range indices.Int64 {
		if index < -int64(size) || index >= int64(size) {
			return layerError(g, "index %d at position %d of indices is out of range [%d, %d] for axis %d of data shape %v",
				index, i, -size, size-1, axis, data.Shape)
		}
	}
	outer := 1
	for _, d := range data.Shape[:axis] {
		outer *= d
	}
	inner := 1
	for _, d := range data.Shape[axis+1:] {
		inner *= d
	}
	y := outputs[0]
	if data.DType == Int64 {
		gatherBlocks(y.Int64, data.Int64, indices.Int64, outer, size, inner)
	} else {
		gatherBlocks(y.Data, data.Data, indices.Int64, outer, size, inner)
	}
	return nil
}

// gatherBlocks copies, for each of the outer positions and each index, the
// block of inner elements at that index of an axis of the given size.
// The indices lie in [-size, size-1].
func gatherBlocks[T number](dst, src []T, indices []int64, outer, size, inner int) {
	offset := 0
	for o := range outer {
		for _, index := range indices {
			i := int(index)
			if i < 0 {
				i += size
			}
			start := (o*size + i) * inner
			offset += copy(dst[offset:], src[start:start+inner])
		}
	}
}
