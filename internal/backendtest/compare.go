package backendtest

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/simdnn/simdnn/nn"
)

// comparison accumulates the element errors of one or more tensors.
type comparison struct {
	rtol, atol float64

	maxAbs, maxRel float64
	// mismatch describes the first element out of tolerance, or the first
	// tensor whose type or shape differs. It is "" while everything matches.
	mismatch string
}

// tensor compares got with want element by element. An element passes when
// |got-want| <= atol + rtol*|want|, the rule of numpy.testing.assert_allclose
// that the ONNX backend tests use. An expected NaN requires a NaN and an
// expected infinity requires the same infinity. -0 equals +0.
func (c *comparison) tensor(label string, got, want *nn.Tensor) {
	if got == nil {
		c.fail("%s: the model returned no tensor", label)
		return
	}
	if got.DType != want.DType {
		c.fail("%s: element type %v, want %v", label, got.DType, want.DType)
		return
	}
	if !slices.Equal(got.Shape, want.Shape) {
		c.fail("%s: shape %v, want %v", label, got.Shape, want.Shape)
		return
	}
	if err := got.Validate(); err != nil {
		c.fail("%s: invalid tensor: %v", label, err)
		return
	}

	if want.DType == nn.Int64 {
		// Integers (shapes, indices) must match exactly: a tolerance
		// meant for rounding would let an index be off by one.
		for i := range want.Int64 {
			if got.Int64[i] != want.Int64[i] {
				c.fail("%s: element %v is %d, want %d (int64 values must match exactly)", label, unravel(i, want.Shape), got.Int64[i], want.Int64[i])
				return
			}
		}
		return
	}
	for i := range want.Data {
		c.element(label, want.Shape, i, float64(got.Data[i]), float64(want.Data[i]), 32)
	}
}

// element compares one element. bits is the precision of the tensor's
// values, for printing them.
func (c *comparison) element(label string, shape []int, i int, got, want float64, bits int) {
	absErr, relErr, ok := elementError(got, want, c.rtol, c.atol)
	c.maxAbs = math.Max(c.maxAbs, absErr)
	c.maxRel = math.Max(c.maxRel, relErr)
	if ok {
		return
	}
	c.fail("%s: element %d (index %v) is %s, want %s (|got-want| %.3g > atol + rtol*|want| = %.3g)",
		label, i, unravel(i, shape), strconv.FormatFloat(got, 'g', -1, bits), strconv.FormatFloat(want, 'g', -1, bits),
		math.Abs(got-want), c.atol+c.rtol*math.Abs(want))
}

// elementError returns the absolute and relative error of got and whether
// it is within tolerance. A NaN or infinity that does not match counts as
// an infinite error. The relative error is 0 when want is 0, so a zero
// expected value does not make it infinite.
func elementError(got, want, rtol, atol float64) (absErr, relErr float64, ok bool) {
	switch {
	case math.IsNaN(want):
		if math.IsNaN(got) {
			return 0, 0, true
		}
		return math.Inf(1), math.Inf(1), false
	case math.IsInf(want, 0) || math.IsNaN(got) || math.IsInf(got, 0):
		if got == want {
			return 0, 0, true
		}
		return math.Inf(1), math.Inf(1), false
	}

	absErr = math.Abs(got - want)
	if want != 0 {
		relErr = absErr / math.Abs(want)
	}
	return absErr, relErr, absErr <= atol+rtol*math.Abs(want)
}

// fail records a mismatch unless an earlier one was already recorded.
func (c *comparison) fail(format string, args ...any) {
	if c.mismatch == "" {
		c.mismatch = fmt.Sprintf(format, args...)
	}
}

// unravel converts the row-major offset i into an index into shape.
func unravel(i int, shape []int) []int {
	index := make([]int, len(shape))
	for axis := len(shape) - 1; axis >= 0; axis-- {
		if shape[axis] > 0 {
			index[axis] = i % shape[axis]
			i /= shape[axis]
		}
	}
	return index
}
