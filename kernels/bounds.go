package kernels

// The checks below guard the assembly kernels of every architecture: each
// wrapper calls one before the assembly, so that a driver bug panics in Go
// instead of touching memory outside the slices.

// checkTile panics unless a and b hold packed panels of kc steps and c a
// full gemmMR×gemmNR tile with leading dimension ldc.
func checkTile(kc int, a, b, c []float32, ldc int) {
	if !panelFits(a, gemmMR, kc) || !panelFits(b, gemmNR, kc) || !tileFits(c, ldc, gemmNR) {
		panic("kernels: GEMM micro-kernel called with panels or C shorter than its tile")
	}
}

// checkTilePair is checkTile for the tile of two adjacent B panels.
func checkTilePair(kc int, a, b, c []float32, ldc int) {
	if !panelFits(a, gemmMR, kc) || !panelFits(b, 2*gemmNR, kc) || !tileFits(c, ldc, 2*gemmNR) {
		panic("kernels: GEMM micro-kernel called with panels or C shorter than its pair of tiles")
	}
}

// panelFits reports whether panel holds kc ≥ 1 steps of rows floats each.
// It divides instead of multiplying, so a huge kc cannot wrap around.
func panelFits(panel []float32, rows, kc int) bool {
	return kc >= 1 && len(panel)/rows >= kc
}

// tileFits reports whether c holds gemmMR rows of width floats, ldc ≥
// width floats apart. It divides instead of multiplying, so a huge ldc
// cannot wrap around.
func tileFits(c []float32, ldc, width int) bool {
	return ldc >= width && len(c) >= width && (len(c)-width)/(gemmMR-1) >= ldc
}

// checkEdge panics unless the corner of an edge kernel is 1 to gemmMR
// rows of 1 to gemmNR columns inside c, rows ldc ≥ cols apart, and bias
// is empty or holds a value per row.
func checkEdge(c []float32, ldc int, bias []float32, rows, cols int) {
	if cols < 1 || cols > gemmNR {
		panic("kernels: edge kernel called with a corner outside its tile")
	}
	checkRows(c, ldc, bias, rows, cols)
}

// checkRows panics unless c holds 1 to gemmMR rows of width floats, ldc ≥
// width floats apart, and bias is empty or holds a value per row. It
// divides instead of multiplying, so a huge ldc cannot wrap around.
func checkRows(c []float32, ldc int, bias []float32, rows, width int) {
	if rows < 1 || rows > gemmMR {
		panic("kernels: micro-kernel called with a row count outside its tile")
	}
	if ldc < width || len(c) < width || (len(c)-width)/ldc < rows-1 {
		panic("kernels: micro-kernel called with C shorter than its rows")
	}
	if len(bias) != 0 && len(bias) < rows {
		panic("kernels: micro-kernel bias shorter than its rows")
	}
}

// checkColumns panics unless a0…a3 hold packed A panels of kc steps, b
// column 0 of a packed B panel of kc steps, and sums the sums of four
// panels.
func checkColumns(kc int, a0, a1, a2, a3, b, sums []float32) {
	short := func(a []float32) bool { return !panelFits(a, gemmMR, kc) }
	if kc < 1 || short(a0) || short(a1) || short(a2) || short(a3) || len(b) < 1 || (len(b)-1)/gemmNR < kc-1 || len(sums) < 4*gemmMR {
		panic("kernels: GEMM column kernel called with panels or sums shorter than its tiles")
	}
}

// checkBias panics unless bias is empty or covers the rows of a tile.
func checkBias(bias []float32) {
	if len(bias) != 0 && len(bias) < gemmMR {
		panic("kernels: GEMM micro-kernel bias shorter than its tile")
	}
}

// checkTapsRow panics unless every tap's run of len(dst) floats lies in
// src and there is at least one tap, because the assembly's tap loops run
// their first step unconditionally. It reports whether there is work.
func checkTapsRow(dst, src []float32, offsets []int, weights []float32) bool {
	if len(dst) == 0 {
		return false
	}
	if len(offsets) == 0 || len(weights) < len(offsets) {
		panic("kernels: depthwise row kernel called without taps or weights")
	}
	for _, off := range offsets {
		if off < 0 || off > len(src)-len(dst) {
			panic("kernels: depthwise row kernel tap outside its source row")
		}
	}
	return true
}

// checkDotRows panics unless every row of w that the matrix-vector kernel
// reads lies in w. It reports whether there is work.
func checkDotRows(dst, x, w []float32, ldw int) bool {
	if len(dst) == 0 {
		return false
	}
	if ldw < 0 || (len(dst)-1) > (len(w)-len(x))/max(ldw, 1) || len(w) < len(x) {
		panic("kernels: matrix-vector kernel rows outside w")
	}
	return true
}

// checkAxpy panics unless x is at least as long as y.
func checkAxpy(y, x []float32) {
	if len(x) < len(y) {
		panic("kernels: axpy source shorter than destination")
	}
}
