package kernels

// bSource packs blocks of the k×n matrix B of a product into the layout
// of the micro-kernel: packB(dst, p0, kc, j0, nc) writes rows p0…p0+kc-1
// and columns j0…j0+nc-1 as ceil(nc/gemmNR) panels, panel r holding
// dst[(r*kc+p)*gemmNR+j] = B[p0+p][j0+r*gemmNR+j], with columns past nc
// set to zero. A source never needs B to exist as a matrix: the
// convolution source reads its elements straight from the input image.
type bSource interface {
	packB(dst []float32, p0, kc, j0, nc int)
}

// denseB is a B stored as a row-major matrix, or its transpose.
type denseB struct {
	b     []float32
	ldb   int
	trans bool
}

func (d denseB) packB(dst []float32, p0, kc, j0, nc int) {
	packB(dst, d.b, d.ldb, d.trans, p0, kc, j0, nc)
}
