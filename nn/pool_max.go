package nn

import (
	"math"

	"github.com/simdnn/simdnn/kernels"
)

// MaxPool is the ONNX MaxPool operator on 1-D, 2-D and 3-D input
// X [N, C, spatial...]. The lists have one value per spatial axis,
// outermost first, and Pads has all begin values followed by all end
// values. Empty Strides, Pads and Dilations take the ONNX defaults 1, 0
// and 1.
type MaxPool struct {
	NodeName    string
	KernelShape []int // required
	Strides     []int
	Pads        []int // [x1Begin, x2Begin, ..., x1End, x2End, ...]
	Dilations   []int
	CeilMode    bool
	AutoPad     string // "", "NOTSET", "VALID", "SAME_UPPER" or "SAME_LOWER"
	// StorageOrder is the ONNX storage_order of Indices: 0 for row-major,
	// 1 for column-major spatial order.
	StorageOrder int
	// OutputIndices makes Forward also return the optional second output
	// Indices, at the cost of a slower scalar path. Set it when the node's
	// second output is used.
	OutputIndices bool
}

// Name returns the node name.
func (p MaxPool) Name() string { return p.NodeName }

// OpType returns "MaxPool".
func (p MaxPool) OpType() string { return "MaxPool" }

// Forward returns Y [N, C, out...], the maximum of each window of
// X [N, C, spatial...], and with OutputIndices also Indices, an int64
// tensor of Y's shape (see maxPoolIndices). Padded taps are ignored rather
// than read as 0. A window that covers no input element, because it lies
// in the padding or its dilated taps step over the input, yields -Inf.
// NaN in a window propagates to its output, and +0 beats -0, as with Go's
// built-in max.
func (p MaxPool) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(p, inputs) }

// InferTypes returns the types of Y and, with OutputIndices, of Indices.
func (p MaxPool) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	x, err := spatialType(p, inputs)
	if err != nil {
		return nil, err
	}
	var buf windowBuffer
	win, err := p.resolve(x.Shape, &buf)
	if err != nil {
		return nil, err
	}
	y, err := poolOutputType(p, x.Shape, win)
	if err != nil {
		return nil, err
	}
	if !p.OutputIndices {
		return []TensorType{y}, nil
	}
	return []TensorType{y, {DType: Int64, Shape: y.Shape}}, nil
}

// ScratchSize returns the space for one row of partial maxima and the
// buffers of rowPooler, or for one row of vertical maxima on the 2×2
// stride-2 path. The 3×3 stride-2 path and the path with Indices need
// none.
func (p MaxPool) ScratchSize(inputs []*TensorType) (int, error) {
	x, err := spatialType(p, inputs)
	if err != nil {
		return 0, err
	}
	var buf windowBuffer
	win, err := p.resolve(x.Shape, &buf)
	if err != nil {
		return 0, err
	}
	if p.OutputIndices {
		return 0, nil
	}
	return maxPoolScratchSize(p, win)
}

// ForwardInto writes Y to outputs[0] and, with OutputIndices, Indices to
// outputs[1]. Neither may share elements with X.
func (p MaxPool) ForwardInto(outputs, inputs []*Tensor, scratch []float32) error {
	if err := checkInputCount(p, inputs, 1, 1); err != nil {
		return err
	}
	x, err := spatialInput(p, inputs, 0, "X")
	if err != nil {
		return err
	}
	var winBuf windowBuffer
	win, err := p.resolve(x.Shape, &winBuf)
	if err != nil {
		return err
	}
	var shapeBuf shapeBuffer
	shape := poolShape(&shapeBuf, x.Shape, win)
	if err := checkOutput(p, outputs, 0, Float32, shape); err != nil {
		return err
	}
	y := outputs[0].Data
	planes := x.Shape[0] * x.Shape[1]

	if p.OutputIndices {
		if err := checkOutput(p, outputs, 1, Int64, shape); err != nil {
			return err
		}
		maxPoolIndices(y, outputs[1].Int64, x.Data, planes, win, p.StorageOrder == 1)
		return nil
	}

	if len(y) == 0 {
		return nil
	}
	need, err := maxPoolScratchSize(p, win)
	if err != nil {
		return err
	}
	if err := checkScratch(p, scratch, need); err != nil {
		return err
	}
	switch {
	case isPool2x2Stride2(win):
		h, w := win.axes[0].in, win.axes[1].in
		kernels.MaxPool2x2Stride2Planes(y, x.Data, planes, h, w, win.axes[0].out, win.axes[1].out)
	case isPool3x3Stride2(win):
		maxPool3x3Stride2(y, x.Data, planes, win)
	default:
		maxPoolRows(y, x.Data, planes, win, scratch)
	}
	return nil
}

