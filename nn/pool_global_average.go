package nn

import (
	"github.com/simdnn/simdnn/internal/freelist"
	"github.com/simdnn/simdnn/kernels"
)

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
	return forwardPlanned(p, inputs)
}

// InferTypes returns the type of Y.
func (p GlobalAveragePool) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return globalPoolTypes(p, inputs)
}

// ForwardInto writes Y to outputs[0].
func (p GlobalAveragePool) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	var buf shapeBuffer
	x, y, err := globalPoolTensors(p, outputs, inputs, &buf)
	if err != nil {
		return err
	}
	planeSize := elementCount(x.Shape[2:])
	parts := min(kernels.Threads(), len(x.Data)/minSplitElements, len(y.Data))
	if parts <= 1 {
		kernels.PlaneMeans(y.Data, x.Data, planeSize)
		return nil
	}
	j := globalAverageJobs.GetOrNew()
	*j = globalAverageJob{y: y.Data, x: x.Data, planeSize: planeSize, parts: parts}
	kernels.ParallelRun(parts, j)
	*j = globalAverageJob{}
	globalAverageJobs.Put(j)
	return nil
}

// globalAverageJob is a GlobalAveragePool split into parts ranges of
// planes. Each plane's mean is computed the same way whatever the split.
type globalAverageJob struct {
	y, x             []float32
	planeSize, parts int
}

var globalAverageJobs freelist.List[globalAverageJob]

func (j *globalAverageJob) Piece(part int) {
	lo, hi := len(j.y)*part/j.parts, len(j.y)*(part+1)/j.parts
	kernels.PlaneMeans(j.y[lo:hi], j.x[lo*j.planeSize:], j.planeSize)
}

// globalPoolTypes checks the input type of a global pooling layer and
// returns the type of its output [N, C, 1, ..., 1].
func globalPoolTypes[L Layer](l L, inputs []*TensorType) ([]TensorType, error) {
	if len(inputs) != 1 {
		return nil, layerError(l, "got %d inputs, want 1", len(inputs))
	}
	x := inputs[0]
	if x == nil {
		return nil, layerError(l, "input X is missing")
	}
	if x.DType != Float32 {
		return nil, layerError(l, "input X has element type %v, want float32", x.DType)
	}
	if err := checkGlobalPoolRank(l, x.Shape); err != nil {
		return nil, err
	}
	shape := globalPoolShape(nil, x.Shape)
	if _, err := NumElements(shape); err != nil {
		return nil, layerError(l, "output: %v", err)
	}
	return []TensorType{{DType: Float32, Shape: shape}}, nil
}

// globalPoolTensors checks the input and output of a global pooling layer
// and returns them. The output shape is built in buf, so inputs of rank up
// to len(buf) need no allocation.
func globalPoolTensors[L Layer](l L, outputs, inputs []*Tensor, buf *shapeBuffer) (x, y *Tensor, err error) {
	if err := checkInputCount(l, inputs, 1, 1); err != nil {
		return nil, nil, err
	}
	x, err = floatInput(l, inputs, 0, "X", -1)
	if err != nil {
		return nil, nil, err
	}
	if err := checkGlobalPoolRank(l, x.Shape); err != nil {
		return nil, nil, err
	}
	if err := checkOutput(l, outputs, 0, Float32, globalPoolShape(buf[:0], x.Shape)); err != nil {
		return nil, nil, err
	}
	return x, outputs[0], nil
}

// checkGlobalPoolRank returns an error unless the input X of a global
// pooling layer, of shape shape, has at least one spatial axis.
func checkGlobalPoolRank[L Layer](l L, shape []int) error {
	if len(shape) < 3 {
		return layerError(l, "input X has rank %d (shape %v), want at least 3: N, C and 1 or more spatial axes", len(shape), shape)
	}
	return nil
}

// globalPoolShape appends the output shape [N, C, 1, ..., 1] of a global
// pooling layer over X of shape xShape to dst and returns the result.
func globalPoolShape(dst, xShape []int) []int {
	dst = append(dst, xShape[0], xShape[1])
	for range xShape[2:] {
		dst = append(dst, 1)
	}
	return dst
}
