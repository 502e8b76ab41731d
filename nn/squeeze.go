package nn

import "math"

// Squeeze is the ONNX Squeeze operator: it removes dimensions of size 1.
// Axes lists them in opsets 1 to 12, where axes is an attribute. When Axes
// is nil they come from the optional int64 input 1 (opset 13 on), and
// without that input every dimension of size 1 is removed. Negative axes
// count from the end.
type Squeeze struct {
	NodeName string
	Axes     []int
}

// Unsqueeze is the ONNX Unsqueeze operator: it inserts dimensions of size
// 1 at Axes, which index the output. When Axes is nil they come from the
// int64 input 1 (opset 13 on). Negative axes count from the end of the
// output.
type Unsqueeze struct {
	NodeName string
	Axes     []int
}

// Name returns the node name.
func (s Squeeze) Name() string { return s.NodeName }

// OpType returns "Squeeze".
func (s Squeeze) OpType() string { return "Squeeze" }

// Forward returns a copy of the input without the squeezed dimensions.
func (s Squeeze) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(s, inputs) }

// ViewInput returns 0: the output holds the input's elements.
func (s Squeeze) ViewInput() int { return 0 }

// InferTypes returns the input type without the squeezed dimensions.
func (s Squeeze) InferTypes(inputs []*TensorType, values []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(s, inputs, 1, 2); err != nil {
		return nil, err
	}
	axes, err := axesValue(s, s.Axes, inputs, values)
	if err != nil {
		return nil, err
	}
	shape, err := s.outputShape(inputs[0].Shape, axes)
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: inputs[0].DType, Shape: shape}}, nil
}

// outputShape returns in without the dimensions listed in axes, or
// without every dimension of size 1 when axes is nil.
func (s Squeeze) outputShape(in []int, axes []int) ([]int, error) {
	rank := len(in)
	squeezed := make([]bool, rank)
	if axes == nil {
		for i, d := range in {
			squeezed[i] = d == 1
		}
	}
	for _, a := range axes {
		if a < -rank || a >= rank {
			return nil, layerError(s, "axes %v: axis %d out of range [%d, %d] for input of shape %v", axes, a, -rank, rank-1, in)
		}
		if a < 0 {
			a += rank
		}
		if squeezed[a] {
			return nil, layerError(s, "axes %v names dimension %d twice", axes, a)
		}
		if in[a] != 1 {
			return nil, layerError(s, "axes %v: dimension %d of input shape %v is %d, want 1", axes, a, in, in[a])
		}
		squeezed[a] = true
	}
	out := []int{}
	for i, d := range in {
		if !squeezed[i] {
			out = append(out, d)
		}
	}
	return out, nil
}

// ForwardInto copies the input to outputs[0].
func (s Squeeze) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	return copyInto(s, outputs, inputs, 2)
}

// Name returns the node name.
func (u Unsqueeze) Name() string { return u.NodeName }

// OpType returns "Unsqueeze".
func (u Unsqueeze) OpType() string { return "Unsqueeze" }

// Forward returns a copy of the input with the inserted dimensions.
func (u Unsqueeze) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(u, inputs) }

// ViewInput returns 0: the output holds the input's elements.
func (u Unsqueeze) ViewInput() int { return 0 }

// InferTypes returns the input type with the inserted dimensions.
func (u Unsqueeze) InferTypes(inputs []*TensorType, values []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(u, inputs, 1, 2); err != nil {
		return nil, err
	}
	axes, err := axesValue(u, u.Axes, inputs, values)
	if err != nil {
		return nil, err
	}
	if axes == nil {
		return nil, layerError(u, "axes are missing; give the Axes field or input 1")
	}
	shape, err := u.outputShape(inputs[0].Shape, axes)
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: inputs[0].DType, Shape: shape}}, nil
}

// outputShape returns in with a dimension of size 1 inserted at each of
// axes.
func (u Unsqueeze) outputShape(in []int, axes []int) ([]int, error) {
	rank := len(in) + len(axes)
	out := make([]int, rank)
	inserted := make([]bool, rank)
	for _, a := range axes {
		if a < -rank || a >= rank {
			return nil, layerError(u, "axes %v: axis %d out of range [%d, %d] for output rank %d", axes, a, -rank, rank-1, rank)
		}
		if a < 0 {
			a += rank
		}
		if inserted[a] {
			return nil, layerError(u, "axes %v names dimension %d twice", axes, a)
		}
		inserted[a] = true
		out[a] = 1
	}
	next := 0
	for i := range out {
		if !inserted[i] {
			out[i] = in[next]
			next++
		}
	}
	return out, nil
}

// ForwardInto copies the input to outputs[0].
func (u Unsqueeze) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	return copyInto(u, outputs, inputs, 2)
}

// axesValue returns fixed when it is set. Otherwise it returns the 1-D
// int64 input 1, or nil when that input is absent. It wraps
// ErrValueNeeded when input 1 is present but its value is not known.
func axesValue(l Layer, fixed []int, inputs []*TensorType, values []*Tensor) ([]int, error) {
	if fixed != nil {
		if optionalType(inputs, 1) != nil {
			return nil, layerError(l, "axes are given both as the Axes field %v and as input 1; give one", fixed)
		}
		return fixed, nil
	}
	t := optionalType(inputs, 1)
	if t == nil {
		return nil, nil
	}
	if t.DType != Int64 || len(t.Shape) != 1 {
		return nil, layerError(l, "input axes is a %v tensor of shape %v, want a 1-D int64 tensor", t.DType, t.Shape)
	}
	v := optionalValue(values, 1)
	if v == nil {
		return nil, valueNeeded(l, "axes")
	}
	axes := make([]int, len(v.Int64))
	for i, a := range v.Int64 {
		if a < math.MinInt32 || a > math.MaxInt32 {
			return nil, layerError(l, "input axes %v: axis %d out of range", v.Int64, a)
		}
		axes[i] = int(a)
	}
	return axes, nil
}

// copyInto copies input 0 to outputs[0] after checking the output with
// the layer's InferTypes. View layers use it for Forward, while a Model
// gives their outputs the input's elements instead.
func copyInto(l interface {
	Layer
	TypeInferrer
}, outputs, inputs []*Tensor, total int) error {
	if err := checkInputCount(l, inputs, 1, total); err != nil {
		return err
	}
	for i, t := range inputs {
		if t == nil {
			continue
		}
		if err := t.Validate(); err != nil {
			return layerError(l, "input %d: %v", i, err)
		}
	}
	types, err := l.InferTypes(typesOf(inputs), inputs)
	if err != nil {
		return err
	}
	if err := checkOutput(l, outputs, 0, types[0].DType, types[0].Shape); err != nil {
		return err
	}
	x, y := inputs[0], outputs[0]
	copy(y.Data, x.Data)
	copy(y.Int64, x.Int64)
	return nil
}