// resolve checks the attributes against X of shape xShape, which has 1 to
// maxSpatialRank spatial axes, and resolves the window into buf.
func (p MaxPool) resolve(xShape []int, buf *windowBuffer) (window, error) {
	in := xShape[2:]
	if err := kernelAttribute(p, p.KernelShape, len(in)); err != nil {
		return window{}, err
	}
	if p.StorageOrder != 0 && p.StorageOrder != 1 {
		return window{}, layerError(p, "storage_order %d, want 0 (row major) or 1 (column major)", p.StorageOrder)
	}
	attrs := windowAttrs{strides: p.Strides, pads: p.Pads, dilations: p.Dilations, autoPad: p.AutoPad, ceilMode: p.CeilMode}
	return resolveWindowInto(p, attrs, p.KernelShape, in, buf)
}

// maxPoolScratchSize returns the scratch elements that the path without
// Indices needs for win. An empty output and the 2×2 and 3×3 stride-2
// paths, which borrow their buffers in package kernels, need none. Other
// windows need one input row of partial maxima and the buffers of a
// rowPooler for the last axis.
func maxPoolScratchSize[L Layer](l L, win window) (int, error) {
	for _, a := range win.axes {
		if a.out == 0 {
			return 0, nil
		}
	}
	if isPool2x2Stride2(win) || isPool3x3Stride2(win) {
		return 0, nil
	}
	last := win.axes[len(win.axes)-1]
	padded, windows, ok := rowPoolerSizes(last)
	if ok && !rowPoolerVector(last, padded, windows) {
		return last.in, nil
	}
	if !ok || last.in > maxElements-padded-windows {
		return 0, layerError(l, "scratch for a window of %d taps with dilation %d over a row of %d with pads %d and %d is too large",
			last.kernel, last.dilation, last.in, last.padBegin, last.padEnd)
	}
	return last.in + padded + windows, nil
}

// isPool2x2Stride2 reports whether win is 2-D and every window is a 2×2
// block of the input at an even position: kernel 2×2, stride 2, no
// padding, no dilation, and no partial window at the end, which ceil mode
// can add.
func isPool2x2Stride2(win window) bool {
	if len(win.axes) != 2 {
		return false
	}
	for _, a := range win.axes {
		if a.kernel != 2 || a.stride != 2 || a.dilation != 1 || a.padBegin != 0 || a.padEnd != 0 || 2*a.out > a.in {
			return false
		}
	}
	return true
}

// isPool3x3Stride2 reports whether kernels.MaxPool3x3Stride2 computes
// win: 2-D, kernel 3×3, stride 2, no dilation, the same padding of 0 or 1
// before the input on both axes, and an input row and column in every
// window. The end padding may be anything, because the kernel compares
// only the taps inside the input. ResNet's stem pool has pads 1, and
// SqueezeNet's pools have pads 0 with ceil mode, which can add a last
// window that reaches past the input.
func isPool3x3Stride2(win window) bool {
	if len(win.axes) != 2 || win.axes[0].padBegin != win.axes[1].padBegin {
		return false
	}
	for _, a := range win.axes {
		pad := a.padBegin
		if a.kernel != 3 || a.stride != 2 || a.dilation != 1 || (pad != 0 && pad != 1) || a.in < 1 || a.out > (a.in-1+pad)/2+1 {
			return false
		}
	}
	return true
}

// maxPool3x3Stride2 pools each plane with kernels.MaxPool3x3Stride2Planes,
// in parallel for large layers, for a window that isPool3x3Stride2
// accepts.
func maxPool3x3Stride2(y, x []float32, planes int, win window) {
	h, w := win.axes[0].in, win.axes[1].in
	outH, outW := win.axes[0].out, win.axes[1].out
	pad := win.axes[0].padBegin
	kernels.MaxPool3x3Stride2Planes(y, x, planes, h, w, outH, outW, pad)
}

