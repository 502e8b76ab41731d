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
func (p MaxPool) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(p, inputs, 1, 1); err != nil {
		return nil, err
	}
	x, err := spatialInput(p, inputs, 0, "X")
	if err != nil {
		return nil, err
	}
	in := x.Shape[2:]
	if err := kernelAttribute(p, p.KernelShape, len(in)); err != nil {
		return nil, err
	}
	if p.StorageOrder != 0 && p.StorageOrder != 1 {
		return nil, layerError(p, "storage_order %d, want 0 (row major) or 1 (column major)", p.StorageOrder)
	}

	attrs := windowAttrs{strides: p.Strides, pads: p.Pads, dilations: p.Dilations, autoPad: p.AutoPad, ceilMode: p.CeilMode}
	win, err := resolveWindow(p, attrs, p.KernelShape, in)
	if err != nil {
		return nil, err
	}
	outShape := append([]int{x.Shape[0], x.Shape[1]}, win.outShape()...)
	y, err := newOutput(p, outShape...)
	if err != nil {
		return nil, err
	}
	planes := x.Shape[0] * x.Shape[1]

	if p.OutputIndices {
		indices, err := newInt64Output(p, outShape)
		if err != nil {
			return nil, err
		}
		maxPoolIndices(y.Data, indices.Int64, x.Data, planes, win, p.StorageOrder == 1)
		return []*Tensor{y, indices}, nil
	}

	if len(y.Data) == 0 {
		return []*Tensor{y}, nil
	}
	if isPool2x2Stride2(win) {
		h, w := win.axes[0].in, win.axes[1].in
		maxPool2x2Stride2(y.Data, x.Data, planes, h, w, win.axes[0].out, win.axes[1].out)
	} else {
		maxPoolRows(y.Data, x.Data, planes, win)
	}
	return []*Tensor{y}, nil
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

// maxPool2x2Stride2 pools each pair of input rows into one output row: the
// vertical maximum goes to a scratch row, whose adjacent pairs give the
// output.
func maxPool2x2Stride2(y, x []float32, planes, h, w, outH, outW int) {
	scratch := make([]float32, 2*outW)
	for plane := 0; plane < planes; plane++ {
		in := x[plane*h*w : (plane+1)*h*w]
		out := y[plane*outH*outW : (plane+1)*outH*outW]
		for oh := 0; oh < outH; oh++ {
			top := in[2*oh*w : 2*oh*w+2*outW]
			bottom := in[(2*oh+1)*w : (2*oh+1)*w+2*outW]
			kernels.MaxRows(scratch, top, bottom)
			kernels.MaxPairs(out[oh*outW:(oh+1)*outW], scratch)
		}
	}
}

// maxPoolRows pools any window of any spatial rank. The last axis is the
// row. For each output row it takes the elementwise maximum, with
// MaxRows, of the input rows under the valid taps of the outer axes, then
// pools that row with maxPoolRow.
func maxPoolRows(y, x []float32, planes int, win window) {
	rows := newRowWindows(win)
	rowMax := make([]float32, rows.last.in)
	h := newRowPooler(rows.last)
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

func newRowPooler(a axisWindow) *rowPooler {
	// Every tap of every window lies in [0, span) of the padded row.
	span := (a.out-1)*a.stride + (a.kernel-1)*a.dilation + 1
	span = max(span, a.padBegin+a.in)
	return &rowPooler{
		a:       a,
		padded:  make([]float32, span),
		windows: make([]float32, (a.out-1)*a.stride+1),
	}
}

// pool writes the maximum of each window of row into out.
func (h *rowPooler) pool(out, row []float32) {
	a := h.a
	negInf := float32(math.Inf(-1))
	for i := range h.padded {
		h.padded[i] = negInf
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
