package nn

// Relu is the ONNX Relu operator: max(x, 0) elementwise, NaN propagating.
type Relu struct {
	NodeName string
}
