package nn

// unaryTypes checks that input 0 is float32 and returns its type as the
// only output type. Inputs after the first, up to total, are checked by
// the caller.
func unaryTypes(l Layer, inputs []*TensorType, total int) ([]TensorType, error) {
	if err := checkTypeCount(l, inputs, 1, total); err != nil {
		return nil, err
	}
	x := inputs[0]
	if x.DType != Float32 {
		return nil, layerError(l, "input has element type %v, want float32", x.DType)
	}
	return []TensorType{{DType: Float32, Shape: x.Shape}}, nil
}

// unaryTensors returns the float32 input 0 and output 0 after checking
// that the output has the input's shape.
func unaryTensors[L Layer](l L, outputs, inputs []*Tensor, total int) (x, y *Tensor, err error) {
	if err := checkInputCount(l, inputs, 1, total); err != nil {
		return nil, nil, err
	}
	if x, err = floatInput(l, inputs, 0, "", -1); err != nil {
		return nil, nil, err
	}
	if err := checkOutput(l, outputs, 0, Float32, x.Shape); err != nil {
		return nil, nil, err
	}
	return x, outputs[0], nil
}
