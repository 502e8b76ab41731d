package nn

import (
	"slices"

	"github.com/simdnn/simdnn/kernels"
)

// InferTypes checks A, B and the optional C and returns the type of Y.
func (g Gemm) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(g, inputs, 2, 3); err != nil {
		return nil, err
	}
	c := optionalType(inputs, 2)
	m, n, err := g.outputDims(*inputs[0], *inputs[1], c)
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: Float32, Shape: []int{m, n}}}, nil
}

// outputDims checks the input types and returns the size of Y.
func (g Gemm) outputDims(a, b TensorType, c *TensorType) (m, n int, err error) {
	if a.DType != Float32 || len(a.Shape) != 2 {
		return 0, 0, layerError(g, "input A is a %v tensor of shape %v, want float32 of rank 2", a.DType, slices.Clone(a.Shape))
	}
	if b.DType != Float32 || len(b.Shape) != 2 {
		return 0, 0, layerError(g, "input B is a %v tensor of shape %v, want float32 of rank 2", b.DType, slices.Clone(b.Shape))
	}
	m, k := a.Shape[0], a.Shape[1]
	if g.TransA {
		m, k = k, m
	}
	kb, n := b.Shape[0], b.Shape[1]
	if g.TransB {
		kb, n = n, kb
	}
	if k != kb {
		return 0, 0, layerError(g, "inputs A %v and B %v have inner dimensions %d and %d (transA %v, transB %v), want equal",
			a.Shape, b.Shape, k, kb, g.TransA, g.TransB)
	}
	if c != nil {
		if c.DType != Float32 {
			return 0, 0, layerError(g, "input C has element type %v, want float32", c.DType)
		}
		if err := checkUnidirectionalBroadcast(g, c.Shape, m, n); err != nil {
			return 0, 0, err
		}
	}
	if _, ok := checkedCount([]int{m, n}); !ok {
		return 0, 0, layerError(g, "output of %d×%d elements is too large", m, n)
	}
	return m, n, nil
}

// ForwardInto writes Y to outputs[0], which must not share elements with
// A or B.
func (g Gemm) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	if err := checkInputCount(g, inputs, 2, 3); err != nil {
		return err
	}
	a, err := floatInput(g, inputs, 0, "A", 2)
	if err != nil {
		return err
	}
	b, err := floatInput(g, inputs, 1, "B", 2)
	if err != nil {
		return err
	}
	var c *Tensor
	var cType *TensorType
	if optionalInput(inputs, 2) != nil {
		if c, err = floatInput(g, inputs, 2, "C", -1); err != nil {
			return err
		}
		t := TypeOf(c)
		cType = &t
	}
	m, n, err := g.outputDims(TypeOf(a), TypeOf(b), cType)
	if err != nil {
		return err
	}
	if err := checkOutput(g, outputs, 0, Float32, []int{m, n}); err != nil {
		return err
	}
	y := outputs[0]

	k := a.Shape[1]
	if g.TransA {
		k = a.Shape[0]
	}
	beta := g.Beta
	if c != nil && beta != 0 {
		broadcastTo(y.Data, c, m, n)
	} else {
		beta = 0
	}
	if len(y.Data) == 0 {
		return nil
	}
	if k == 0 {
		// The product is an empty sum, so Y = Beta*C.
		for i := range y.Data {
			y.Data[i] *= beta
		}
		return nil
	}
	kernels.Sgemm(g.TransA, g.TransB, m, n, k, g.Alpha, a.Data, a.Shape[1], b.Data, b.Shape[1], beta, y.Data, n)
	return nil
}
