package nn

import "slices"

// Concat is the ONNX Concat operator: the inputs joined along Axis. They
// must have one element type, float32 or int64, and equal dimensions
// except along Axis. A negative Axis counts from the end.
type Concat struct {
	NodeName string
	Axis     int // required in ONNX, so the importer checks that it is set
}

// Name returns the node name.
func (c Concat) Name() string { return c.NodeName }

// OpType returns "Concat".
func (c Concat) OpType() string { return "Concat" }

// Forward returns the concatenation in a new tensor.
func (c Concat) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(c, inputs) }

// InferTypes checks the input types and returns the joined shape.
func (c Concat) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if len(inputs) == 0 {
		return nil, layerError(c, "got no inputs, want at least 1")
	}
	for i, t := range inputs {
		if t == nil {
			return nil, layerError(c, "input %d is missing", i)
		}
	}
	var buf shapeBuffer
	out, err := c.outputShape(&buf, len(inputs), func(i int) (DType, []int) { return inputs[i].DType, inputs[i].Shape })
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: inputs[0].DType, Shape: slices.Clone(out)}}, nil
}

// outputShape checks the count inputs, whose types input returns, and
// writes the joined shape into buf.
func (c Concat) outputShape(buf *shapeBuffer, count int, input func(i int) (DType, []int)) ([]int, error) {
	dtype, first := input(0)
	if dtype != Float32 && dtype != Int64 {
		return nil, layerError(c, "input 0 has element type %v, want float32 or int64", dtype)
	}
	rank := len(first)
	axis, err := c.resolveAxis(rank, first)
	if err != nil {
		return nil, err
	}

	out := append(buf[:0], first...)
	for i := 1; i < count; i++ {
		d, shape := input(i)
		if d != dtype {
			return nil, layerError(c, "input %d has element type %v but input 0 has %v, want one type", i, d, dtype)
		}
		if len(shape) != rank {
			return nil, layerError(c, "input %d has shape %v and input 0 %v, want equal ranks", i, shape, first)
		}
		for j, dim := range shape {
			if j != axis && dim != first[j] {
				return nil, layerError(c, "input %d has shape %v and input 0 %v, want equal dimensions except along axis %d", i, shape, first, axis)
			}
		}
		if shape[axis] > maxElements-out[axis] {
			return nil, layerError(c, "concatenated dimension %d overflows", axis)
		}
		out[axis] += shape[axis]
	}
	if _, ok := checkedCount(out); !ok {
		_, err := NumElements(slices.Clone(out))
		return nil, layerError(c, "output: %v", err)
	}
	return out, nil
}

// resolveAxis returns Axis in [0, rank) for an input of rank at least 1.
func (c Concat) resolveAxis(rank int, shape []int) (int, error) {
	if rank == 0 {
		return 0, layerError(c, "input 0 is a scalar, want rank at least 1")
	}
	if c.Axis < -rank || c.Axis >= rank {
		return 0, layerError(c, "axis %d out of range [%d, %d] for input of shape %v", c.Axis, -rank, rank-1, slices.Clone(shape))
	}
	if c.Axis < 0 {
		return c.Axis + rank, nil
	}
	return c.Axis, nil
}

// ForwardInto writes the concatenation to outputs[0].
func (c Concat) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	if len(inputs) == 0 {
		return layerError(c, "got no inputs, want at least 1")
	}
	for i, t := range inputs {
		if err := checkTensor(c, t, ""); err != nil {
			return layerError(c, "input %d: %v", i, err)
		}
	}
	var buf shapeBuffer
	out, err := c.outputShape(&buf, len(inputs), func(i int) (DType, []int) { return inputs[i].DType, inputs[i].Shape })
	if err != nil {
		return err
	}
	if err := checkOutput(c, outputs, 0, inputs[0].DType, out); err != nil {
		return err
	}

	axis, _ := c.resolveAxis(len(out), out)
	outer := 1
	for _, d := range out[:axis] {
		outer *= d
	}
	y := outputs[0]
	if y.DType == Int64 {
		concatBlocks(y.Int64, inputs, outer, func(t *Tensor) []int64 { return t.Int64 })
	} else {
		concatBlocks(y.Data, inputs, outer, func(t *Tensor) []float32 { return t.Data })
	}
	return nil
}

// concatBlocks copies, for each of the outer positions, one block of each
// input after the other into dst.
func concatBlocks[T number](dst []T, inputs []*Tensor, outer int, elements func(*Tensor) []T) {
	if outer == 0 {
		return
	}
	offset := 0
	for o := range outer {
		for _, t := range inputs {
			src := elements(t)
			block := len(src) / outer
			offset += copy(dst[offset:], src[o*block:(o+1)*block])
		}
	}
}
