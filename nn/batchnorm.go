package nn

import "math"

// BatchNormalization is the ONNX BatchNormalization operator in inference
// mode: each channel c of X [N, C, D1, ...] becomes
//
//	(x - mean[c]) / sqrt(var[c] + Epsilon) * scale[c] + B[c]
//
// with inputs X, scale, B, mean and var in ONNX order, the last four of
// shape [C]. A 1-D X of shape [N] has one channel. The arithmetic is done
// in float64 and rounded once per element.
type BatchNormalization struct {
	NodeName string
	Epsilon  float32 // ONNX default 1e-5, which the importer fills in
}

// batchNormParams are the names of the inputs after X.
var batchNormParams = [4]string{"scale", "B", "input_mean", "input_var"}

// Name returns the node name.
func (b BatchNormalization) Name() string { return b.NodeName }

// OpType returns "BatchNormalization".
func (b BatchNormalization) OpType() string { return "BatchNormalization" }

// Forward returns the normalized X in a new tensor.
func (b BatchNormalization) Forward(inputs []*Tensor) ([]*Tensor, error) {
	return forwardPlanned(b, inputs)
}

// InferTypes checks that X is float32 of rank at least 1 and the other
// inputs float32 of shape [C], and returns the type of X.
func (b BatchNormalization) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(b, inputs, 5, 5); err != nil {
		return nil, err
	}
	x := inputs[0]
	if x.DType != Float32 || len(x.Shape) == 0 {
		return nil, layerError(b, "input X is a %v tensor of shape %v, want float32 of rank at least 1", x.DType, x.Shape)
	}
	channels := batchNormChannels(x.Shape)
	for i, name := range batchNormParams {
		p := inputs[i+1]
		if p.DType != Float32 || len(p.Shape) != 1 || p.Shape[0] != channels {
			return nil, layerError(b, "input %s is a %v tensor of shape %v, want float32 of shape [%d] for X of shape %v",
				name, p.DType, p.Shape, channels, x.Shape)
		}
	}
	return []TensorType{{DType: Float32, Shape: x.Shape}}, nil
}

// batchNormChannels returns C for X of the given shape.
func batchNormChannels(shape []int) int {
	if len(shape) == 1 {
		return 1
	}
	return shape[1]
}

// InPlaceInputs returns [0]: the output may overwrite X.
func (b BatchNormalization) InPlaceInputs() []int { return []int{0} }

// ForwardInto writes the normalized X to outputs[0].
func (b BatchNormalization) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	if err := checkInputCount(b, inputs, 5, 5); err != nil {
		return err
	}
	x, err := floatInput(b, inputs, 0, "X", -1)
	if err != nil {
		return err
	}
	if len(x.Shape) == 0 {
		return layerError(b, "input X is a scalar, want rank at least 1")
	}
	channels := batchNormChannels(x.Shape)
	var params [4][]float32
	for i, name := range batchNormParams {
		p, err := floatInput(b, inputs, i+1, name, 1)
		if err != nil {
			return err
		}
		if p.Shape[0] != channels {
			return layerError(b, "input %s has shape %v, want [%d] for X of shape %v", name, p.Shape, channels, x.Shape)
		}
		params[i] = p.Data
	}
	if err := checkOutput(b, outputs, 0, Float32, x.Shape); err != nil {
		return err
	}
	if len(x.Data) == 0 {
		return nil
	}

	scale, bias, mean, variance := params[0], params[1], params[2], params[3]
	plane := len(x.Data) / (x.Shape[0] * channels)
	y := outputs[0].Data
	eps := float64(b.Epsilon)
	for start := 0; start < len(x.Data); start += plane {
		c := start / plane % channels
		a := float64(scale[c]) / math.Sqrt(float64(variance[c])+eps)
		m, beta := float64(mean[c]), float64(bias[c])
		src, dst := x.Data[start:start+plane], y[start:start+plane]
		for i, v := range src {
			dst[i] = float32((float64(v)-m)*a + beta)
		}
	}
	return nil
}
