package nn

// Layer is one operator of a model. Its inputs and outputs follow the
// ONNX operator of the same name: Forward receives the operator's inputs
// in ONNX order, with nil for an optional input that is absent, and returns
// its outputs in ONNX order. Forward never modifies its inputs and may be
// called from several goroutines at once.
type Layer interface {
	// Name returns the node name given at construction, used in errors.
	Name() string
	// OpType returns the ONNX operator name, such as "Conv".
	OpType() string
	Forward(inputs []*Tensor) ([]*Tensor, error)
}
