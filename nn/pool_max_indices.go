package nn

import "math"

// maxPoolIndices writes the maximum of every window to y, as maxPoolRows
// does, and the position of that maximum to indices. A position is the
// flat index into the whole input X, as the ONNX MaxPool output Indices
// defines it:
//
//	plane*inSize + sum over spatial axes of position*stride
//
// where plane = n*C + c, inSize is the element count of one plane, and the
// strides are row-major, or column-major over the spatial axes when
// columnMajor is set (the plane offset stays row-major in both orders, as
// in the ONNX reference implementation).
//
// Ties go to the first tap in row-major tap order, as in the ONNX
// reference. Because the values follow Go's max, a NaN wins over every
// number (the first NaN is taken) and +0 wins over -0. A window with no
// input tap yields -Inf and index -1.
func maxPoolIndices(y []float32, indices []int64, x []float32, planes int, win window, columnMajor bool) {
	rank := len(win.axes)
	var inBuf, outBuf, inStrideBuf, indexStrideBuf [maxSpatialRank]int
	in := inBuf[:rank]
	inSize, outSize := 1, 1
	for i, a := range win.axes {
		in[i] = a.in
		inSize *= a.in
		outSize *= a.out
	}
	inStrides, indexStrides := inStrideBuf[:rank], indexStrideBuf[:rank]
	spatialStrides(inStrides, in, false)
	spatialStrides(indexStrides, in, columnMajor)
	negInf := float32(math.Inf(-1))

	// out is an odometer over the output positions of one plane.
	out := outBuf[:rank]
	var starts, begins, ends, taps [maxSpatialRank]int

	for plane := 0; plane < planes; plane++ {
		src := x[plane*inSize : (plane+1)*inSize]
		clear(out)
		for o := 0; o < outSize; o++ {
			empty := false
			for i, a := range win.axes {
				starts[i] = a.start(out[i])
				begins[i], ends[i] = a.validTaps(out[i])
				empty = empty || begins[i] == ends[i]
			}

			m, best := negInf, int64(-1)
			if !empty {
				first := true
				taps = begins
				for {
					offset, index := 0, 0
					for i := 0; i < rank; i++ {
						pos := starts[i] + taps[i]*win.axes[i].dilation
						offset += pos * inStrides[i]
						index += pos * indexStrides[i]
					}
					if v := src[offset]; first || beats(v, m) {
						m, best = v, int64(plane*inSize+index)
						first = false
					}
					if !nextTap(taps[:rank], begins[:rank], ends[:rank]) {
						break
					}
				}
			}
			y[plane*outSize+o] = m
			indices[plane*outSize+o] = best

			nextPosition(out, win)
		}
	}
}

// beats reports whether v replaces the running maximum m under Go's max
// semantics: a first NaN, a larger number, or +0 over -0.
func beats(v, m float32) bool {
	switch {
	case m != m:
		return false
	case v != v:
		return true
	case v == 0 && m == 0:
		return math.Signbit(float64(m)) && !math.Signbit(float64(v))
	}
	return v > m
}

// nextTap advances the odometer taps, the last axis fastest, through
// [begins[i], ends[i]) on each axis, and returns false after the last
// combination.
func nextTap(taps, begins, ends []int) bool {
	for i := len(taps) - 1; i >= 0; i-- {
		taps[i]++
		if taps[i] < ends[i] {
			return true
		}
		taps[i] = begins[i]
	}
	return false
}

// nextPosition advances the odometer out through the output positions of
// win in row-major order, wrapping to all zeros after the last one.
func nextPosition(out []int, win window) {
	for i := len(out) - 1; i >= 0; i-- {
		out[i]++
		if out[i] < win.axes[i].out {
			return
		}
		out[i] = 0
	}
}
