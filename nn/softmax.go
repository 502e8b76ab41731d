package nn

import "math"

// Softmax is the ONNX Softmax operator. From opset 13 it normalises along
// Axis alone; with Coerce2D set (opsets 1 to 12) the input is viewed as a
// 2-D matrix split at Axis and each row is normalised. The maximum is
// subtracted first, so large logits do not overflow.
type Softmax struct {
	NodeName string
	Axis     int // ONNX default: -1 from opset 13, 1 before
	Coerce2D bool
}

// Name returns the node name.
func (s Softmax) Name() string { return s.NodeName }

// OpType returns "Softmax".
func (s Softmax) OpType() string { return "Softmax" }

// Forward returns exp(x - max) / sum(exp(x - max)) over each softmax row:
// the elements along Axis, or with Coerce2D the elements of all dimensions
// from Axis on. Axis must lie in [-r, r-1] for an input of rank r >= 1.
// Exponentials are computed and summed in float64 and rounded once.
//
// Rows without a finite maximum follow the ONNX reference formula, which
// numpy and PyTorch share: a row that contains NaN or +Inf, or that is all
// -Inf, becomes all NaN, because max - max is then NaN. -Inf next to a
// finite maximum gives 0.
func (s Softmax) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(s, inputs) }

// InferTypes returns the type of the input.
func (s Softmax) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return softmaxTypes(s, s.Axis, s.Coerce2D, inputs)
}

// ScratchSize returns the space for the float64 exponentials of one row.
func (s Softmax) ScratchSize(inputs []*TensorType) (int, error) {
	types, err := softmaxTypes(s, s.Axis, s.Coerce2D, inputs)
	if err != nil {
		return 0, err
	}
	_, rowLen, _, _ := softmaxRows(s, s.Axis, s.Coerce2D, types[0].Shape)
	return float64ScratchSize(rowLen), nil
}

// InPlaceInputs returns [0]: the output may overwrite the input, because
// each row is read in full before any of it is written.
func (s Softmax) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes the softmax of the input to outputs[0].
func (s Softmax) ForwardInto(outputs, inputs []*Tensor, scratch []float32) error {
	x, y, err := softmaxTensors(s, s.Axis, s.Coerce2D, outputs, inputs)
	if err != nil {
		return err
	}
	outer, rowLen, inner, _ := softmaxRows(s, s.Axis, s.Coerce2D, x.Shape)
	if len(y.Data) == 0 {
		return nil
	}
	if err := checkScratch(s, scratch, float64ScratchSize(rowLen)); err != nil {
		return err
	}

	exps := float64Scratch(scratch, rowLen)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			start := o*rowLen*inner + i
			softmaxRow(y.Data[start:], x.Data[start:], rowLen, inner, exps)
		}
	}
	return nil
}

// softmaxRow writes the softmax of the n elements src[0], src[stride], ...
// to the same positions of dst. exps is scratch space of length n.
func softmaxRow(dst, src []float32, n, stride int, exps []float64) {
	m := math.Inf(-1)
	for j := 0; j < n; j++ {
		m = max(m, float64(src[j*stride]))
	}

	sum := 0.0
	for j := 0; j < n; j++ {
		e := math.Exp(float64(src[j*stride]) - m)
		exps[j] = e
		sum += e
	}

	for j := 0; j < n; j++ {
		dst[j*stride] = float32(exps[j] / sum)
	}
}

// softmaxRows checks axis against shape and returns the layout of the rows
// that Softmax and LogSoftmax normalise: the input is viewed as
// [outer, rowLen, inner], so each row has rowLen elements spaced inner
// apart. With coerce2D a row is all dimensions from axis on. axis must lie
// in [-r, r-1] for a shape of rank r >= 1.
func softmaxRows[L Layer](l L, axis int, coerce2D bool, shape []int) (outer, rowLen, inner int, err error) {
	rank := len(shape)
	if rank == 0 {
		return 0, 0, 0, layerError(l, "input is a scalar, want rank at least 1")
	}
	if axis < -rank || axis >= rank {
		return 0, 0, 0, layerError(l, "axis %d out of range [%d, %d] for input of shape %v", axis, -rank, rank-1, shape)
	}
	if axis < 0 {
		axis += rank
	}

	// No product can overflow, because each divides the element count of a
	// valid tensor or is multiplied by a 0 dimension.
	outer, rowLen, inner = 1, shape[axis], 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	if coerce2D {
		rowLen *= inner
		inner = 1
	}
	return outer, rowLen, inner, nil
}

// softmaxTypes checks the input type of Softmax or LogSoftmax with the
// errors of their Forward and returns it as the output type.
func softmaxTypes[L Layer](l L, axis int, coerce2D bool, inputs []*TensorType) ([]TensorType, error) {
	if len(inputs) != 1 {
		return nil, layerError(l, "got %d inputs, want 1", len(inputs))
	}
	x := inputs[0]
	if x == nil {
		return nil, layerError(l, "input is missing")
	}
	if x.DType != Float32 {
		return nil, layerError(l, "input has element type %v, want float32", x.DType)
	}
	if _, _, _, err := softmaxRows(l, axis, coerce2D, x.Shape); err != nil {
		return nil, err
	}
	return []TensorType{{DType: Float32, Shape: x.Shape}}, nil
}

// softmaxTensors checks the input and output of Softmax or LogSoftmax and
// returns them.
func softmaxTensors[L Layer](l L, axis int, coerce2D bool, outputs, inputs []*Tensor) (x, y *Tensor, err error) {
	if err := checkInputCount(l, inputs, 1, 1); err != nil {
		return nil, nil, err
	}
	if x, err = floatInput(l, inputs, 0, "", -1); err != nil {
		return nil, nil, err
	}
	if _, _, _, err := softmaxRows(l, axis, coerce2D, x.Shape); err != nil {
		return nil, nil, err
	}
	if err := checkOutput(l, outputs, 0, Float32, x.Shape); err != nil {
		return nil, nil, err
	}
	return x, outputs[0], nil
}