// maxPoolRows pools any window of any spatial rank. The last axis is the
// row. For each output row it takes the elementwise maximum, with
// MaxRows, of the input rows under the valid taps of the outer axes, then
// pools that row with a rowPooler. scratch has the maxPoolScratchSize
// elements that win needs.
func maxPoolRows(y, x []float32, planes int, win window, scratch []float32) {
	rows := newRowWindows(win)
	rowMax := scratch[:rows.last.in]
	h := newRowPooler(rows.last, scratch[rows.last.in:])
	negInf := float32(math.Inf(-1))

	for plane := 0; plane < planes; plane++ {
		in := x[plane*rows.inSize : (plane+1)*rows.inSize]
		out := y[plane*rows.outSize : (plane+1)*rows.outSize]

		for r := 0; r < rows.outRows; r++ {
			outRow := out[r*rows.last.out : (r+1)*rows.last.out]
			first := true
			rows.eachInputRow(r, func(offset int) {
				row := in[offset : offset+rows.last.in]
				if first {
					copy(rowMax, row)
					first = false
					return
				}
				kernels.MaxRows(rowMax, rowMax, row)
			})
			if first {
				// No outer tap reads the input.
				for i := range outRow {
					outRow[i] = negInf
				}
				continue
			}
			h.pool(outRow, rowMax)
		}
	}
}

// rowPooler takes the maximum of every window of one axis along a row, as
// vector operations: the row is copied between -Inf borders (padded taps
// never win, and a window of padding alone gives -Inf), the maximum over
// each window start is built from kernel-1 MaxRows calls on shifted views,
// and the outputs are picked from it at the stride.
type rowPooler struct {
	a       axisWindow
	padded  []float32 // -Inf, the row, -Inf
	windows []float32 // windows[i] = max of padded[i + t*dilation], t < kernel
}

// newRowPooler returns a rowPooler for axis a, whose output length is at
// least 1, with its buffers at the start of scratch.
func newRowPooler(a axisWindow, scratch []float32) rowPooler {
	padded, windows, _ := rowPoolerSizes(a)
	if !rowPoolerVector(a, padded, windows) {
		return rowPooler{a: a}
	}
	h := rowPooler{
		a:       a,
		padded:  scratch[:padded],
		windows: scratch[padded : padded+windows],
	}
	// The borders stay -Inf: pool overwrites only the row's own span.
	negInf := float32(math.Inf(-1))
	for i := range h.padded {
		h.padded[i] = negInf
	}
	return h
}

// rowPoolerSizes returns the lengths of the padded row and of the window
// maxima of a rowPooler for axis a, whose output length is at least 1, or
// false if they exceed maxElements.
func rowPoolerSizes(a axisWindow) (padded, windows int, ok bool) {
	// Every window starts inside the padded input, whose length resolve
	// has checked to fit in int, so reach does not overflow.
	reach := (a.out - 1) * a.stride
	extent, _ := a.extent()
	if reach > maxElements-extent {
		return 0, 0, false
	}
	// Every tap of every window lies in [0, padded) of the padded row.
	padded = max(reach+extent, a.padBegin+a.in)
	windows = reach + 1
	if padded > maxElements || windows > maxElements-padded {
		return 0, 0, false
	}
	return padded, windows, true
}

// rowPoolerVector reports whether the vector buffers of a rowPooler for a
// suit it: they grow with the pads and strides, so for a window far apart
// from its neighbours (huge strides or pads around a short row) they would
// dwarf the row and the output, and the pooler then visits the valid taps
// of each window one by one instead.
func rowPoolerVector(a axisWindow, padded, windows int) bool {
	return padded+windows <= 4*(a.in+a.out*a.kernel)+4096
}

// pool writes the maximum of each window of row into out.
func (h *rowPooler) pool(out, row []float32) {
	a := h.a
	negInf := float32(math.Inf(-1))
	if h.padded == nil {
		// Far-apart windows: visit each window's valid taps.
		for o := range out {
			begin, end := a.validTaps(o)
			start := a.start(o)
			m := negInf
			for k := begin; k < end; k++ {
				m = max(m, row[start+k*a.dilation])
			}
			out[o] = m
		}
		return
	}
	// A negative padBegin cannot occur, but the row may reach past the
	// span when the last windows do not cover its end.
	n := min(len(row), len(h.padded)-a.padBegin)
	copy(h.padded[a.padBegin:], row[:n])

	m := len(h.windows)
	copy(h.windows, h.padded[:m])
	for t := 1; t < a.kernel; t++ {
		kernels.MaxRows(h.windows, h.windows, h.padded[t*a.dilation:t*a.dilation+m])
	}
	for o := range out {
		out[o] = h.windows[o*a.stride]
	}
}
