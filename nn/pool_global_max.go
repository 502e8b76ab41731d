package nn

import (
	"math"

	"github.com/simdnn/simdnn/kernels"
)

// GlobalMaxPool is the ONNX GlobalMaxPool operator: the maximum over all
// spatial positions of each channel. It has no attributes.
type GlobalMaxPool struct {
	NodeName string
}

// Name returns the node name.
func (p GlobalMaxPool) Name() string { return p.NodeName }

// OpType returns "GlobalMaxPool".
func (p GlobalMaxPool) OpType() string { return "GlobalMaxPool" }

// globalMaxChunk is the number of running maxima that MaxRows keeps while
// it folds a plane, a few vector widths so the kernel runs its vector body.
const globalMaxChunk = 64

// Forward returns Y [N, C, 1, ..., 1], with one 1 per spatial axis of
// X [N, C, spatial...], which has at least one spatial axis. The maximum
// follows Go's built-in max: NaN propagates and +0 beats -0. Because that
// max is commutative and associative, folding the plane in chunks gives
// the same result as a scalar loop. A plane without elements gives -Inf.
func (p GlobalMaxPool) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(p, inputs) }

// InferTypes returns the type of Y.
func (p GlobalMaxPool) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	return globalPoolTypes(p, inputs)
}

// ScratchSize returns the space for the running maxima, which planes of
// fewer than 2*globalMaxChunk elements do not need.
func (p GlobalMaxPool) ScratchSize(inputs []*TensorType) (int, error) {
	if _, err := globalPoolTypes(p, inputs); err != nil {
		return 0, err
	}
	return globalMaxScratchSize(elementCount(inputs[0].Shape[2:])), nil
}

// ForwardInto writes Y to outputs[0].
func (p GlobalMaxPool) ForwardInto(outputs, inputs []*Tensor, scratch []float32) error {
	var buf shapeBuffer
	x, y, err := globalPoolTensors(p, outputs, inputs, &buf)
	if err != nil {
		return err
	}
	planeSize := elementCount(x.Shape[2:])
	if len(y.Data) == 0 {
		return nil
	}
	if err := checkScratch(p, scratch, globalMaxScratchSize(planeSize)); err != nil {
		return err
	}
	// acc lives in scratch, because a local array passed to the kernel
	// would escape to the heap.
	acc := scratch[:globalMaxScratchSize(planeSize)]
	for plane := range y.Data {
		src := x.Data[plane*planeSize : (plane+1)*planeSize]
		m := float32(math.Inf(-1))
		if len(src) >= 2*globalMaxChunk {
			// Fold whole chunks into acc with the vector kernel.
			copy(acc, src)
			whole := len(src) / globalMaxChunk * globalMaxChunk
			for i := globalMaxChunk; i < whole; i += globalMaxChunk {
				kernels.MaxRows(acc, acc, src[i:i+globalMaxChunk])
			}
			for _, v := range acc {
				m = max(m, v)
			}
			src = src[whole:]
		}
		for _, v := range src {
			m = max(m, v)
		}
		y.Data[plane] = m
	}
	return nil
}

// globalMaxScratchSize returns the scratch elements that GlobalMaxPool
// needs for planes of planeSize elements: globalMaxChunk when it folds
// them with the vector kernel, and 0 otherwise.
func globalMaxScratchSize(planeSize int) int {
	if planeSize < 2*globalMaxChunk {
		return 0
	}
	return globalMaxChunk
}
