package kernels

import (
	"math"
	"math/bits"
)

// directImageB is the im2col matrix of a convolution input read straight
// from the unpadded image, testing each tap against the image bounds. It
// serves geometries whose padded copy (see imageB) would be far larger
// than the image, or too large to size in an int, such as huge strides or
// pads around a small image.
type directImageB struct {
	src []float32
	p   Conv2DParams
}

func (s directImageB) packB(dst []float32, p0, kc, j0, nc int) {
	p := s.p
	plane := p.Height * p.Width

	// Input coordinates of the first tap of each column of one panel.
	var top, left [gemmNR]int
	for r := 0; r*gemmNR < nc; r++ {
		panel := dst[r*kc*gemmNR : (r+1)*kc*gemmNR]
		cols := min(gemmNR, nc-r*gemmNR)
		first := j0 + r*gemmNR
		y, x := first/p.OutW, first%p.OutW
		for t := 0; t < cols; t++ {
			top[t] = y*p.StrideH - p.PadTop
			left[t] = x*p.StrideW - p.PadLeft
			if x++; x == p.OutW {
				x = 0
				y++
			}
		}

		c, i, j := unravelTap(p0, p)
		for q := 0; q < kc; q++ {
			out := panel[q*gemmNR : (q+1)*gemmNR]
			base := c * plane
			dy, dx := i*p.DilationH, j*p.DilationW
			for t := 0; t < cols; t++ {
				iy, ix := top[t]+dy, left[t]+dx
				if iy >= 0 && iy < p.Height && ix >= 0 && ix < p.Width {
					out[t] = s.src[base+iy*p.Width+ix]
				} else {
					out[t] = 0
				}
			}
			clear(out[cols:])

			if j++; j == p.KernelW {
				j = 0
				if i++; i == p.KernelH {
					i = 0
					c++
				}
			}
		}
	}
}

// paddedCopyWorthwhile reports whether the zero-padded copy of imageB suits
// p: its size must fit in an int and stay within a few times the image
// plus what the taps of every output row read, so that padding never costs
// more memory than the convolution itself touches.
func paddedCopyWorthwhile(p Conv2DParams) bool {
	paddedH, ok1 := mulAdd((p.OutH - 1), p.StrideH, (p.KernelH-1)*p.DilationH+1)
	paddedW, ok2 := mulAdd((p.OutW - 1), p.StrideW, (p.KernelW-1)*p.DilationW+1)
	if !ok1 || !ok2 {
		return false
	}
	rowLen := paddedW + p.StrideW // phases round each row up by less than a stride
	size, ok3 := mul3(p.Channels, paddedH, rowLen)
	if !ok3 {
		return false
	}
	image := p.Channels * p.Height * p.Width
	reads := p.Channels * p.OutH * p.KernelH * (p.OutW + p.KernelW)
	return size <= 4*max(image, reads)+1<<16
}

// mulAdd returns a*b + c for non-negative operands, and false on overflow.
func mulAdd(a, b, c int) (int, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	sum, carry := bits.Add64(lo, uint64(c), 0)
	if hi != 0 || carry != 0 || sum > uint64(math.MaxInt) {
		return 0, false
	}
	return int(sum), true
}

// mul3 returns a*b*c for non-negative operands, and false on overflow.
func mul3(a, b, c int) (int, bool) {
	ab, ok := mulAdd(a, b, 0)
	if !ok {
		return 0, false
	}
	return mulAdd(ab, c, 0)
}
