package im2col

import (
	"fmt"
	"math"
)

// Im2col lowers one image of c channels, each h×w, for the convolution p.
// src holds the image in row-major CHW order: element (ci, ih, iw) is
// src[ci*h*w + ih*w + iw].
//
// dst receives a row-major matrix of c*KernelH*KernelW rows and outH*outW
// columns, where outH and outW come from p.OutputSize(h, w). Row
// (ci*KernelH + ki)*KernelW + kj, column oh*outW + ow holds the input under
// kernel tap (ki, kj) of the window at output position (oh, ow):
//
//	src[ci*h*w + ih*w + iw], ih = oh*StrideH - PadTop + ki*DilationH,
//	                         iw = ow*StrideW - PadLeft + kj*DilationW,
//
// or 0 where (ih, iw) lies in the padding. The convolution of the image with
// weights W, a row-major [m][c*KernelH*KernelW] matrix (the ONNX weight
// layout [m][c][KernelH][KernelW]), is then the [m][outH*outW] product W×dst.
//
// Im2col writes every element of the matrix, so dst need not be zeroed, and
// it writes nothing past the matrix. It panics if c is negative, if
// p.OutputSize(h, w) returns an error, or if src or dst is shorter than the
// layout needs. Callers with untrusted shapes check them first.
func Im2col(dst, src []float32, c, h, w int, p Params) {
	outH, outW, err := p.OutputSize(h, w)
	if err != nil {
		panic(err.Error())
	}
	if c < 0 {
		panic(fmt.Sprintf("im2col: negative channel count %d", c))
	}

	planeSize := mustMultiply(h, w)
	cols := mustMultiply(outH, outW)
	rows := mustMultiply(mustMultiply(c, p.KernelH), p.KernelW)
	if len(src) < mustMultiply(c, planeSize) {
		panic(fmt.Sprintf("im2col: source has %d elements, want %d channels of %dx%d", len(src), c, h, w))
	}
	if len(dst) < mustMultiply(rows, cols) {
		panic(fmt.Sprintf("im2col: destination has %d elements, want %d rows of %d columns", len(dst), rows, cols))
	}

	planeRows := p.KernelH * p.KernelW
	for ci := 0; ci < c; ci++ {
		plane := src[ci*planeSize : (ci+1)*planeSize]
		lowerPlane(dst[ci*planeRows*cols:(ci+1)*planeRows*cols], plane, h, w, outH, outW, p)
	}
}

// lowerPlane fills dst, KernelH*KernelW rows of outH*outW columns, with
// the Im2col rows of one channel plane of h×w elements.
func lowerPlane(dst, plane []float32, h, w, outH, outW int, p Params) {
	cols := outH * outW
	row := 0
	for ki := 0; ki < p.KernelH; ki++ {
		for kj := 0; kj < p.KernelW; kj++ {
			tap := tapOffsets{
				row: ki*p.DilationH - p.PadTop,
				col: kj*p.DilationW - p.PadLeft,
			}
			lowerTap(dst[row*cols:(row+1)*cols], plane, h, w, outH, outW, tap, p)
			row++
		}
	}
}

// tapOffsets is the input position that one kernel tap reads for output
// position (0, 0). At output position (oh, ow) the tap reads input
// (oh*StrideH + row, ow*StrideW + col).
type tapOffsets struct {
	row, col int
}

// lowerTap fills dstRow, one row of the Im2col matrix, with the values of
// one kernel tap of one channel plane over all output positions.
func lowerTap(dstRow, plane []float32, h, w, outH, outW int, tap tapOffsets, p Params) {
	owBegin, owEnd := insideRange(tap.col, p.StrideW, w, outW)

	for oh := 0; oh < outH; oh++ {
		out := dstRow[oh*outW : (oh+1)*outW]
		ih := oh*p.StrideH + tap.row
		if ih < 0 || ih >= h {
			clear(out)
			continue
		}
		in := plane[ih*w : (ih+1)*w]

		clear(out[:owBegin])
		if p.StrideW == 1 && owBegin < owEnd {
			// The inside columns read consecutive input elements. An empty
			// range is skipped because its bounds may lie outside in.
			copy(out[owBegin:owEnd], in[owBegin+tap.col:owEnd+tap.col])
		} else {
			for ow := owBegin; ow < owEnd; ow++ {
				out[ow] = in[ow*p.StrideW+tap.col]
			}
		}
		clear(out[owEnd:])
	}
}

// insideRange returns the output positions [begin, end), within [0, outLen),
// whose input position pos*stride + offset lies inside [0, inLen). The
// positions before begin and from end on read padding.
func insideRange(offset, stride, inLen, outLen int) (begin, end int) {
	// The first position with pos*stride + offset >= 0.
	if offset < 0 {
		begin = ceilDiv(-offset, stride)
	}
	// The first position with pos*stride + offset >= inLen.
	if inLen > offset {
		end = ceilDiv(inLen-offset, stride)
	}

	end = min(end, outLen)
	begin = min(begin, end)
	return begin, end
}

// ceilDiv returns ceil(a/b) for a >= 0 and b >= 1 without computing a+b,
// which could overflow.
func ceilDiv(a, b int) int {
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}

// mustMultiply returns a*b for non-negative a and b and panics if the
// product overflows int.
func mustMultiply(a, b int) int {
	if b != 0 && a > math.MaxInt/b {
		panic(fmt.Sprintf("im2col: size %d×%d overflows int", a, b))
	}
	return a * b
}
