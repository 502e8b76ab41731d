package nn

// rowWindows walks a pooling window over one channel plane of any spatial
// rank one output row at a time. The last spatial axis is the row, and an
// output row is selected by its positions along the outer axes, which
// rowWindows numbers in row-major order.
type rowWindows struct {
	outer []axisWindow // the spatial axes before the last, at most maxSpatialRank-1
	last  axisWindow

	// inStrides[i] is the element distance between input rows that are
	// neighbours along outer axis i.
	inStrides [maxSpatialRank - 1]int

	inSize, outSize int // elements of one input and one output plane
	outRows         int // output rows per plane
}

// newRowWindows splits win into its outer axes and its last axis.
func newRowWindows(win window) rowWindows {
	rank := len(win.axes)
	r := rowWindows{outer: win.axes[:rank-1], last: win.axes[rank-1]}
	r.inSize, r.outSize, r.outRows = r.last.in, r.last.out, 1
	for i := len(r.outer) - 1; i >= 0; i-- {
		r.inStrides[i] = r.inSize
		r.inSize *= r.outer[i].in
		r.outSize *= r.outer[i].out
		r.outRows *= r.outer[i].out
	}
	return r
}

// outerTaps returns, for each outer axis, the window start and the valid
// tap range [begin, end) of output row row, and the number of outer taps
// that lie in the input or its explicit padding. That number is a float64
// because kernels and pads far larger than the input could overflow int.
func (r rowWindows) outerTaps(row int) (starts, begins, ends [maxSpatialRank]int, padded float64) {
	padded = 1
	for i := len(r.outer) - 1; i >= 0; i-- {
		a := r.outer[i]
		o := row % a.out
		row /= a.out
		starts[i] = a.start(o)
		begins[i], ends[i] = a.validTaps(o)
		padded *= float64(a.paddedTaps(o))
	}
	return starts, begins, ends, padded
}

// eachInputRow calls visit with the offset, within a plane, of every input
// row under the valid outer taps of output row row, and returns the
// number of rows visited. A window with no valid outer tap visits none.
func (r rowWindows) eachInputRow(row int, visit func(offset int)) int {
	starts, begins, ends, _ := r.outerTaps(row)
	n := len(r.outer)
	for i := 0; i < n; i++ {
		if begins[i] == ends[i] {
			return 0
		}
	}

	taps := begins
	visited := 0
	for {
		offset := 0
		for i := 0; i < n; i++ {
			offset += (starts[i] + taps[i]*r.outer[i].dilation) * r.inStrides[i]
		}
		visit(offset)
		visited++
		if !nextTap(taps[:n], begins[:n], ends[:n]) {
			return visited
		}
	}
}
