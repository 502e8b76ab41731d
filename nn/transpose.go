package nn

import "slices"

// Transpose is the ONNX Transpose operator: output dimension i is input
// dimension Perm[i]. A nil Perm reverses the dimensions, the ONNX
// default.
type Transpose struct {
	NodeName string
	Perm     []int
}

// Name returns the node name.
func (t Transpose) Name() string { return t.NodeName }

// OpType returns "Transpose".
func (t Transpose) OpType() string { return "Transpose" }

// Forward returns the transposed input in a new tensor.
func (t Transpose) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(t, inputs) }

// InferTypes checks Perm against the input rank and returns the permuted
// shape.
func (t Transpose) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	if err := checkTypeCount(t, inputs, 1, 1); err != nil {
		return nil, err
	}
	x := inputs[0]
	if x.DType != Float32 && x.DType != Int64 {
		return nil, layerError(t, "input has element type %v, want float32 or int64", x.DType)
	}
	var buf shapeBuffer
	out, err := t.outputShape(&buf, x.Shape)
	if err != nil {
		return nil, err
	}
	return []TensorType{{DType: x.DType, Shape: slices.Clone(out)}}, nil
}

// outputShape checks Perm and writes the permuted shape into buf.
func (t Transpose) outputShape(buf *shapeBuffer, in []int) ([]int, error) {
	rank := len(in)
	if t.Perm != nil && len(t.Perm) != rank {
		return nil, layerError(t, "perm %v has %d values, want %d for input of shape %v", t.Perm, len(t.Perm), rank, slices.Clone(in))
	}
	out := buf[:0]
	var seenBuf [64]bool
	var seen []bool
	if rank <= len(seenBuf) {
		seen = seenBuf[:rank]
	} else {
		seen = make([]bool, rank)
	}
	for i := range rank {
		p := t.axis(rank, i)
		if p < 0 || p >= rank || seen[p] {
			return nil, layerError(t, "perm %v is not a permutation of the %d input dimensions", t.Perm, rank)
		}
		seen[p] = true
		out = append(out, in[p])
	}
	return out, nil
}

// axis returns the input dimension that output dimension i takes.
func (t Transpose) axis(rank, i int) int {
	if t.Perm == nil {
		return rank - 1 - i
	}
	return t.Perm[i]
}

// ForwardInto writes the transposed input to outputs[0], which must not
// share elements with the input.
func (t Transpose) ForwardInto(outputs, inputs []*Tensor, _ []float32) error {
	if err := checkInputCount(t, inputs, 1, 1); err != nil {
		return err
	}
	x := inputs[0]
	if err := checkTensor(t, x, ""); err != nil {
		return err
	}
	var buf shapeBuffer
	out, err := t.outputShape(&buf, x.Shape)
	if err != nil {
		return err
	}
	if err := checkOutput(t, outputs, 0, x.DType, out); err != nil {
		return err
	}

	var strideBuf shapeBuffer
	strides := t.inputStrides(&strideBuf, x.Shape)
	y := outputs[0]
	if x.DType == Int64 {
		permute(y.Int64, x.Int64, out, strides)
	} else {
		permute(y.Data, x.Data, out, strides)
	}
	return nil
}

// inputStrides writes into buf, for each output dimension, the distance
// in the input between neighbours along it.
func (t Transpose) inputStrides(buf *shapeBuffer, in []int) []int {
	rank := len(in)
	var rowMajorBuf shapeBuffer
	rowMajor := rowMajorBuf[:0]
	for range rank {
		rowMajor = append(rowMajor, 0)
	}
	stride := 1
	for i := rank - 1; i >= 0; i-- {
		rowMajor[i] = stride
		stride *= in[i]
	}
	strides := buf[:0]
	for i := range rank {
		strides = append(strides, rowMajor[t.axis(rank, i)])
	}
	return strides
}

// permute copies src into dst in the order of dst's dimensions dims, where
// strides gives src's stride along each. The innermost dimension is copied
// as a block when its stride is 1.
func permute[T number](dst, src []T, dims, strides []int) {
	if len(dst) == 0 {
		return
	}
	rank := len(dims)
	if rank == 0 {
		dst[0] = src[0]
		return
	}
	inner := rank - 1
	n, step := dims[inner], strides[inner]
	var indexBuf shapeBuffer
	index := indexBuf[:0]
	for range inner {
		index = append(index, 0)
	}

	offset := 0
	for start := 0; start < len(dst); start += n {
		row := dst[start : start+n]
		if step == 1 {
			copy(row, src[offset:offset+n])
		} else {
			for i := range row {
				row[i] = src[offset+i*step]
			}
		}
		for d := inner - 1; d >= 0; d-- {
			index[d]++
			offset += strides[d]
			if index[d] < dims[d] {
				break
			}
			offset -= index[d] * strides[d]
			index[d] = 0
		}
	}
}
