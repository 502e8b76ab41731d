package nn

import (
	"math"

	"github.com/simdnn/simdnn/im2col"
)

// windowAttrs are the ONNX attributes of a 2-D sliding window, shared by
// Conv and MaxPool, as the importer stores them: an empty slice takes the
// ONNX default.
type windowAttrs struct {
	strides   []int // [sH, sW], default 1
	pads      []int // [hBegin, wBegin, hEnd, wEnd], default 0
	dilations []int // [dH, dW], default 1
	autoPad   string
	ceilMode  bool // MaxPool only
}

// window is a resolved 2-D window: explicit pads, strides and dilations,
// and the output size they give for one input size.
type window struct {
	im2col.Params
	outH, outW int
}

// axisWindow is the window geometry along one spatial axis.
type axisWindow struct {
	kernel, stride, dilation int
	padBegin, padEnd         int
}

// resolveWindow checks the window attributes and computes explicit pads and
// the output size for an h×w input and a kernelH×kernelW kernel.
//
// With auto_pad NOTSET (or empty) the output size along an axis is
//
//	floor((in + padBegin + padEnd - ((kernel-1)*dilation + 1)) / stride) + 1
//
// or the same with ceil in ceil mode, where a last window that would start
// in the end padding is dropped (the ONNX reference implementation,
// onnx/reference/ops/op_pool_common.py, drops it in ceil mode only). VALID
// uses no padding and the floor formula. SAME_UPPER and SAME_LOWER give
// ceil(in / stride) and pad just enough for it, putting an odd unit of
// padding at the end (UPPER) or the beginning (LOWER). Ceil mode affects
// NOTSET only, because the ONNX MaxPool documentation gives the auto_pad
// output sizes without it.
//
// An output size of 0 is valid, because the window then exceeds the padded
// input by less than one stride. A negative output size is an error.
func resolveWindow(l Layer, a windowAttrs, kernelH, kernelW, h, w int) (window, error) {
	if kernelH < 1 || kernelW < 1 {
		return window{}, layerError(l, "kernel %dx%d, want both sizes at least 1", kernelH, kernelW)
	}
	strideH, strideW, err := pairAttribute(l, "strides", a.strides)
	if err != nil {
		return window{}, err
	}
	dilationH, dilationW, err := pairAttribute(l, "dilations", a.dilations)
	if err != nil {
		return window{}, err
	}
	pads, err := padsAttribute(l, a.pads, a.autoPad)
	if err != nil {
		return window{}, err
	}

	axisH := axisWindow{kernel: kernelH, stride: strideH, dilation: dilationH, padBegin: pads[0], padEnd: pads[2]}
	axisW := axisWindow{kernel: kernelW, stride: strideW, dilation: dilationW, padBegin: pads[1], padEnd: pads[3]}
	outH, err := axisH.resolve(l, "height", h, a.autoPad, a.ceilMode)
	if err != nil {
		return window{}, err
	}
	outW, err := axisW.resolve(l, "width", w, a.autoPad, a.ceilMode)
	if err != nil {
		return window{}, err
	}
	if outH < 0 || outW < 0 {
		extentH, _ := axisH.extent()
		extentW, _ := axisW.extent()
		return window{}, layerError(l, "dilated kernel %dx%d larger than padded input %dx%d by more than stride %dx%d",
			extentH, extentW, h+axisH.padBegin+axisH.padEnd, w+axisW.padBegin+axisW.padEnd, strideH, strideW)
	}

	return window{
		Params: im2col.Params{
			KernelH: kernelH, KernelW: kernelW,
			StrideH: strideH, StrideW: strideW,
			PadTop: axisH.padBegin, PadLeft: axisW.padBegin,
			PadBottom: axisH.padEnd, PadRight: axisW.padEnd,
			DilationH: dilationH, DilationW: dilationW,
		},
		outH: outH,
		outW: outW,
	}, nil
}

