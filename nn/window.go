package nn

import (
	"math"
	"strconv"
	"strings"
)

// maxSpatialRank is the largest number of spatial axes that Conv and the
// windowed pooling layers accept: 1-D, 2-D and 3-D inputs.
const maxSpatialRank = 3

// windowAttrs are the ONNX attributes of a sliding window, shared by Conv
// and the pooling layers, as the importer stores them: an empty slice takes
// the ONNX default. Lists have one value per spatial axis, outermost first.
type windowAttrs struct {
	strides   []int // default 1
	pads      []int // all begin values, then all end values; default 0
	dilations []int // default 1
	autoPad   string
	ceilMode  bool // pooling only
}

// axisWindow is the window geometry along one spatial axis, in input
// elements: the input and output lengths, the kernel, and the explicit
// pads, including those that auto_pad implies.
type axisWindow struct {
	in, out                  int
	kernel, stride, dilation int
	padBegin, padEnd         int
}

// window is a resolved sliding window, one axisWindow per spatial axis,
// outermost first.
type window struct {
	axes []axisWindow
}

// windowBuffer is space for the axes of a window of up to maxSpatialRank
// axes. A window resolved into a local windowBuffer stays on the stack.
type windowBuffer [maxSpatialRank]axisWindow

// resolveWindow checks the window attributes and computes explicit pads
// and the output shape for an input of spatial shape in and a kernel of
// shape kernel, which has the same length. It allocates the axes; see
// resolveWindowInto for the rules and for a variant that does not.
func resolveWindow[L Layer](l L, a windowAttrs, kernel, in []int) (window, error) {
	win := window{axes: make([]axisWindow, len(in))}
	if err := resolveAxes(l, a, kernel, in, win.axes); err != nil {
		return window{}, err
	}
	return win, nil
}

// resolveWindowInto is resolveWindow with the axes stored in buf, so it
// does not allocate unless it returns an error. in has at most
// maxSpatialRank axes.
//
// With auto_pad NOTSET (or empty) the output length along an axis is
//
//	floor((in + padBegin + padEnd - ((kernel-1)*dilation + 1)) / stride) + 1
//
// or the same with ceil in ceil mode, where a last window that would start
// in the end padding is dropped (the ONNX reference implementation,
// onnx/reference/ops/op_pool_common.py, drops it in ceil mode only). VALID
// uses no padding and the floor formula. SAME_UPPER and SAME_LOWER give
// ceil(in / stride) and pad just enough for it, putting an odd unit of
// padding at the end (UPPER) or the beginning (LOWER). Ceil mode affects
// NOTSET only. For VALID, ceil((in - extent + 1) / stride) equals
// floor((in - extent) / stride) + 1 for every integer length, and likewise
// ceil(in / stride) equals floor((in - 1) / stride) + 1 for SAME, so the
// ceil and floor forms of those output lengths agree.
//
// An output length of 0 is valid, because the window then exceeds the
// padded input by less than one stride. A negative output length is an
// error.
func resolveWindowInto[L Layer](l L, a windowAttrs, kernel, in []int, buf *windowBuffer) (window, error) {
	axes := buf[:len(in)]
	if err := resolveAxes(l, a, kernel, in, axes); err != nil {
		return window{}, err
	}
	return window{axes: axes}, nil
}

// resolveAxes implements resolveWindowInto, writing one axisWindow per
// element of in to axes. It allocates only for an error.
func resolveAxes[L Layer](l L, a windowAttrs, kernel, in []int, axes []axisWindow) error {
	rank := len(in)
	for _, k := range kernel {
		if k < 1 {
			return layerError(l, "kernel %s, want every size at least 1", formatSizes(kernel))
		}
	}
	if err := checkAxisAttribute(l, "strides", a.strides, rank); err != nil {
		return err
	}
	if err := checkAxisAttribute(l, "dilations", a.dilations, rank); err != nil {
		return err
	}
	if err := checkPadsAttribute(l, a.pads, a.autoPad, rank); err != nil {
		return err
	}

	negative := false
	for i := range axes {
		axis := &axes[i]
		*axis = axisWindow{
			in: in[i], kernel: kernel[i],
			stride:   attributeAt(a.strides, i, 1),
			dilation: attributeAt(a.dilations, i, 1),
			padBegin: attributeAt(a.pads, i, 0),
			padEnd:   attributeAt(a.pads, rank+i, 0),
		}
		out, err := resolveAxis(l, axis, i, rank, a.autoPad, a.ceilMode)
		if err != nil {
			return err
		}
		axis.out = out
		negative = negative || out < 0
	}
	if negative {
		extents, padded, strides := make([]int, rank), make([]int, rank), make([]int, rank)
		for i, axis := range axes {
			extents[i], _ = axis.extent()
			padded[i] = axis.in + axis.padBegin + axis.padEnd
			strides[i] = axis.stride
		}
		return layerError(l, "dilated kernel %s larger than padded input %s by more than stride %s",
			formatSizes(extents), formatSizes(padded), formatSizes(strides))
	}
	return nil
}

