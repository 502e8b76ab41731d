package nn

import "github.com/simdnn/simdnn/kernels"

// MatMul is the ONNX MatMul operator with numpy broadcasting of batch
// dimensions.
type MatMul struct {
	NodeName string
}

// Name returns the node name.
func (mm MatMul) Name() string { return mm.NodeName }

// OpType returns "MatMul".
func (mm MatMul) OpType() string { return "MatMul" }

// Forward returns the matrix product of A and B with numpy.matmul
// semantics. A 1-D A of length K is multiplied as a [1, K] matrix and a 1-D
// B as a [K, 1] matrix, and the added dimension is removed from the
// output. The dimensions before the last two are batch dimensions, which
// broadcast against each other.
func (mm MatMul) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(mm, inputs, 2, 2); err != nil {
		return nil, err
	}
	a, err := floatInput(mm, inputs, 0, "A", -1)
	if err != nil {
		return nil, err
	}
	b, err := floatInput(mm, inputs, 1, "B", -1)
	if err != nil {
		return nil, err
	}
	if len(a.Shape) == 0 || len(b.Shape) == 0 {
		return nil, layerError(mm, "inputs A %v and B %v, want both of rank at least 1", a.Shape, b.Shape)
	}

	aMatrix := a.Shape
	if len(a.Shape) == 1 {
		aMatrix = []int{1, a.Shape[0]}
	}
	bMatrix := b.Shape
	if len(b.Shape) == 1 {
		bMatrix = []int{b.Shape[0], 1}
	}
	m, k := aMatrix[len(aMatrix)-2], aMatrix[len(aMatrix)-1]
	kb, n := bMatrix[len(bMatrix)-2], bMatrix[len(bMatrix)-1]
	if k != kb {
		return nil, layerError(mm, "inputs A %v and B %v have inner dimensions %d and %d, want equal", a.Shape, b.Shape, k, kb)
	}
	aBatch := aMatrix[:len(aMatrix)-2]
	bBatch := bMatrix[:len(bMatrix)-2]
	batch, ok := broadcastShapes(aBatch, bBatch)
	if !ok {
		return nil, layerError(mm, "inputs A %v and B %v have batch dimensions that do not broadcast", a.Shape, b.Shape)
	}

	outShape := append([]int(nil), batch...)
	if len(a.Shape) > 1 {
		outShape = append(outShape, m)
	}
	if len(b.Shape) > 1 {
		outShape = append(outShape, n)
	}
	y, err := newOutput(mm, outShape...)
	if err != nil {
		return nil, err
	}
	if len(y.Data) == 0 || k == 0 {
		// Y is empty, or every element is the empty sum 0.
		return []*Tensor{y}, nil
	}

	if len(bBatch) == 0 {
		// The batches of A are consecutive rows of one matrix with the
		// same layout as Y, so one GEMM covers them all.
		rows := len(y.Data) / n
		kernels.Sgemm(false, false, rows, n, k, 1, a.Data, k, b.Data, n, 0, y.Data, n)
		return []*Tensor{y}, nil
	}

	aOffsets := batchOffsets(aBatch, batch, m*k)
	bOffsets := batchOffsets(bBatch, batch, k*n)
	for i := range aOffsets {
		ai, bi, yi := aOffsets[i], bOffsets[i], i*m*n
		kernels.Sgemm(false, false, m, n, k, 1, a.Data[ai:ai+m*k], k, b.Data[bi:bi+k*n], n, 0, y.Data[yi:yi+m*n], n)
	}
	return []*Tensor{y}, nil
}

// broadcastShapes returns the numpy broadcast of two shapes: aligned from
// the right, each pair of dimensions must be equal or contain a 1, and a
// missing dimension counts as 1.
func broadcastShapes(a, b []int) ([]int, bool) {
	rank := max(len(a), len(b))
	out := make([]int, rank)
	for i := 0; i < rank; i++ {
		da, db := alignedDim(a, rank, i), alignedDim(b, rank, i)
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// alignedDim returns dimension i of shape after padding it on the left
// with 1s to the given rank.
func alignedDim(shape []int, rank, i int) int {
	j := i - (rank - len(shape))
	if j < 0 {
		return 1
	}
	return shape[j]
}

// batchOffsets returns, for each index of the broadcast batch shape in
// row-major order, the offset in elements of the matrix that an operand
// with batch shape operandBatch supplies. Each matrix has matrixSize
// elements, and a batch dimension of 1 repeats its matrix.
func batchOffsets(operandBatch, batch []int, matrixSize int) []int {
	rank := len(batch)
	strides := make([]int, rank)
	stride := matrixSize
	for i := rank - 1; i >= 0; i-- {
		d := alignedDim(operandBatch, rank, i)
		if d != 1 {
			strides[i] = stride
		}
		stride *= d
	}

	count := 1
	for _, d := range batch {
		count *= d
	}
	offsets := make([]int, count)
	index := make([]int, rank)
	offset := 0
	for i := range offsets {
		offsets[i] = offset
		// Advance the multi-index like an odometer, updating the offset.
		for d := rank - 1; d >= 0; d-- {
			index[d]++
			offset += strides[d]
			if index[d] < batch[d] {
				break
			}
			offset -= index[d] * strides[d]
			index[d] = 0
		}
	}
	return offsets
}