// pairAttribute returns the two values of strides or dilations, 1 and 1
// when the attribute is empty, after checking that both are at least 1.
func pairAttribute(l Layer, name string, values []int) (int, int, error) {
	if len(values) == 0 {
		return 1, 1, nil
	}
	if len(values) != 2 {
		return 0, 0, layerError(l, "%s %v has %d values, want 2 for 2-D input", name, values, len(values))
	}
	if values[0] < 1 || values[1] < 1 {
		return 0, 0, layerError(l, "%s %v, want values at least 1", name, values)
	}
	return values[0], values[1], nil
}

// padsAttribute returns the explicit pads [hBegin, wBegin, hEnd, wEnd],
// zero when the attribute is empty, and checks auto_pad. Nonzero pads
// together with an auto_pad other than NOTSET are rejected, as ONNX forbids
// using both.
func padsAttribute(l Layer, pads []int, autoPad string) ([4]int, error) {
	var out [4]int
	switch autoPad {
	case "", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return out, layerError(l, "auto_pad %q, want NOTSET, VALID, SAME_UPPER or SAME_LOWER", autoPad)
	}

	if len(pads) == 0 {
		return out, nil
	}
	if len(pads) != 4 {
		return out, layerError(l, "pads %v has %d values, want 4 for 2-D input", pads, len(pads))
	}
	for i, p := range pads {
		if p < 0 {
			return out, layerError(l, "pads %v, want values at least 0", pads)
		}
		out[i] = p
	}
	if autoPad != "" && autoPad != "NOTSET" && out != [4]int{} {
		return out, layerError(l, "pads %v given with auto_pad %s, which ONNX forbids, so remove the pads or set auto_pad to NOTSET", pads, autoPad)
	}
	return out, nil
}

// extent returns the dilated kernel size (kernel-1)*dilation + 1, and false
// if it overflows int.
func (a axisWindow) extent() (int, bool) {
	if a.kernel-1 > (math.MaxInt-1)/a.dilation {
		return 0, false
	}
	return (a.kernel-1)*a.dilation + 1, true
}

// resolve sets the pads that auto_pad implies and returns the output length
// for an input of length in. A negative length means that the window does
// not fit, and an error means that a size overflows int.
func (a *axisWindow) resolve(l Layer, axis string, in int, autoPad string, ceilMode bool) (int, error) {
	extent, ok := a.extent()
	if !ok {
		return 0, layerError(l, "kernel %s %d with dilation %d overflows int", axis, a.kernel, a.dilation)
	}

	if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
		out := ceilDivide(in, a.stride)
		if out == 0 {
			// An empty input gives an empty output and needs no padding.
			a.padBegin, a.padEnd = 0, 0
			return 0, nil
		}
		// (out-1)*stride < in, so only adding extent can overflow.
		reach := (out - 1) * a.stride
		if reach > math.MaxInt-extent {
			return 0, layerError(l, "kernel %s %d with dilation %d overflows int", axis, a.kernel, a.dilation)
		}
		total := max(reach+extent-in, 0)
		a.padBegin, a.padEnd = total/2, total-total/2
		if autoPad == "SAME_LOWER" {
			a.padBegin, a.padEnd = a.padEnd, a.padBegin
		}
		return out, nil
	}

	if a.padBegin > math.MaxInt-in || a.padEnd > math.MaxInt-in-a.padBegin {
		return 0, layerError(l, "input %s %d with pads %d and %d overflows int", axis, in, a.padBegin, a.padEnd)
	}
	// Both terms are non-negative, so the difference cannot overflow.
	span := in + a.padBegin + a.padEnd - extent
	if autoPad == "VALID" || !ceilMode {
		return floorDivide(span, a.stride) + 1, nil
	}

	out := ceilDivide(span, a.stride) + 1
	// Drop a last window that starts in the end padding, that is, at
	// (out-1)*stride >= in + padBegin in padded coordinates. Comparing
	// out-1 with a quotient avoids multiplying.
	if out > 0 && out-1 >= ceilDivide(in+a.padBegin, a.stride) {
		out--
	}
	return out, nil
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
