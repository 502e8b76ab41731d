package nn

// Softmax is the ONNX Softmax operator. From opset 13 it normalises along
// Axis alone; with Coerce2D set (opsets 1 to 12) the input is viewed as a
// 2-D matrix split at Axis and each row is normalised. The maximum is
// subtracted first, so large logits do not overflow.
type Softmax struct {
	NodeName string
	Axis     int // ONNX default: -1 from opset 13, 1 before
	Coerce2D bool
}
