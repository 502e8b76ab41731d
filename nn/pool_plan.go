package nn

import (
	"slices"
	"unsafe"
)

// spatialType returns the only input type of a pooling layer after
// checking that it is float32 [N, C, spatial...] with 1 to maxSpatialRank
// spatial axes, with the errors that checkInputCount and spatialInput
// return for a tensor of that type.
func spatialType[L Layer](l L, inputs []*TensorType) (*TensorType, error) {
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
	if err := checkSpatialRank(l, x.Shape, "X"); err != nil {
		return nil, err
	}
	return x, nil
}

// poolShape writes the output shape [N, C, out...] of a pooling window win
// over X of shape xShape to buf and returns it.
func poolShape(buf *shapeBuffer, xShape []int, win window) []int {
	shape := append(buf[:0], xShape[0], xShape[1])
	for _, a := range win.axes {
		shape = append(shape, a.out)
	}
	return shape
}

// poolOutputType returns the float32 output type of a pooling window win
// over X of shape xShape, with the error that allocating the output would
// return when its element count is too large.
func poolOutputType[L Layer](l L, xShape []int, win window) (TensorType, error) {
	var buf shapeBuffer
	shape := slices.Clone(poolShape(&buf, xShape, win))
	if _, err := NumElements(shape); err != nil {
		return TensorType{}, layerError(l, "output: %v", err)
	}
	return TensorType{DType: Float32, Shape: shape}, nil
}

// checkScratch returns an error unless scratch has at least want
// elements.
func checkScratch[L Layer](l L, scratch []float32, want int) error {
	if len(scratch) < want {
		return layerError(l, "scratch has %d elements, want at least %d", len(scratch), want)
	}
	return nil
}

// float64ScratchSize returns the number of float32 scratch elements that
// float64Scratch needs for n float64 values: two per value, and one more
// to align the start to 8 bytes.
func float64ScratchSize(n int) int {
	if n == 0 {
		return 0
	}
	return 2*n + 1
}

// float64Scratch returns n float64 values that use the memory of scratch,
// which has at least float64ScratchSize(n) elements. Layers that sum in
// float64, such as AveragePool and Softmax, keep their partial sums there.
// The values are not initialized.
func float64Scratch(scratch []float32, n int) []float64 {
	if n == 0 {
		return nil
	}
	scratch = scratch[:float64ScratchSize(n)]
	start := 0
	if uintptr(unsafe.Pointer(&scratch[0]))%unsafe.Alignof(float64(0)) != 0 {
		start = 1
	}
	// Both element types contain no pointers, and the n float64 values
	// fit in scratch[start:], so the view stays inside its allocation.
	return unsafe.Slice((*float64)(unsafe.Pointer(&scratch[start])), n)
}
