package kernels

import "fmt"

// PackedWeights is a weight matrix (the A operand of a convolution's
// GEMM, m filters by k taps) packed once into the panel layout of the
// micro-kernel, block by block. Repeated convolutions with the same
// weights then skip packing A. Packing
// costs about one pass over the weights; for the deep layers of a ResNet,
// whose weights outnumber their outputs, that pass is a tenth of the
// layer's time.
type PackedWeights struct {
	m, k   int
	blocks []float32 // for each kc block: its panels of gemmMR rows, top to bottom
	starts []int     // starts[pc/gemmKC] indexes the first panel of that kc block
}

// PackWeights packs the row-major m×k matrix weights for Conv2DPacked.
// It panics if weights is shorter than m*k.
func PackWeights(weights []float32, m, k int) *PackedWeights {
	if m < 0 || k < 0 || len(weights) < m*k {
		panic(fmt.Sprintf("kernels: PackWeights with m=%d, k=%d and %d weights", m, k, len(weights)))
	}
	pw := &PackedWeights{m: m, k: k}
	total := 0
	for pc := 0; pc < k; pc += gemmKC {
		pw.starts = append(pw.starts, total)
		total += roundUp(m, gemmMR) * min(gemmKC, k-pc)
	}
	pw.blocks = make([]float32, total)
	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		start := pw.starts[pc/gemmKC]
		packA(pw.blocks[start:start+roundUp(m, gemmMR)*kc], weights, k, false, 0, m, pc, kc, 1)
	}
	return pw
}

// block returns the packed mc×kc block of A at row ic, a multiple of
// gemmMR, and column pc. Only the last panel of a kc block may be
// partial, so a thread's band of rows may start at any panel.
func (pw *PackedWeights) block(ic, pc, mc, kc int) []float32 {
	start := pw.starts[pc/gemmKC] + ic*kc
	return pw.blocks[start : start+roundUp(mc, gemmMR)*kc]
}

// Conv2DPacked is Conv2D with weights packed by PackWeights(weights, m,
// p.Channels*p.KernelH*p.KernelW); its results are bitwise the same. It
// panics if the packed shape does not match.
func Conv2DPacked(dst, src []float32, weights *PackedWeights, bias []float32, p Conv2DParams, act Activation) {
	if weights == nil || weights.k != p.k() {
		panic("kernels: Conv2DPacked weights packed for another patch size")
	}
	conv2D(dst, src, nil, weights, bias, weights.m, p, act)
}

// aSource is the A operand of a GEMM: a matrix to pack block by block, or
// weights packed in advance.
type aSource struct {
	a      []float32
	lda    int
	trans  bool
	alpha  float32
	packed *PackedWeights // when not nil, a, lda, trans and alpha are unused
	row0   int            // first row of packed that row 0 of this A is
}

// block returns the packed mc×kc block of A at row ic, column pc: from the
// prepacked weights, or packed into ws.a.
func (s aSource) block(ws *gemmWorkspace, ic, mc, pc, kc int) []float32 {
	if s.packed != nil {
		return s.packed.block(s.row0+ic, pc, mc, kc)
	}
	packA(ws.a, s.a, s.lda, s.trans, ic, mc, pc, kc, s.alpha)
	return ws.a
}

// rows returns the A made of the rows from i0 on, which for prepacked
// weights must be a multiple of gemmMR, where their panels start.
func (s aSource) rows(i0 int) aSource {
	if s.packed != nil {
		if i0%gemmMR != 0 {
			panic(fmt.Sprintf("kernels: band of prepacked weights starts at row %d, not a multiple of %d", i0, gemmMR))
		}
		s.row0 += i0
		return s
	}
	if s.trans {
		s.a = s.a[i0:]
	} else {
		s.a = s.a[i0*s.lda:]
	}
	return s
}
