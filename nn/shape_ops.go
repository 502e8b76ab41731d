package nn

import "math"

// Flatten is the ONNX Flatten operator: the output is 2-D, the dimensions
// before Axis multiplied into the first and the rest into the second.
// A negative Axis counts from the end.
type Flatten struct {
	NodeName string
	Axis     int // ONNX default 1
}

// Reshape is the ONNX Reshape operator. The second input is an int64
// tensor of the new shape; 0 copies the input dimension unless AllowZero
// is set, and one -1 is inferred.
type Reshape struct {
	NodeName  string
	AllowZero bool
}

// Identity returns its input. The importer also uses it for Dropout,
// which is the identity at inference.
type Identity struct {
	NodeName string
}

// Name returns the node name.
func (f Flatten) Name() string { return f.NodeName }

// OpType returns "Flatten".
func (f Flatten) OpType() string { return "Flatten" }

// Forward returns a copy of the input of rank r with shape
// [d0*...*d(axis-1), d(axis)*...*d(r-1)], where an empty product is 1.
// Axis must lie in [-r, r]. Float32 and int64 inputs are accepted.
func (f Flatten) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(f, inputs, 1, 1); err != nil {
		return nil, err
	}
	x := inputs[0]
	if err := checkTensor(f, x, ""); err != nil {
		return nil, err
	}

	rank := len(x.Shape)
	axis := f.Axis
	if axis < -rank || axis > rank {
		return nil, layerError(f, "axis %d out of range [%d, %d] for input of shape %v", f.Axis, -rank, rank, x.Shape)
	}
	if axis < 0 {
		axis += rank
	}

	// Both products divide the element count of a valid tensor, or are
	// multiplied by a 0 dimension, so neither can overflow.
	outer, inner := 1, 1
	for _, d := range x.Shape[:axis] {
		outer *= d
	}
	for _, d := range x.Shape[axis:] {
		inner *= d
	}
	return []*Tensor{copyWithShape(x, []int{outer, inner})}, nil
}

// Name returns the node name.
func (r Reshape) Name() string { return r.NodeName }

// OpType returns "Reshape".
func (r Reshape) OpType() string { return "Reshape" }

// Forward returns a copy of the data input with the shape that the int64
// shape input gives. A 0 in the shape copies the data dimension at the
// same index, or is a dimension of size 0 when AllowZero is set. One -1 is
// inferred from the element count. Float32 and int64 data are accepted.
func (r Reshape) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(r, inputs, 2, 2); err != nil {
		return nil, err
	}
	data, shapeInput := inputs[0], inputs[1]
	if err := checkTensor(r, data, "data"); err != nil {
		return nil, err
	}
	if err := checkTensor(r, shapeInput, "shape"); err != nil {
		return nil, err
	}
	if shapeInput.DType != Int64 || len(shapeInput.Shape) != 1 {
		return nil, layerError(r, "input shape is a %v tensor of shape %v, want a 1-D int64 tensor", shapeInput.DType, shapeInput.Shape)
	}

	shape, err := r.resolveShape(data.Shape, shapeInput.Int64)
	if err != nil {
		return nil, err
	}
	return []*Tensor{copyWithShape(data, shape)}, nil
}

// resolveShape applies the 0 and -1 rules to the requested shape and checks
// that the element count is unchanged.
func (r Reshape) resolveShape(dataShape []int, requested []int64) ([]int, error) {
	shape := make([]int, len(requested))
	inferred := -1
	hasZero := false
	for i, v := range requested {
		switch {
		case v == -1:
			if inferred >= 0 {
				return nil, layerError(r, "shape %v has more than one -1", requested)
			}
			inferred = i
		case v == 0 && !r.AllowZero:
			if i >= len(dataShape) {
				return nil, layerError(r, "shape %v has 0 at index %d, but data shape %v has no dimension to copy there", requested, i, dataShape)
			}
			shape[i] = dataShape[i]
		case v < 0:
			return nil, layerError(r, "shape %v has negative dimension %d at index %d, want -1 or at least 0", requested, v, i)
		case v > math.MaxInt:
			return nil, layerError(r, "shape %v has dimension %d at index %d, which overflows int", requested, v, i)
		default:
			hasZero = hasZero || v == 0
			shape[i] = int(v)
		}
	}
	if inferred >= 0 && hasZero {
		return nil, layerError(r, "shape %v has both 0 and -1 with allowzero set, so -1 cannot be inferred", requested)
	}

	count, err := NumElements(dataShape)
	if err != nil {
		return nil, layerError(r, "input data: %v", err)
	}
	if inferred >= 0 {
		shape[inferred] = 1
		known, err := NumElements(shape)
		if err != nil {
			return nil, layerError(r, "shape %v: %v", requested, err)
		}
		if known == 0 || count%known != 0 {
			return nil, layerError(r, "cannot infer -1 in shape %v (resolved %v) for data of shape %v with %d elements",
				requested, shape, dataShape, count)
		}
		shape[inferred] = count / known
	}

	n, err := NumElements(shape)
	if err != nil {
		return nil, layerError(r, "shape %v: %v", requested, err)
	}
	if n != count {
		return nil, layerError(r, "shape %v (resolved %v) has %d elements, but data of shape %v has %d",
			requested, shape, n, dataShape, count)
	}
	return shape, nil
}

// Name returns the node name.
func (id Identity) Name() string { return id.NodeName }

// OpType returns "Identity".
func (id Identity) OpType() string { return "Identity" }

// Forward returns a copy of its input. Float32 and int64 inputs are
// accepted.
func (id Identity) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(id, inputs, 1, 1); err != nil {
		return nil, err
	}
	if err := checkTensor(id, inputs[0], ""); err != nil {
		return nil, err
	}
	return []*Tensor{copyWithShape(inputs[0], inputs[0].Shape)}, nil
}

// copyWithShape returns a copy of the valid tensor t with the given shape,
// which must have the same element count.
func copyWithShape(t *Tensor, shape []int) *Tensor {
	out := &Tensor{Shape: append([]int{}, shape...), DType: t.DType}
	if t.DType == Int64 {
		out.Int64 = append([]int64{}, t.Int64...)
	} else {
		out.Data = append([]float32{}, t.Data...)
	}
	return out
}
