package nn

import "math"

// LogSoftmax is the ONNX LogSoftmax operator, the logarithm of Softmax
// computed without forming the probabilities. Axis and Coerce2D select
// the rows as in Softmax. From opset 13 a row is the elements along Axis,
// and with Coerce2D (opsets 1 to 12) it is all elements of the dimensions
// from Axis on.
type LogSoftmax struct {
	NodeName string
	Axis     int // ONNX default: -1 from opset 13, 1 before
	Coerce2D bool
}

// Name returns the node name.
func (s LogSoftmax) Name() string { return s.NodeName }

// OpType returns "LogSoftmax".
func (s LogSoftmax) OpType() string { return "LogSoftmax" }

// Forward returns (x - max) - log(sum(exp(x - max))) over each row, with
// the terms computed in float64 and rounded once. Subtracting the maximum
// keeps exp from overflowing, and taking the logarithm of the sum rather
// than of each probability keeps the results finite for logits that differ
// by 10^4 or more, where a probability would underflow to 0.
//
// Rows without a finite maximum follow that formula as Softmax does: a row
// that contains NaN or +Inf, or that is all -Inf, becomes all NaN. -Inf
// next to a finite maximum gives -Inf.
func (s LogSoftmax) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(s, inputs) }

// InferTypes returns the type of the input.
func (s LogSoftmax) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return softmaxTypes(s, s.Axis, s.Coerce2D, inputs)
}

// InPlaceInputs returns [0]: the output may overwrite the input, because
// rows do not overlap and the last pass over a row reads each element
// just before it writes it.
func (s LogSoftmax) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes the log-softmax of the input to outputs[0].
func (s LogSoftmax) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	x, y, err := softmaxTensors(s, s.Axis, s.Coerce2D, outputs, inputs)
	if err != nil {
		return err
	}
	if len(y.Data) == 0 {
		return nil
	}
	outer, rowLen, inner, _ := softmaxRows(s, s.Axis, s.Coerce2D, x.Shape)

	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			start := o*rowLen*inner + i
			logSoftmaxRow(y.Data[start:], x.Data[start:], rowLen, inner)
		}
	}
	return nil
}

// logSoftmaxRow writes the log-softmax of the n elements src[0],
// src[stride], ... to the same positions of dst.
func logSoftmaxRow(dst, src []float32, n, stride int) {
	m := math.Inf(-1)
	for j := 0; j < n; j++ {
		m = max(m, float64(src[j*stride]))
	}

	sum := 0.0
	for j := 0; j < n; j++ {
		sum += math.Exp(float64(src[j*stride]) - m)
	}
	logSum := math.Log(sum)

	for j := 0; j < n; j++ {
		dst[j*stride] = float32((float64(src[j*stride]) - m) - logSum)
	}
}
