package nn

// AveragePool is the ONNX AveragePool operator on 1-D, 2-D and 3-D input
// X [N, C, spatial...]. The lists have one value per spatial axis,
// outermost first, and Pads has all begin values followed by all end
// values. Empty Strides, Pads and Dilations take the ONNX defaults 1, 0
// and 1, and the zero values of CeilMode and CountIncludePad are the ONNX
// defaults ceil_mode=0 and count_include_pad=0.
type AveragePool struct {
	NodeName        string
	KernelShape     []int // required
	Strides         []int
	Pads            []int // [x1Begin, x2Begin, ..., x1End, x2End, ...]
	Dilations       []int
	CeilMode        bool
	AutoPad         string // "", "NOTSET", "VALID", "SAME_UPPER" or "SAME_LOWER"
	CountIncludePad bool
}

// Name returns the node name.
func (p AveragePool) Name() string { return p.NodeName }

// OpType returns "AveragePool".
func (p AveragePool) OpType() string { return "AveragePool" }

// Forward returns Y [N, C, out...], the mean of each window of
// X [N, C, spatial...]. The sum is taken in float64 and divided by the
// number of taps that read the input. With CountIncludePad the divisor is
// the number of taps that lie in the input or its padding, explicit or
// implied by auto_pad, so padded taps count as zeros. Taps past the end
// padding, which a last window in ceil mode can reach, never count. A window without any
// counted tap gives 0/0 = NaN. NaN and infinities in a window propagate as
// in a float sum.
func (p AveragePool) Forward(inputs []*Tensor) ([]*Tensor, error) { return forwardPlanned(p, inputs) }

// InferTypes returns the type of Y.
func (p AveragePool) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
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
	return []TensorType{y}, nil
}

// ScratchSize returns the space for one input row of float64 sums.
func (p AveragePool) ScratchSize(inputs []*TensorType) (int, error) {
	x, err := spatialType(p, inputs)
	if err != nil {
		return 0, err
	}
	var buf windowBuffer
	win, err := p.resolve(x.Shape, &buf)
	if err != nil {
		return 0, err
	}
	return averagePoolScratchSize(win), nil
}

// ForwardInto writes Y to outputs[0], which must not share elements with
// X.
func (p AveragePool) ForwardInto(outputs, inputs []*Tensor, scratch []float32) error {
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
	if err := checkOutput(p, outputs, 0, Float32, poolShape(&shapeBuf, x.Shape, win)); err != nil {
		return err
	}
	y := outputs[0].Data
	if len(y) == 0 {
		return nil
	}
	if err := checkScratch(p, scratch, averagePoolScratchSize(win)); err != nil {
		return err
	}

	averagePoolRows(y, x.Data, x.Shape[0]*x.Shape[1], win, p.CountIncludePad, scratch)
	return nil
}

// resolve checks the attributes against X of shape xShape, which has 1 to
// maxSpatialRank spatial axes, and resolves the window into buf.
func (p AveragePool) resolve(xShape []int, buf *windowBuffer) (window, error) {
	in := xShape[2:]
	if err := kernelAttribute(p, p.KernelShape, len(in)); err != nil {
		return window{}, err
	}
	attrs := windowAttrs{strides: p.Strides, pads: p.Pads, dilations: p.Dilations, autoPad: p.AutoPad, ceilMode: p.CeilMode}
	return resolveWindowInto(p, attrs, p.KernelShape, in, buf)
}

// averagePoolScratchSize returns the scratch elements that
// averagePoolRows needs for win: one input row of float64 sums.
func averagePoolScratchSize(win window) int {
	return float64ScratchSize(win.axes[len(win.axes)-1].in)
}

// averagePoolRows averages the windows of win one output row at a time:
// the input rows under the valid outer taps are summed elementwise into a
// float64 row, and each window then sums its valid taps of that row. The
// float64 row lives in scratch, which has averagePoolScratchSize(win)
// elements.
func averagePoolRows(y, x []float32, planes int, win window, countIncludePad bool, scratch []float32) {
	rows := newRowWindows(win)
	last := rows.last
	rowSum := float64Scratch(scratch, last.in)

	for plane := 0; plane < planes; plane++ {
		in := x[plane*rows.inSize : (plane+1)*rows.inSize]
		out := y[plane*rows.outSize : (plane+1)*rows.outSize]

		for r := 0; r < rows.outRows; r++ {
			clear(rowSum)
			validRows := rows.eachInputRow(r, func(offset int) {
				for i, v := range in[offset : offset+last.in] {
					rowSum[i] += float64(v)
				}
			})
			_, _, _, paddedRows := rows.outerTaps(r)

			outRow := out[r*last.out : (r+1)*last.out]
			for o := range outRow {
				begin, end := last.validTaps(o)
				start := last.start(o)
				sum := 0.0
				for k := begin; k < end; k++ {
					sum += rowSum[start+k*last.dilation]
				}

				count := float64(validRows * (end - begin))
				if countIncludePad {
					count = paddedRows * float64(last.paddedTaps(o))
				}
				outRow[o] = float32(sum / count)
			}
		}
	}
}
