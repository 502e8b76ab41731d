package nn

// GlobalAveragePool is the ONNX GlobalAveragePool operator: the mean over
// all spatial positions of each channel. It has no attributes.
type GlobalAveragePool struct {
	NodeName string
}

// Name returns the node name.
func (p GlobalAveragePool) Name() string { return p.NodeName }

// OpType returns "GlobalAveragePool".
func (p GlobalAveragePool) OpType() string { return "GlobalAveragePool" }

// Forward returns Y [N, C, 1, ..., 1], with one 1 per spatial axis of
// X [N, C, spatial...], which has at least one spatial axis. Each plane is
// summed in float64 and rounded to float32 once after the division. The
// float64 sum of up to 2^29 equal float32 values is exact, so 10^6 ones
// average to exactly 1. A plane without elements gives
// 0/0 = NaN. NaN and infinities propagate as in a float sum.
func (p GlobalAveragePool) Forward(inputs []*Tensor) ([]*Tensor, error) {
	x, y, err := globalPoolShapes(p, inputs)
	if err != nil {
		return nil, err
	}
	planeSize := elementCount(x.Shape[2:])
	for plane := range y.Data {
		sum := 0.0
		for _, v := range x.Data[plane*planeSize : (plane+1)*planeSize] {
			sum += float64(v)
		}
		y.Data[plane] = float32(sum / float64(planeSize))
	}
	return []*Tensor{y}, nil
}

// globalPoolShapes checks the input of a global pooling layer and
// allocates its output [N, C, 1, ..., 1].
func globalPoolShapes(l Layer, inputs []*Tensor) (x, y *Tensor, err error) {
	if err := checkInputCount(l, inputs, 1, 1); err != nil {
		return nil, nil, err
	}
	x, err = floatInput(l, inputs, 0, "X", -1)
	if err != nil {
		return nil, nil, err
	}
	if len(x.Shape) < 3 {
		return nil, nil, layerError(l, "input X has rank %d (shape %v), want at least 3: N, C and 1 or more spatial axes", len(x.Shape), x.Shape)
	}

	outShape := make([]int, len(x.Shape))
	outShape[0], outShape[1] = x.Shape[0], x.Shape[1]
	for i := 2; i < len(outShape); i++ {
		outShape[i] = 1
	}
	y, err = newOutput(l, outShape...)
	if err != nil {
		return nil, nil, err
	}
	return x, y, nil
}