// outShape returns the output length of every spatial axis.
func (w window) outShape() []int {
	out := make([]int, len(w.axes))
	for i, a := range w.axes {
		out[i] = a.out
	}
	return out
}

// unitAxis is the window along an axis of length 1 that a 1-D input gains
// when it runs on a 2-D path: one tap, no padding, one output.
var unitAxis = axisWindow{in: 1, out: 1, kernel: 1, stride: 1, dilation: 1}

// as2D returns a 1-D window as the equivalent 2-D window of height 1, and
// any other window unchanged.
func (w window) as2D() window {
	if len(w.axes) != 1 {
		return w
	}
	return window{axes: []axisWindow{unitAxis, w.axes[0]}}
}

// axisName returns the name of spatial axis i of rank axes in errors:
// width is always the last axis, height and depth come before it.
func axisName(i, rank int) string {
	names := []string{"depth", "height", "width"}
	if j := len(names) - rank + i; rank <= len(names) && j >= 0 {
		return names[j]
	}
	return "axis " + strconv.Itoa(i)
}

// formatSizes writes sizes as "3x3" or "2x3x3", or "[]" when empty.
func formatSizes(sizes []int) string {
	if len(sizes) == 0 {
		return "[]"
	}
	parts := make([]string, len(sizes))
	for i, s := range sizes {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, "x")
}

// checkAxisAttribute checks that strides or dilations, unless empty, has
// one value per spatial axis and that every value is at least 1. An empty
// attribute takes the default 1.
func checkAxisAttribute[L Layer](l L, name string, values []int, rank int) error {
	if len(values) == 0 {
		return nil
	}
	if len(values) != rank {
		return layerError(l, "%s %v has %d values, want %d for %d-D input", name, values, len(values), rank, rank)
	}
	for _, v := range values {
		if v < 1 {
			return layerError(l, "%s %v, want values at least 1", name, values)
		}
	}
	return nil
}

// checkPadsAttribute checks auto_pad and the explicit pads, which are
// empty (all 0) or rank begin values followed by rank end values, each at
// least 0. Nonzero pads together with an auto_pad other than NOTSET are
// rejected, as ONNX forbids using both.
func checkPadsAttribute[L Layer](l L, pads []int, autoPad string, rank int) error {
	switch autoPad {
	case "", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return layerError(l, "auto_pad %q, want NOTSET, VALID, SAME_UPPER or SAME_LOWER", autoPad)
	}

	if len(pads) == 0 {
		return nil
	}
	if len(pads) != 2*rank {
		return layerError(l, "pads %v has %d values, want %d for %d-D input", pads, len(pads), 2*rank, rank)
	}
	nonzero := false
	for _, p := range pads {
		if p < 0 {
			return layerError(l, "pads %v, want values at least 0", pads)
		}
		nonzero = nonzero || p != 0
	}
	if autoPad != "" && autoPad != "NOTSET" && nonzero {
		return layerError(l, "pads %v given with auto_pad %s, which ONNX forbids, so remove the pads or set auto_pad to NOTSET", pads, autoPad)
	}
	return nil
}

// attributeAt returns values[i], or def when the attribute is empty.
func attributeAt(values []int, i, def int) int {
	if len(values) == 0 {
		return def
	}
	return values[i]
}

// kernelAttribute checks the kernel_shape of a pooling layer, which ONNX
// requires, against the spatial rank of its input.
func kernelAttribute[L Layer](l L, kernelShape []int, rank int) error {
	if len(kernelShape) != rank {
		return layerError(l, "kernel_shape %v has %d values, want %d for %d-D input", kernelShape, len(kernelShape), rank, rank)
	}
	return nil
}

// spatialInput returns inputs[i] after checking that it is a valid float32
// tensor [N, C, spatial...] with 1 to maxSpatialRank spatial axes.
func spatialInput[L Layer](l L, inputs []*Tensor, i int, name string) (*Tensor, error) {
	t, err := floatInput(l, inputs, i, name, -1)
	if err != nil {
		return nil, err
	}
	if err := checkSpatialRank(l, t.Shape, name); err != nil {
		return nil, err
	}
	return t, nil
}

// checkSpatialRank returns an error unless shape, of the input named name,
// is [N, C, spatial...] with 1 to maxSpatialRank spatial axes.
func checkSpatialRank[L Layer](l L, shape []int, name string) error {
	if len(shape) < 3 || len(shape) > 2+maxSpatialRank {
		return layerError(l, "%s has rank %d (shape %v), want 3, 4 or 5: N, C and 1 to 3 spatial axes",
			describeInput(name), len(shape), shape)
	}
	return nil
}

