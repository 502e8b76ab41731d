package nn

// InferTypes returns the 2-D shape of the flattened input.
func (f Flatten) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(f, inputs, 1, 1); err != nil {
		return nil, err
	}
	shape := inputs[0].Shape
	rank := len(shape)
	axis := f.Axis
	if axis < -rank || axis > rank {
		return nil, layerError(f, "axis %d out of range [%d, %d] for input of shape %v", f.Axis, -rank, rank, shape)
	}
	if axis < 0 {
		axis += rank
	}
	outer, err := NumElements(shape[:axis])
	if err != nil {
		return nil, layerError(f, "input: %v", err)
	}
	inner, err := NumElements(shape[axis:])
	if err != nil {
		return nil, layerError(f, "input: %v", err)
	}
	return []TensorType{{DType: inputs[0].DType, Shape: []int{outer, inner}}}, nil
}

// ViewInput returns 0: the output holds the input's elements.
func (f Flatten) ViewInput() int { return 0 }

// ForwardInto copies the input to outputs[0].
func (f Flatten) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	return copyInto(f, outputs, inputs, 1)
}

// InferTypes returns the requested shape, which must be known.
func (r Reshape) InferTypes(inputs []*TensorType, values []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(r, inputs, 2, 2); err != nil {
		return nil, err
	}
	s := inputs[1]
	if s.DType != Int64 || len(s.Shape) != 1 {
		return nil, layerError(r, "input shape is a %v tensor of shape %v, want a 1-D int64 tensor", s.DType, s.Shape)
	}
	requested := optionalValue(values, 1)
	if requested == nil {
		return nil, valueNeeded(r, "shape")
	}
	shape, err := r.resolveShape(inputs[0].Shape, requested.Int64)
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: inputs[0].DType, Shape: shape}}, nil
}

// ViewInput returns 0: the output holds the data input's elements.
func (r Reshape) ViewInput() int { return 0 }

// ForwardInto copies the data input to outputs[0].
func (r Reshape) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	return copyInto(r, outputs, inputs, 2)
}

// InferTypes returns the input type.
func (id Identity) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(id, inputs, 1, 1); err != nil {
		return nil, err
	}
	return []TensorType{*inputs[0]}, nil
}

// ViewInput returns 0: the output holds the input's elements.
func (id Identity) ViewInput() int { return 0 }

// ForwardInto copies the input to outputs[0].
func (id Identity) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	return copyInto(id, outputs, inputs, 1)
}

// InferTypes returns the type of the matrix product.
func (mm MatMul) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(mm, inputs, 2, 2); err != nil {
		return nil, err
	}

	a, b := inputs[0], inputs[1]
	if a.DType != Float32 || b.DType != Float32 || len(a.Shape) == 0 || len(b.Shape) == 0 {
		return nil, layerError(mm, "inputs A (%v %v) and B (%v %v), want float32 tensors of rank at least 1", a.DType, a.Shape, b.DType, b.Shape)
	}
	aMatrix, bMatrix := a.Shape, b.Shape
	if len(aMatrix) == 1 {
		aMatrix = []int{1, aMatrix[0]}
	}
	if len(bMatrix) == 1 {
		bMatrix = []int{bMatrix[0], 1}
	}

	m, k := aMatrix[len(aMatrix)-2], aMatrix[len(aMatrix)-1]
	kb, n := bMatrix[len(bMatrix)-2], bMatrix[len(bMatrix)-1]
	if k != kb {
		return nil, layerError(mm, "inputs A %v and B %v have inner dimensions %d and %d, want equal", a.Shape, b.Shape, k, kb)
	}
	batch, ok := broadcastShapes(aMatrix[:len(aMatrix)-2], bMatrix[:len(bMatrix)-2])
	if !ok {
		return nil, layerError(mm, "inputs A %v and B %v have batch dimensions that do not broadcast", a.Shape, b.Shape)
	}

	out := batch
	if len(a.Shape) > 1 {
		out = append(out, m)
	}
	if len(b.Shape) > 1 {
		out = append(out, n)
	}
	if _, err := NumElements(out); err != nil {
		return nil, layerError(mm, "output: %v", err)
	}
	return []TensorType{{DType: Float32, Shape: out}}, nil
}
