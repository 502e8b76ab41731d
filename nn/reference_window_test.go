package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// This file holds naive float64 references for windows of any spatial
// rank. Like the 2-D references, they find the window positions by
// enumeration with windowStarts instead of the formulas in window.go, and
// they visit every tap of every window.

// refAxis is the explicit window geometry along one spatial axis.
type refAxis struct {
	kernel, stride, dilation int
	padBegin, padEnd         int
}

// refAxes returns the geometry of each axis from ONNX attribute lists, with
// the defaults for empty lists. autoPads, when not nil, replaces pads with
// the pads that an auto_pad case implies.
func refAxes(kernel, strides, pads, dilations, autoPads []int) []refAxis {
	rank := len(kernel)
	if autoPads != nil {
		pads = autoPads
	}
	axes := make([]refAxis, rank)
	for i := range axes {
		axes[i] = refAxis{kernel: kernel[i], stride: 1, dilation: 1}
		if len(strides) == rank {
			axes[i].stride = strides[i]
		}
		if len(dilations) == rank {
			axes[i].dilation = dilations[i]
		}
		if len(pads) == 2*rank {
			axes[i].padBegin, axes[i].padEnd = pads[i], pads[rank+i]
		}
	}
	return axes
}

// fits reports whether the output length along every axis is at least 0,
// so that the layer accepts the shape instead of returning an error.
func refFits(in []int, axes []refAxis) bool {
	for i, a := range axes {
		extent := (a.kernel-1)*a.dilation + 1
		if in[i]+a.padBegin+a.padEnd-extent < -a.stride {
			return false
		}
	}
	return true
}

// refPositions returns, for each axis, the start of each window in padded
// coordinates.
func refPositions(in []int, axes []refAxis, ceil bool) [][]int {
	starts := make([][]int, len(axes))
	for i, a := range axes {
		starts[i] = windowStarts(in[i], a.padBegin, a.padEnd, a.kernel, a.stride, a.dilation, ceil)
	}
	return starts
}

