package kernels

// gemvRow computes C = alpha*op(A)*op(B) + beta*C when op(A) has one row,
// so C is one row of n. Packing for the 6-row GEMM tile would waste five
// sixths of the work; instead each element of C is a dot product of the
// row with a row of B (transB) or C accumulates scaled rows of B.
func gemvRow(transA, transB bool, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32) {
	c = c[:n]

	// The single row of op(A): contiguous unless A is stored transposed.
	row := a[:k]
	if transA && lda != 1 {
		buf := getScratch(k)
		defer putScratch(buf)
		for p := range buf {
			buf[p] = a[p*lda]
		}
		row = buf
	}

	parts := max(1, min(Threads(), int(float64(n)*float64(k)/minParallelStream)))
	if parts == 1 {
		gemvBand(transB, 0, n, alpha, row, b, ldb, beta, c)
		return
	}
	j := gemvJobs.get()
	*j = gemvJob{parts: parts, transB: transB, alpha: alpha, beta: beta, row: row, b: b, ldb: ldb, c: c}
	parallelRun(parts, j)
	gemvJobs.put(j)
}

// gemvJob is a gemvRow call split into parts bands of C's columns, each a
// multiple of 8 wide.
type gemvJob struct {
	parts       int
	transB      bool
	alpha, beta float32
	row, b      []float32
	ldb         int
	c           []float32
}

var gemvJobs jobPool[gemvJob]

func (j *gemvJob) Piece(part int) {
	j0, j1 := bandBounds(len(j.c), j.parts, 8, part)
	gemvBand(j.transB, j0, j1, j.alpha, j.row, j.b, j.ldb, j.beta, j.c)
}

// gemvBand computes columns [j0, j1) of the single row of C.
func gemvBand(transB bool, j0, j1 int, alpha float32, row, b []float32, ldb int, beta float32, c []float32) {
	if j0 == j1 {
		return
	}
	if transB {
		dotRowsScaled(c[j0:j1], row, b[j0*ldb:], ldb, alpha, beta)
		return
	}
	cPart := c[j0:j1]
	scaleRow(cPart, beta)
	// No row is skipped when its factor is 0: 0*Inf and 0*NaN must give
	// NaN here as in the GEMM path.
	for p, v := range row {
		impl.axpy(cPart, b[p*ldb+j0:p*ldb+j1], alpha*v)
	}
}

// dotRowsScaled stores alpha*dot(x, row j of w) + beta*c[j] in c[j].
func dotRowsScaled(c, x, w []float32, ldw int, alpha, beta float32) {
	if alpha == 1 && beta == 0 {
		impl.dotRows(c, x, w, ldw)
		return
	}
	dots := getScratch(len(c))
	defer putScratch(dots)
	impl.dotRows(dots, x, w, ldw)
	for j, d := range dots {
		if beta == 0 {
			c[j] = alpha * d
		} else {
			c[j] = alpha*d + beta*c[j]
		}
	}
}

// scaleRow multiplies x by beta; beta 0 stores zeros without reading x.
func scaleRow(x []float32, beta float32) {
	switch beta {
	case 0:
		clear(x)
	case 1:
	default:
		for i := range x {
			x[i] *= beta
		}
	}
}

// dotRowsGeneric is the portable twin of the assembly kernel: dst[j] is
// the dot product of x with w[j*ldw:j*ldw+len(x)].
func dotRowsGeneric(dst, x, w []float32, ldw int) {
	for j := range dst {
		row := w[j*ldw : j*ldw+len(x)]
		var sum float32
		for p, v := range x {
			sum += v * row[p]
		}
		dst[j] = sum
	}
}

// axpyGeneric is the portable twin of the assembly kernel: y[i] += alpha*x[i].
func axpyGeneric(y, x []float32, alpha float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}
