package nn

// checkTypes checks the inputs X, W and the optional B and returns the
// convolution geometry.
func (c Conv) checkTypes(inputs []*TensorType) (convShape, error) {
	if len(inputs) < 2 || len(inputs) > 3 {
		return convShape{}, layerError(c, "got %d inputs, want 2 to 3", len(inputs))
	}
	x, w, b := inputs[0], inputs[1], optionalType(inputs, 2)
	if x == nil {
		return convShape{}, layerError(c, "input X is missing")
	}
	if w == nil {
		return convShape{}, layerError(c, "input W is missing")
	}
	for _, in := range []struct {
		name string
		t    *TensorType
	}{{"X", x}, {"W", w}, {"B", b}} {
		if in.t != nil && in.t.DType != Float32 {
			return convShape{}, layerError(c, "input %s has element type %v, want float32", in.name, in.t.DType)
		}
	}
	if len(x.Shape) < 3 || len(x.Shape) > 2+maxSpatialRank {
		return convShape{}, layerError(c, "input X has rank %d (shape %v), want 3, 4 or 5: N, C and 1 to 3 spatial axes", len(x.Shape), x.Shape)
	}
	if len(w.Shape) != len(x.Shape) {
		return convShape{}, layerError(c, "input W has rank %d (shape %v), want rank %d to match X %v", len(w.Shape), w.Shape, len(x.Shape), x.Shape)
	}
	var biasShape []int
	if b != nil {
		if len(b.Shape) != 1 {
			return convShape{}, layerError(c, "input B has rank %d (shape %v), want rank 1", len(b.Shape), b.Shape)
		}
		biasShape = b.Shape
	}
	return c.resolveShape(x.Shape, w.Shape, biasShape)
}

// validateInputs checks that each present input's elements match its
// shape, naming the input as ONNX does.
func (c Conv) validateInputs(inputs []*Tensor) error {
	for i, t := range inputs {
		if t == nil || i > 2 {
			continue
		}
		if err := t.Validate(); err != nil {
			return layerError(c, "input %s: %v", []string{"X", "W", "B"}[i], err)
		}
	}
	return nil
}

// InferTypes returns the type of Y for inputs X, W and the optional B.
func (c Conv) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	s, err := c.checkTypes(inputs)
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: Float32, Shape: append([]int{s.batch, s.outC}, s.outShape()...)}}, nil
}

// ScratchSize returns the im2col buffer that 3-D convolutions need. 1-D
// and 2-D convolutions pack their input straight into the GEMM's own
// buffers and need none.
func (c Conv) ScratchSize(inputs []*TensorType) (int, error) {
	s, err := c.checkTypes(inputs)
	if err != nil {
		return 0, err
	}
	if len(s.axes) == 3 && !s.pointwise() {
		return s.colSize, nil
	}
	return 0, nil
}

// ForwardInto computes Y from X, W and the optional B. 1-D input runs as
// 2-D input of height 1. For each image and group, 2-D convolution is one
// GEMM whose B operand is packed straight from the image, with the bias
// (and ReLU when FuseReLU is set) applied to each tile of Y; a depthwise
// convolution (one input and one output channel per group) uses the
// direct depthwise kernel instead. 3-D input is lowered with im2col one
// output depth at a time. Sums are accumulated in float32.
func (c Conv) ForwardInto(outputs, inputs []*Tensor, scratch []float32) error {
	if err := c.validateInputs(inputs); err != nil {
		return err
	}
	s, err := c.checkTypes(typesOf(inputs))
	if err != nil {
		return err
	}
	if err := checkOutput(c, outputs, 0, Float32, append([]int{s.batch, s.outC}, s.outShape()...)); err != nil {
		return err
	}
	if len(s.axes) == 3 && !s.pointwise() && len(scratch) < s.colSize {
		return layerError(c, "scratch holds %d elements, want %d", len(scratch), s.colSize)
	}

	var bias []float32
	if b := optionalInput(inputs, 2); b != nil {
		bias = b.Data
	}
	c.compute(outputs[0].Data, inputs[0].Data, inputs[1].Data, bias, s, scratch)
	return nil
}
