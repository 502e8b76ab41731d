package nn

import (
	"math"

	"github.com/simdnn/simdnn/kernels"
)

// MaxPool is the ONNX MaxPool operator on NCHW input. Padded positions
// never win the maximum. Only the first output (Y) is produced.
type MaxPool struct {
	NodeName     string
	KernelShape  []int // [kH, kW], required
	Strides      []int
	Pads         []int // [hBegin, wBegin, hEnd, wEnd]
	Dilations    []int
	CeilMode     bool
	AutoPad      string
	StorageOrder int
}

// Name returns the node name.
func (p MaxPool) Name() string { return p.NodeName }

// OpType returns "MaxPool".
func (p MaxPool) OpType() string { return "MaxPool" }

// Forward returns Y [N, C, outH, outW], the maximum of each window of
// X [N, C, H, W]. Padded taps are ignored rather than read as 0. A window
// that covers no input element, because it lies in the padding or its
// dilated taps step over the input, yields -Inf. NaN in a window propagates
// to its output, as with Go's built-in max.
func (p MaxPool) Forward(inputs []*Tensor) ([]*Tensor, error) {
	if err := checkInputCount(p, inputs, 1, 1); err != nil {
		return nil, err
	}
	x, err := floatInput(p, inputs, 0, "X", 4)
	if err != nil {
		return nil, err
	}
	if len(p.KernelShape) != 2 {
		return nil, layerError(p, "kernel_shape %v has %d values, want 2 for 2-D input", p.KernelShape, len(p.KernelShape))
	}
	if p.StorageOrder != 0 && p.StorageOrder != 1 {
		return nil, layerError(p, "storage_order %d, want 0 (row major) or 1 (column major)", p.StorageOrder)
	}

	batch, channels, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	attrs := windowAttrs{strides: p.Strides, pads: p.Pads, dilations: p.Dilations, autoPad: p.AutoPad, ceilMode: p.CeilMode}
	win, err := resolveWindow(p, attrs, p.KernelShape[0], p.KernelShape[1], h, w)
	if err != nil {
		return nil, err
	}
	y, err := newOutput(p, batch, channels, win.outH, win.outW)
	if err != nil {
		return nil, err
	}
	if len(y.Data) == 0 {
		return []*Tensor{y}, nil
	}

	planes := batch * channels
	if isPool2x2Stride2(win, h, w) {
		maxPool2x2Stride2(y.Data, x.Data, planes, h, w, win.outH, win.outW)
	} else {
		maxPoolGeneral(y.Data, x.Data, planes, h, w, win)
	}
	return []*Tensor{y}, nil
}

// isPool2x2Stride2 reports whether every window is a 2×2 block of the
// input at an even position: kernel 2×2, stride 2, no padding, no dilation,
// and no partial window at the end, which ceil mode can add.
func isPool2x2Stride2(win window, h, w int) bool {
	q := win.Params
	return q.KernelH == 2 && q.KernelW == 2 && q.StrideH == 2 && q.StrideW == 2 &&
		q.DilationH == 1 && q.DilationW == 1 &&
		q.PadTop == 0 && q.PadLeft == 0 && q.PadBottom == 0 && q.PadRight == 0 &&
		2*win.outH <= h && 2*win.outW <= w
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

// maxPoolGeneral pools any window. For each output row it takes the
// elementwise maximum of the input rows under the window's valid taps,
// then the maximum of each window's valid columns of that row.
func maxPoolGeneral(y, x []float32, planes, h, w int, win window) {
	q := win.Params
	rowMax := make([]float32, w)
	negInf := float32(math.Inf(-1))

	for plane := 0; plane < planes; plane++ {
		in := x[plane*h*w : (plane+1)*h*w]
		out := y[plane*win.outH*win.outW : (plane+1)*win.outH*win.outW]

		for oh := 0; oh < win.outH; oh++ {
			outRow := out[oh*win.outW : (oh+1)*win.outW]
			ihStart := oh*q.StrideH - q.PadTop
			kiBegin, kiEnd := validTaps(ihStart, q.DilationH, h, q.KernelH)
			if kiBegin == kiEnd {
				for i := range outRow {
					outRow[i] = negInf
				}
				continue
			}

			ih := ihStart + kiBegin*q.DilationH
			copy(rowMax, in[ih*w:(ih+1)*w])
			for ki := kiBegin + 1; ki < kiEnd; ki++ {
				ih := ihStart + ki*q.DilationH
				kernels.MaxRows(rowMax, rowMax, in[ih*w:(ih+1)*w])
			}

			for ow := range outRow {
				iwStart := ow*q.StrideW - q.PadLeft
				kjBegin, kjEnd := validTaps(iwStart, q.DilationW, w, q.KernelW)
				m := negInf
				for kj := kjBegin; kj < kjEnd; kj++ {
					m = max(m, rowMax[iwStart+kj*q.DilationW])
				}
				outRow[ow] = m
			}
		}
	}
}

// validTaps returns the kernel taps [begin, end), within [0, kernel), whose
// input position start + tap*dilation lies inside [0, inLen). It divides
// instead of stepping through positions, so no position is computed that
// could overflow int.
func validTaps(start, dilation, inLen, kernel int) (begin, end int) {
	if start < 0 {
		begin = ceilDivide(-start, dilation)
	}
	if inLen > start {
		end = ceilDivide(inLen-start, dilation)
	}
	end = min(end, kernel)
	begin = min(begin, end)
	return begin, end
}
