package nn

// Shape is the ONNX Shape operator: a 1-D int64 tensor of the input's
// dimensions Start to End (exclusive). As in ONNX opset 15, negative
// values count from the end and both are clamped to [0, rank]. A nil End
// means the rank.
type Shape struct {
	NodeName string
	Start    int
	End      *int
}

// ConstantOfShape is the ONNX ConstantOfShape operator: a tensor of the
// shape that the 1-D int64 input gives, filled with the one element of
// Value, whose element type it takes. A nil Value fills float32 zeros.
type ConstantOfShape struct {
	NodeName string
	Value    *Tensor
}

// Name returns the node name.
func (s Shape) Name() string { return s.NodeName }

// OpType returns "Shape".
func (s Shape) OpType() string { return "Shape" }

// Forward returns the input's dimensions.
func (s Shape) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(s, inputs) }

// InferTypes returns the type of the dimension list.
func (s Shape) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(s, inputs, 1, 1); err != nil {
		return nil, err
	}
	start, end := s.bounds(len(inputs[0].Shape))
	return []TensorType{{DType: Int64, Shape: []int{end - start}}}, nil
}

// ForwardTypes returns the dimension list, which depends only on the
// input's shape.
func (s Shape) ForwardTypes(inputs []*TensorType) ([]*Tensor, error) {
	if err := checkTypeCount(s, inputs, 1, 1); err != nil {
		return nil, err
	}
	start, end := s.bounds(len(inputs[0].Shape))
	dims := make([]int64, end-start)
	for i, d := range inputs[0].Shape[start:end] {
		dims[i] = int64(d)
	}
	t, err := FromInt64(dims, len(dims))
	if err != nil {
		return nil, layerError(s, "output: %v", err)
	}
	return []*Tensor{t}, nil
}

// bounds returns Start and End clamped to [0, rank], with end >= start.
func (s Shape) bounds(rank int) (start, end int) {
	clamp := func(v int) int {
		if v < 0 {
			v += rank
		}
		return min(max(v, 0), rank)
	}
	start, end = clamp(s.Start), rank
	if s.End != nil {
		end = clamp(*s.End)
	}
	return start, max(end, start)
}

// ForwardInto writes the input's dimensions to outputs[0].
func (s Shape) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	if err := checkInputCount(s, inputs, 1, 1); err != nil {
		return err
	}
	if err := checkTensor(s, inputs[0], ""); err != nil {
		return err
	}
	shape := inputs[0].Shape
	start, end := s.bounds(len(shape))
	var buf shapeBuffer
	if err := checkOutput(s, outputs, 0, Int64, append(buf[:0], end-start)); err != nil {
		return err
	}
	for i, d := range shape[start:end] {
		outputs[0].Int64[i] = int64(d)
	}
	return nil
}

// Name returns the node name.
func (c ConstantOfShape) Name() string { return c.NodeName }

// OpType returns "ConstantOfShape".
func (c ConstantOfShape) OpType() string { return "ConstantOfShape" }

// Forward returns the filled tensor.
func (c ConstantOfShape) Forward(inputs []*Tensor) ([]*Tensor, error) {
	return forwardPlanned(c, inputs)
}

// InferTypes returns the requested shape, which must be known.
func (c ConstantOfShape) InferTypes(inputs []*TensorType, values []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(c, inputs, 1, 1); err != nil {
		return nil, err
	}
	dtype, err := c.dtype()
	if err != nil {
		return nil, err
	}
	t := inputs[0]
	if t.DType != Int64 || len(t.Shape) != 1 {
		return nil, layerError(c, "input is a %v tensor of shape %v, want a 1-D int64 tensor", t.DType, t.Shape)
	}
	v := optionalValue(values, 0)
	if v == nil {
		return nil, valueNeeded(c, "input")
	}
	shape, err := c.outputShape(v.Int64)
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: dtype, Shape: shape}}, nil
}

// dtype returns the element type of Value after checking it.
func (c ConstantOfShape) dtype() (DType, error) {
	if c.Value == nil {
		return Float32, nil
	}
	if err := c.Value.Validate(); err != nil {
		return 0, layerError(c, "value: %v", err)
	}
	if c.Value.Len() != 1 {
		return 0, layerError(c, "value has shape %v, want one element", c.Value.Shape)
	}
	return c.Value.DType, nil
}

// outputShape converts the requested dimensions, rejecting negative ones
// and shapes with too many elements.
func (c ConstantOfShape) outputShape(dims []int64) ([]int, error) {
	shape := make([]int, len(dims))
	for i, d := range dims {
		if d < 0 || d > maxElements {
			return nil, layerError(c, "input %v has dimension %d at index %d, want a size between 0 and %d", dims, d, i, maxElements)
		}
		shape[i] = int(d)
	}
	if _, err := NumElements(shape); err != nil {
		return nil, layerError(c, "input %v: %v", dims, err)
	}
	return shape, nil
}

// ForwardInto fills outputs[0].
func (c ConstantOfShape) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	if err := checkInputCount(c, inputs, 1, 1); err != nil {
		return err
	}
	if err := checkTensor(c, inputs[0], ""); err != nil {
		return err
	}
	dtype, err := c.dtype()
	if err != nil {
		return err
	}
	dims := inputs[0]
	if dims.DType != Int64 || len(dims.Shape) != 1 {
		return layerError(c, "input is a %v tensor of shape %v, want a 1-D int64 tensor", dims.DType, dims.Shape)
	}
	if len(outputs) == 0 || outputs[0] == nil || !equalDims(outputs[0].Shape, dims.Int64) {
		return checkOutputDims(c, outputs, dtype, dims.Int64)
	}
	y := outputs[0]
	if err := checkOutput(c, outputs, 0, dtype, y.Shape); err != nil {
		return err
	}

	switch {
	case c.Value == nil:
		clear(y.Data)
	case dtype == Int64:
		fill(y.Int64, c.Value.Int64[0])
	default:
		fill(y.Data, c.Value.Data[0])
	}
	return nil
}

// fill sets every element of dst to v. It copies the filled prefix onto
// the rest, doubling it each time, because copy moves memory far faster
// than a loop of stores.
func fill[T number](dst []T, v T) {
	if len(dst) == 0 {
		return
	}
	dst[0] = v
	for n := 1; n < len(dst); n *= 2 {
		copy(dst[n:], dst[:n])
	}
}

// equalDims reports whether shape equals dims.
func equalDims(shape []int, dims []int64) bool {
	if len(shape) != len(dims) {
		return false
	}
	for i, d := range dims {
		if int64(shape[i]) != d {
			return false
		}
	}
	return true
}

// checkOutputDims returns the error for an output that does not have the
// requested dimensions.
func checkOutputDims(c ConstantOfShape, outputs []*Tensor, dtype DType, dims []int64) error {
	shape, err := c.outputShape(dims)
	if err != nil {
		return err
	}
	if err := checkOutput(c, outputs, 0, dtype, shape); err != nil {
		return err
	}
	return layerError(c, "output does not have shape %v", dims)
}
