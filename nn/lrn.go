package nn

import "math"

// LRN is the ONNX LRN operator, local response normalization across
// channels. For X [N, C, D1, ...] each element becomes
//
//	x / (Bias + Alpha/Size * sum of x'^2)^Beta
//
// where the sum runs over the elements at the same position in channels
// c - floor((Size-1)/2) to c + ceil((Size-1)/2) that exist. The sum and the
// power are computed in float64.
type LRN struct {
	NodeName string
	Size     int     // required, at least 1
	Alpha    float32 // ONNX default 0.0001, which the importer fills in
	Beta     float32 // ONNX default 0.75, which the importer fills in
	Bias     float32 // ONNX default 1, which the importer fills in
}

// Name returns the node name.
func (l LRN) Name() string { return l.NodeName }

// OpType returns "LRN".
func (l LRN) OpType() string { return "LRN" }

// Forward returns the normalized X in a new tensor.
func (l LRN) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(l, inputs) }

// InferTypes checks that X is float32 of rank at least 2 and returns its
// type.
func (l LRN) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	types, err := unaryTypes(l, inputs, 1)
	if err != nil {
		return nil, err
	}
	if err := l.check(inputs[0].Shape); err != nil {
		return nil, err
	}
	return types, nil
}

func (l LRN) check(shape []int) error {
	if l.Size < 1 {
		return layerError(l, "size %d, want at least 1", l.Size)
	}
	if len(shape) < 2 {
		return layerError(l, "input X has shape %v, want rank at least 2 (N, C, ...)", shape)
	}
	return nil
}

// ForwardInto writes the normalized X to outputs[0], which must not share
// elements with X, because each output reads several input channels.
func (l LRN) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	x, y, err := unaryTensors(l, outputs, inputs, 1)
	if err != nil {
		return err
	}
	if err := l.check(x.Shape); err != nil {
		return err
	}
	if len(x.Data) == 0 {
		return nil
	}

	channels := x.Shape[1]
	plane := len(x.Data) / (x.Shape[0] * channels)
	below, above := (l.Size-1)/2, l.Size/2
	scale := float64(l.Alpha) / float64(l.Size)
	bias, beta := float64(l.Bias), float64(l.Beta)
	for n := range x.Shape[0] {
		image := x.Data[n*channels*plane : (n+1)*channels*plane]
		out := y.Data[n*channels*plane : (n+1)*channels*plane]
		for c := range channels {
			first, last := max(c-below, 0), min(c+above, channels-1)
			for p := range plane {
				sum := 0.0
				for k := first; k <= last; k++ {
					v := float64(image[k*plane+p])
					sum += v * v
				}
				out[c*plane+p] = float32(float64(image[c*plane+p]) / math.Pow(bias+scale*sum, beta))
			}
		}
	}
	return nil
}