// eachIndex calls visit with every index tuple of shape in row-major order,
// once with an empty tuple when shape is empty, and never when a size is 0.
func eachIndex(shape []int, visit func(idx []int)) {
	idx := make([]int, len(shape))
	for _, s := range shape {
		if s == 0 {
			return
		}
	}
	for {
		visit(idx)
		i := len(idx) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// refTap describes one kernel tap of one window: its input position and
// whether it lies in the input and in the input plus explicit padding.
type refTap struct {
	pos              []int
	inside, inPadded bool
}

// eachTap calls visit for every tap, in row-major tap order, of the window
// whose start on each axis, in padded coordinates, is given by starts.
func eachTap(in []int, axes []refAxis, starts []int, visit func(tap refTap)) {
	kernel := make([]int, len(axes))
	for i, a := range axes {
		kernel[i] = a.kernel
	}
	pos := make([]int, len(axes))
	eachIndex(kernel, func(k []int) {
		tap := refTap{pos: pos, inside: true, inPadded: true}
		for i, a := range axes {
			padded := starts[i] + k[i]*a.dilation
			pos[i] = padded - a.padBegin
			tap.inside = tap.inside && pos[i] >= 0 && pos[i] < in[i]
			tap.inPadded = tap.inPadded && padded < in[i]+a.padBegin+a.padEnd
		}
		visit(tap)
	})
}

// flatIndex returns the row-major offset of pos in a tensor of shape.
func flatIndex(pos, shape []int) int {
	offset := 0
	for i := range pos {
		offset = offset*shape[i] + pos[i]
	}
	return offset
}

// positionsAt returns the window starts of output position out.
func positionsAt(starts [][]int, out []int) []int {
	s := make([]int, len(out))
	for i := range out {
		s[i] = starts[i][out[i]]
	}
	return s
}

// windowCounts returns the number of windows along each axis.
func windowCounts(starts [][]int) []int {
	n := make([]int, len(starts))
	for i := range starts {
		n[i] = len(starts[i])
	}
	return n
}

// refConvND returns the convolution of x [N, C, spatial...] with weight
// [M, C/groups, kernel...] and optional bias, in float64, with the
// tolerance of each output element.
func refConvND(x, weight, bias *Tensor, groups int, axes []refAxis) (shape []int, out, tol []float64) {
	n, c, in := x.Shape[0], x.Shape[1], x.Shape[2:]
	m, kernel := weight.Shape[0], weight.Shape[2:]
	cg, mg := c/groups, m/groups
	starts := refPositions(in, axes, false)
	k := cg * elementCount(kernel)

	shape = append([]int{n, m}, windowCounts(starts)...)
	for b := 0; b < n; b++ {
		for oc := 0; oc < m; oc++ {
			g := oc / mg
			eachIndex(windowCounts(starts), func(o []int) {
				sum, absSum := 0.0, 0.0
				if bias != nil {
					sum = float64(bias.Data[oc])
					absSum = math.Abs(sum)
				}
				for ic := 0; ic < cg; ic++ {
					xPlane := x.Data[(b*c+g*cg+ic)*elementCount(in):]
					wPlane := weight.Data[(oc*cg+ic)*elementCount(kernel):]
					tapIndex := 0
					eachTap(in, axes, positionsAt(starts, o), func(tap refTap) {
						if tap.inside {
							v := float64(xPlane[flatIndex(tap.pos, in)]) * float64(wPlane[tapIndex])
							sum += v
							absSum += math.Abs(v)
						}
						tapIndex++
					})
				}
				out = append(out, sum)
				tol = append(tol, dotTolerance(k, absSum))
			})
		}
	}
	return shape, out, tol
}

// refMaxPoolND returns the max pooling of x [N, C, spatial...] in float64
// with Go's max semantics, and the ONNX Indices. An index is the flat
// index of the first tap, in row-major tap order, whose value has the bits
// of the maximum (any NaN for NaN). Its spatial part is column-major when
// columnMajor is set. A window without an input tap gives -Inf and index
// -1.
func refMaxPoolND(x *Tensor, axes []refAxis, ceil, columnMajor bool) (shape []int, out []float64, indices []int64) {
	n, c, in := x.Shape[0], x.Shape[1], x.Shape[2:]
	planeSize := elementCount(in)
	starts := refPositions(in, axes, ceil)

	shape = append([]int{n, c}, windowCounts(starts)...)
	for plane := 0; plane < n*c; plane++ {
		src := x.Data[plane*planeSize : (plane+1)*planeSize]
		eachIndex(windowCounts(starts), func(o []int) {
			s := positionsAt(starts, o)
			m := math.Inf(-1)
			eachTap(in, axes, s, func(tap refTap) {
				if tap.inside {
					m = max(m, float64(src[flatIndex(tap.pos, in)]))
				}
			})

			index := int64(-1)
			eachTap(in, axes, s, func(tap refTap) {
				if !tap.inside || index >= 0 {
					return
				}
				v := src[flatIndex(tap.pos, in)]
				if (math.IsNaN(m) && v != v) || math.Float32bits(v) == math.Float32bits(float32(m)) {
					index = int64(plane*planeSize + spatialIndex(tap.pos, in, columnMajor))
				}
			})
			out = append(out, m)
			indices = append(indices, index)
		})
	}
	return shape, out, indices
}

// spatialIndex returns the flat index of pos in a plane of shape in,
// row-major or with the first axis fastest.
func spatialIndex(pos, in []int, columnMajor bool) int {
	if !columnMajor {
		return flatIndex(pos, in)
	}
	index := 0
	for i := len(pos) - 1; i >= 0; i-- {
		index = index*in[i] + pos[i]
	}
	return index
}

// refAveragePoolND returns the average pooling of x [N, C, spatial...] in
// float64: the sum of the taps inside the input divided by their count, or
// with countIncludePad by the count of taps inside the input or its
// explicit padding. A window with a zero divisor gives NaN.
func refAveragePoolND(x *Tensor, axes []refAxis, ceil, countIncludePad bool) (shape []int, out []float64) {
	n, c, in := x.Shape[0], x.Shape[1], x.Shape[2:]
	planeSize := elementCount(in)
	starts := refPositions(in, axes, ceil)

	shape = append([]int{n, c}, windowCounts(starts)...)
	for plane := 0; plane < n*c; plane++ {
		src := x.Data[plane*planeSize : (plane+1)*planeSize]
		eachIndex(windowCounts(starts), func(o []int) {
			sum, inside, padded := 0.0, 0, 0
			eachTap(in, axes, positionsAt(starts, o), func(tap refTap) {
				if tap.inside {
					sum += float64(src[flatIndex(tap.pos, in)])
					inside++
				}
				if tap.inPadded {
					padded++
				}
			})
			divisor := inside
			if countIncludePad {
				divisor = padded
			}
			out = append(out, sum/float64(divisor))
		})
	}
	return shape, out
}

// averageTolerance allows the float32 rounding of the result and of the
// float64 sum taken in another order.
func averageTolerance(want []float64) []float64 {
	tol := make([]float64, len(want))
	for i, w := range want {
		tol[i] = 1e-7*math.Abs(w) + 1e-12
	}
	return tol
}

// windowCase is a random window over 1 to 3 spatial axes, for Conv and
// the pooling layers.
type windowCase struct {
	name       string
	n, c       int
	in         []int
	kernel     []int
	strides    []int
	pads       []int
	dilations  []int
	ceil       bool
	includePad bool
}

// randomWindowCases returns count random cases of spatial rank rank whose
// output shape is valid, with small sizes, asymmetric pads, pads larger
// than the kernel and sizes that leave partial windows.
func randomWindowCases(rng *rand.Rand, rank, count int) []windowCase {
	var cases []windowCase
	for len(cases) < count {
		tc := windowCase{
			name: fmt.Sprintf("%d-D random %d", rank, len(cases)),
			n:    1 + rng.IntN(2), c: 1 + rng.IntN(3),
			in: make([]int, rank), kernel: make([]int, rank), strides: make([]int, rank),
			pads: make([]int, 2*rank), dilations: make([]int, rank),
			ceil: rng.IntN(2) == 0, includePad: rng.IntN(2) == 0,
		}
		for i := 0; i < rank; i++ {
			tc.in[i] = 1 + rng.IntN(7)
			tc.kernel[i] = 1 + rng.IntN(3)
			tc.strides[i] = 1 + rng.IntN(3)
			tc.dilations[i] = 1 + rng.IntN(2)
			tc.pads[i], tc.pads[rank+i] = rng.IntN(3), rng.IntN(3)
		}
		if !refFits(tc.in, tc.axes()) {
			continue
		}
		cases = append(cases, tc)
	}
	return cases
}

func (tc windowCase) axes() []refAxis {
	return refAxes(tc.kernel, tc.strides, tc.pads, tc.dilations, nil)
}

func (tc windowCase) inputShape() []int {
	return append([]int{tc.n, tc.c}, tc.in...)
}
