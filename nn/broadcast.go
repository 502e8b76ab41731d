package nn

// This file implements numpy's multidirectional broadcasting for the
// elementwise arithmetic layers. Shapes are aligned at their last
// dimension and a missing dimension counts as 1. Each dimension of the
// output is the one dimension of the inputs that is not 1.

// number is an element type that the arithmetic layers compute on.
type number interface {
	~float32 | ~int64
}

// binaryOp selects the arithmetic of broadcastApply.
type binaryOp int

const (
	opAdd binaryOp = iota
	opMul
)

// broadcastShapeInto writes the broadcast of shapes into buf and returns
// it, or reports false when a dimension pair is neither equal nor 1.
func broadcastShapeInto(buf *shapeBuffer, shapes ...[]int) ([]int, bool) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := buf[:0]
	for i := range rank {
		d := 1
		for _, s := range shapes {
			sd := alignedDim(s, rank, i)
			switch {
			case sd == d || sd == 1:
			case d == 1:
				d = sd
			default:
				return nil, false
			}
		}
		out = append(out, d)
	}
	return out, true
}

// broadcastLoop is the iteration of one broadcast operation after
// adjacent dimensions that both inputs step through alike are merged:
// dims are the merged output dimensions and aStrides and bStrides the
// input strides along them, 0 where the input is broadcast.
type broadcastLoop struct {
	dims, aStrides, bStrides []int
}

// newBroadcastLoop returns the loop for an output of shape out computed
// from inputs of shapes a and b, which must broadcast to it. The slices
// live in bufs, so ranks up to 8 need no allocation.
func newBroadcastLoop(bufs *[3]shapeBuffer, out, a, b []int) broadcastLoop {
	rank := len(out)
	aStrides := inputStrides(&bufs[1], a, out)
	bStrides := inputStrides(&bufs[2], b, out)
	l := broadcastLoop{dims: bufs[0][:0], aStrides: aStrides[:0], bStrides: bStrides[:0]}
	for i := range rank {
		d, sa, sb := out[i], aStrides[i], bStrides[i]
		if d == 1 {
			continue
		}
		last := len(l.dims) - 1
		if last >= 0 && l.aStrides[last] == sa*d && l.bStrides[last] == sb*d {
			l.dims[last] *= d
			l.aStrides[last] = sa
			l.bStrides[last] = sb
			continue
		}
		l.dims = append(l.dims, d)
		l.aStrides = append(l.aStrides, sa)
		l.bStrides = append(l.bStrides, sb)
	}
	return l
}

// inputStrides writes into buf the stride of an input of shape in along
// each dimension of out: the element distance between neighbours along
// that dimension, or 0 where the input has size 1 and is broadcast.
func inputStrides(buf *shapeBuffer, in, out []int) []int {
	rank := len(out)
	strides := buf[:0]
	for range rank {
		strides = append(strides, 0)
	}
	stride := 1
	for i := rank - 1; i >= 0; i-- {
		d := alignedDim(in, rank, i)
		if d != 1 {
			strides[i] = stride
		}
		stride *= d
	}
	return strides
}

// broadcastApply computes dst = a op b elementwise, where dst has the
// broadcast shape out and a and b have shapes aShape and bShape. dst may
// be the same slice as a or b when that input has shape out. Other
// overlap gives undefined results.
func broadcastApply[T number](op binaryOp, dst []T, out []int, a []T, aShape []int, b []T, bShape []int) {
	if len(dst) == 0 {
		return
	}
	var bufs [3]shapeBuffer
	l := newBroadcastLoop(&bufs, out, aShape, bShape)
	if len(l.dims) == 0 {
		applyRow(op, dst[:1], a, b, 0, 0)
		return
	}

	inner := len(l.dims) - 1
	n := l.dims[inner]
	sa, sb := l.aStrides[inner], l.bStrides[inner]
	var indexBuf shapeBuffer
	index := indexBuf[:0]
	for range inner {
		index = append(index, 0)
	}

	aOffset, bOffset := 0, 0
	for start := 0; start < len(dst); start += n {
		applyRow(op, dst[start:start+n], a[aOffset:], b[bOffset:], sa, sb)

		// Advance the index over the outer dimensions like an odometer.
		for d := inner - 1; d >= 0; d-- {
			index[d]++
			aOffset += l.aStrides[d]
			bOffset += l.bStrides[d]
			if index[d] < l.dims[d] {
				break
			}
			aOffset -= index[d] * l.aStrides[d]
			bOffset -= index[d] * l.bStrides[d]
			index[d] = 0
		}
	}
}

// applyRow computes dst[i] = a[i*sa] op b[i*sb] for each i, where each
// stride is 0 (a repeated scalar) or 1.
func applyRow[T number](op binaryOp, dst, a, b []T, sa, sb int) {
	n := len(dst)
	switch op {
	case opAdd:
		switch {
		case sa == 1 && sb == 1:
			a, b = a[:n], b[:n]
			for i := range dst {
				dst[i] = a[i] + b[i]
			}
		case sa == 1:
			a, s := a[:n], b[0]
			for i := range dst {
				dst[i] = a[i] + s
			}
		case sb == 1:
			s, b := a[0], b[:n]
			for i := range dst {
				dst[i] = s + b[i]
			}
		default:
			v := a[0] + b[0]
			for i := range dst {
				dst[i] = v
			}
		}
	case opMul:
		switch {
		case sa == 1 && sb == 1:
			a, b = a[:n], b[:n]
			for i := range dst {
				dst[i] = a[i] * b[i]
			}
		case sa == 1:
			a, s := a[:n], b[0]
			for i := range dst {
				dst[i] = a[i] * s
			}
		case sb == 1:
			s, b := a[0], b[:n]
			for i := range dst {
				dst[i] = s * b[i]
			}
		default:
			v := a[0] * b[0]
			for i := range dst {
				dst[i] = v
			}
		}
	}
}
