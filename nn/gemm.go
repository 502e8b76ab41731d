package nn

import "github.com/simdnn/simdnn/kernels"

// Gemm is the ONNX Gemm operator: Y = Alpha*A'*B' + Beta*C, where A' is A
// or its transpose, likewise B', and C broadcasts to [M, N].
type Gemm struct {
	NodeName string
	Alpha    float32 // ONNX default 1; the importer fills it in
	Beta     float32 // ONNX default 1; the importer fills it in
	TransA   bool
	TransB   bool
}

// Name returns the node name.
func (g Gemm) Name() string { return g.NodeName }

// OpType returns "Gemm".
func (g Gemm) OpType() string { return "Gemm" }

// Forward computes Y [M, N] from the 2-D inputs A and B and the optional C,
// which is a scalar or has shape [N], [1, N], [M, 1], [M, N] or another
// shape that broadcasts to [M, N] in one direction.
//
// When Beta is 0, C is not read, as in BLAS, so NaN or Inf in C does not
// reach Y. The ONNX reference computes 0*C instead, which is NaN for those.
func (g Gemm) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(g, inputs, 2, 3); err != nil {
		return nil, err
	}
	a, err := floatInput(g, inputs, 0, "A", 2)
	if err != nil {
		return nil, err
	}
	b, err := floatInput(g, inputs, 1, "B", 2)
	if err != nil {
		return nil, err
	}
	var c *Tensor
	if optionalInput(inputs, 2) != nil {
		if c, err = floatInput(g, inputs, 2, "C", -1); err != nil {
			return nil, err
		}
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
		return nil, layerError(g, "inputs A %v and B %v have inner dimensions %d and %d (transA %v, transB %v), want equal",
			a.Shape, b.Shape, k, kb, g.TransA, g.TransB)
	}
	if c != nil {
		if err := checkUnidirectionalBroadcast(g, c.Shape, m, n); err != nil {
			return nil, err
		}
	}

	y, err := newOutput(g, m, n)
	if err != nil {
		return nil, err
	}
	beta := g.Beta
	if c != nil && beta != 0 {
		broadcastTo(y.Data, c, m, n)
	} else {
		beta = 0
	}
	if len(y.Data) == 0 {
		return []*Tensor{y}, nil
	}
	if k == 0 {
		// The product is an empty sum, so Y = Beta*C.
		for i := range y.Data {
			y.Data[i] *= beta
		}
		return []*Tensor{y}, nil
	}

	// Row-major leading dimensions are the stored row lengths.
	kernels.Sgemm(g.TransA, g.TransB, m, n, k, g.Alpha, a.Data, a.Shape[1], b.Data, b.Shape[1], beta, y.Data, n)
	return []*Tensor{y}, nil
}

// checkUnidirectionalBroadcast returns an error unless a tensor of shape
// cShape broadcasts to [m, n] under numpy rules without changing [m, n]:
// rank at most 2, and each dimension, aligned from the right, 1 or equal.
func checkUnidirectionalBroadcast[L Layer](l L, cShape []int, m, n int) error {
	rows, cols := broadcastDims(cShape)
	if len(cShape) > 2 || (rows != 1 && rows != m) || (cols != 1 && cols != n) {
		return layerError(l, "input C has shape %v, which does not broadcast to [%d %d]", cShape, m, n)
	}
	return nil
}

// broadcastDims returns the row and column counts of a tensor of rank at
// most 2 viewed as a matrix: a scalar is 1×1 and a vector of length n 1×n.
func broadcastDims(shape []int) (rows, cols int) {
	rows, cols = 1, 1
	if len(shape) >= 1 {
		cols = shape[len(shape)-1]
	}
	if len(shape) >= 2 {
		rows = shape[len(shape)-2]
	}
	return rows, cols
}

// broadcastTo writes c, broadcast to [m, n], into dst.
func broadcastTo(dst []float32, c *Tensor, m, n int) {
	rows, cols := broadcastDims(c.Shape)
	for i := 0; i < m; i++ {
		src := c.Data
		if rows != 1 {
			src = c.Data[i*cols : (i+1)*cols]
		}
		row := dst[i*n : (i+1)*n]
		if cols == 1 {
			for j := range row {
				row[j] = src[0]
			}
		} else {
			copy(row, src[:n])
		}
	}
}
