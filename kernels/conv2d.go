package kernels

import "fmt"

// Conv2DParams is the geometry of a 2-D convolution of one image (one
// group of channels) in CHW layout. Padding is implicit: taps that fall
// outside the Height×Width input read zero, so the padding at the bottom
// and right is whatever OutH and OutW imply.
type Conv2DParams struct {
	Channels, Height, Width int // input
	KernelH, KernelW        int
	StrideH, StrideW        int // at least 1
	DilationH, DilationW    int // at least 1
	PadTop, PadLeft         int // at least 0
	OutH, OutW              int // output
}

// k returns the length of one lowered patch: Channels*KernelH*KernelW.
func (p Conv2DParams) k() int { return p.Channels * p.KernelH * p.KernelW }

func (p Conv2DParams) check() error {
	switch {
	case p.Channels < 0 || p.Height < 0 || p.Width < 0 || p.OutH < 0 || p.OutW < 0:
		return fmt.Errorf("negative size in %+v", p)
	case p.KernelH < 1 || p.KernelW < 1:
		return fmt.Errorf("kernel %dx%d, want at least 1x1", p.KernelH, p.KernelW)
	case p.StrideH < 1 || p.StrideW < 1 || p.DilationH < 1 || p.DilationW < 1:
		return fmt.Errorf("stride %dx%d and dilation %dx%d, want at least 1", p.StrideH, p.StrideW, p.DilationH, p.DilationW)
	case p.PadTop < 0 || p.PadLeft < 0:
		return fmt.Errorf("padding %d, %d, want at least 0", p.PadTop, p.PadLeft)
	}
	return nil
}

// Conv2D computes the convolution of src (p.Channels×p.Height×p.Width)
// with m filters: dst[o][y*OutW+x] = sum over c, i, j of
// weights[o][(c*KernelH+i)*KernelW+j] * src[c][y*StrideH-PadTop+i*DilationH][x*StrideW-PadLeft+j*DilationW],
// plus bias[o] when bias is not nil, then max(·, 0) when relu is set.
//
// It is a GEMM whose B operand, the im2col matrix of src, is packed
// straight from src block by block and never stored whole, and whose bias
// and ReLU are applied to each tile of dst while it is in cache. dst is
// m×OutH*OutW, weights is m×Channels*KernelH*KernelW, both row-major; dst
// must not overlap src or weights. It panics if a size is invalid or a
// slice too short, as Sgemm does.
func Conv2D(dst, src, weights, bias []float32, m int, p Conv2DParams, relu bool) {
	if err := p.check(); err != nil {
		panic("kernels: Conv2D: " + err.Error())
	}
	k, n := p.k(), p.OutH*p.OutW
	if m < 0 {
		panic(fmt.Sprintf("kernels: Conv2D with %d filters", m))
	}
	if len(src) < p.Channels*p.Height*p.Width {
		panic(fmt.Sprintf("kernels: Conv2D src has %d elements, want %d", len(src), p.Channels*p.Height*p.Width))
	}
	if len(weights) < m*k || len(dst) < m*n {
		panic(fmt.Sprintf("kernels: Conv2D weights or dst too short: %d and %d elements, want %d and %d", len(weights), len(dst), m*k, m*n))
	}
	if bias != nil && len(bias) < m {
		panic(fmt.Sprintf("kernels: Conv2D bias has %d elements, want %d", len(bias), m))
	}
	if m == 0 || n == 0 {
		return
	}

	ep := epilogue{bias: bias, relu: relu}
	if k == 0 {
		clear(dst[:m*n])
		ep.apply(dst, n, 0, m, n)
		return
	}
	gemmParallel(m, n, k, 1, weights, k, false, imageB{src: src, p: p}, 0, dst, n, ep)
}

// imageB is the im2col matrix of a convolution input, read on demand:
// row (c*KernelH+i)*KernelW+j, column y*OutW+x holds
// src[c][y*StrideH-PadTop+i*DilationH][x*StrideW-PadLeft+j*DilationW],
// or zero where that position is outside the image.
type imageB struct {
	src []float32
	p   Conv2DParams
}

func (s imageB) packB(dst []float32, p0, kc, j0, nc int) {
	p := s.p
	plane := p.Height * p.Width

	// Input coordinates of the first tap of each column of one panel.
	var top, left [gemmNR]int
	for r := 0; r*gemmNR < nc; r++ {
		panel := dst[r*kc*gemmNR : (r+1)*kc*gemmNR]
		cols := min(gemmNR, nc-r*gemmNR)
		first := j0 + r*gemmNR
		y, x := first/p.OutW, first%p.OutW
		for j := 0; j < cols; j++ {
			top[j] = y*p.StrideH - p.PadTop
			left[j] = x*p.StrideW - p.PadLeft
			if x++; x == p.OutW {
				x = 0
				y++
			}
		}
		// One output row covers the whole panel when its columns do not
		// wrap; with stride 1 each tap row is then a contiguous run of src.
		oneRow := cols == gemmNR && first%p.OutW+gemmNR <= p.OutW && p.StrideW == 1

		c, i, j := unravelTap(p0, p)
		for q := 0; q < kc; q++ {
			out := panel[q*gemmNR : (q+1)*gemmNR]
			base := c * plane
			dy, dx := i*p.DilationH, j*p.DilationW
			if oneRow {
				iy, ix := top[0]+dy, left[0]+dx
				if iy >= 0 && iy < p.Height && ix >= 0 && ix+gemmNR <= p.Width {
					copy(out, s.src[base+iy*p.Width+ix:base+iy*p.Width+ix+gemmNR])
					c, i, j = nextTap(c, i, j, p)
					continue
				}
			}
			for col := 0; col < cols; col++ {
				iy, ix := top[col]+dy, left[col]+dx
				if iy >= 0 && iy < p.Height && ix >= 0 && ix < p.Width {
					out[col] = s.src[base+iy*p.Width+ix]
				} else {
					out[col] = 0
				}
			}
			clear(out[cols:])
			c, i, j = nextTap(c, i, j, p)
		}
	}
}

// unravelTap splits a row index of the im2col matrix into its channel and
// kernel row and column.
func unravelTap(row int, p Conv2DParams) (c, i, j int) {
	c = row / (p.KernelH * p.KernelW)
	rest := row % (p.KernelH * p.KernelW)
	return c, rest / p.KernelW, rest % p.KernelW
}

// nextTap returns the tap after (c, i, j) in row order.
func nextTap(c, i, j int, p Conv2DParams) (int, int, int) {
	if j++; j < p.KernelW {
		return c, i, j
	}
	if i++; i < p.KernelH {
		return c, i, 0
	}
	return c + 1, 0, 0
}
