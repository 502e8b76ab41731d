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
func (s Softmax) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(s, inputs, 1, 1); err != nil {
		return nil, err
	}
	x, err := floatInput(s, inputs, 0, "", -1)
	if err != nil {
		return nil, err
	}
	outer, rowLen, inner, err := softmaxRows(s, s.Axis, s.Coerce2D, x.Shape)
	if err != nil {
		return nil, err
	}

	y, err := newOutput(s, x.Shape...)
	if err != nil {
		return nil, err
	}
	if len(y.Data) == 0 {
		return []*Tensor{y}, nil
	}

	exps := make([]float64, rowLen)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			start := o*rowLen*inner + i
			softmaxRow(y.Data[start:], x.Data[start:], rowLen, inner, exps)
		}
	}
	return []*Tensor{y}, nil
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
func softmaxRows(l Layer, axis int, coerce2D bool, shape []int) (outer, rowLen, inner int, err error) {
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