// extent returns the dilated kernel size (kernel-1)*dilation + 1, and false
// if it overflows int.
func (a axisWindow) extent() (int, bool) {
	if a.kernel-1 > (math.MaxInt-1)/a.dilation {
		return 0, false
	}
	return (a.kernel-1)*a.dilation + 1, true
}

// resolveAxis sets the pads that auto_pad implies on a, spatial axis i of
// rank axes, and returns the output length for the input length a.in. A
// negative length means that the window does not fit, and an error means
// that a size overflows int.
func resolveAxis[L Layer](l L, a *axisWindow, i, rank int, autoPad string, ceilMode bool) (int, error) {
	extent, ok := a.extent()
	if !ok {
		return 0, layerError(l, "kernel %s %d with dilation %d overflows int", axisName(i, rank), a.kernel, a.dilation)
	}

	if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
		out := ceilDivide(a.in, a.stride)
		if out == 0 {
			// An empty input gives an empty output and needs no padding.
			a.padBegin, a.padEnd = 0, 0
			return 0, nil
		}
		// (out-1)*stride < in, so only adding extent can overflow.
		reach := (out - 1) * a.stride
		if reach > math.MaxInt-extent {
			return 0, layerError(l, "kernel %s %d with dilation %d overflows int", axisName(i, rank), a.kernel, a.dilation)
		}
		total := max(reach+extent-a.in, 0)
		a.padBegin, a.padEnd = total/2, total-total/2
		if autoPad == "SAME_LOWER" {
			a.padBegin, a.padEnd = a.padEnd, a.padBegin
		}
		return out, nil
	}

	if a.padBegin > math.MaxInt-a.in || a.padEnd > math.MaxInt-a.in-a.padBegin {
		return 0, layerError(l, "input %s %d with pads %d and %d overflows int", axisName(i, rank), a.in, a.padBegin, a.padEnd)
	}
	// Both terms are non-negative, so the difference cannot overflow.
	span := a.in + a.padBegin + a.padEnd - extent
	if autoPad == "VALID" || !ceilMode {
		return floorDivide(span, a.stride) + 1, nil
	}

	out := ceilDivide(span, a.stride) + 1
	// Drop a last window that starts in the end padding, that is, at
	// (out-1)*stride >= in + padBegin in padded coordinates. Comparing
	// out-1 with a quotient avoids multiplying.
	if out > 0 && out-1 >= ceilDivide(a.in+a.padBegin, a.stride) {
		out--
	}
	return out, nil
}

// start returns the input position of the first tap of the window at
// output position o, which is negative inside the begin padding. It cannot
// overflow, because every window starts before the end of the padded input.
func (a axisWindow) start(o int) int {
	return o*a.stride - a.padBegin
}

// validTaps returns the kernel taps [begin, end), within [0, kernel), that
// read the input, rather than padding or positions past the padded end, in
// the window at output position o.
func (a axisWindow) validTaps(o int) (begin, end int) {
	return tapsInside(a.start(o), a.dilation, 0, a.in, a.kernel)
}

// paddedTaps returns the number of taps of the window at output position o
// that lie in the input or its explicit padding. In ceil mode a last window
// can reach past the end padding, and those taps are not counted.
func (a axisWindow) paddedTaps(o int) int {
	begin, end := tapsInside(a.start(o), a.dilation, -a.padBegin, a.in+a.padEnd, a.kernel)
	return end - begin
}

// tapsInside returns the kernel taps [begin, end), within [0, kernel),
// whose position start + tap*dilation lies inside [low, high). It divides
// instead of stepping through positions, so no position is computed that
// could overflow int. The differences low-start and high-start are at most
// the padded input length, which resolve has checked.
func tapsInside(start, dilation, low, high, kernel int) (begin, end int) {
	if start < low {
		begin = ceilDivide(low-start, dilation)
	}
	if high > start {
		end = ceilDivide(high-start, dilation)
	}
	end = min(end, kernel)
	begin = min(begin, end)
	return begin, end
}

// floorDivide returns floor(a/b) for b >= 1.
func floorDivide(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// ceilDivide returns ceil(a/b) for b >= 1.
func ceilDivide(a, b int) int {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}

// spatialStrides writes to strides the distance in elements between
// neighbours along each axis of shape: row-major, the last axis
// contiguous, or with columnMajor the first axis contiguous.
func spatialStrides(strides, shape []int, columnMajor bool) {
	step := 1
	if columnMajor {
		for i := range shape {
			strides[i] = step
			step *= shape[i]
		}
		return
	}
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = step
		step *= shape[i]
	}
}

// elementCount returns the product of sizes. Callers pass dimensions of a
// validated tensor or shape, so it cannot overflow.
func elementCount(sizes []int) int {
	p := 1
	for _, s := range sizes {
		p *= s
	}
	return p
}
