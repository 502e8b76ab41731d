package kernels

// Bounds checks of the Winograd transform kernels, called by their
// assembly wrappers on every architecture. Strides are checked against
// the slice length before any product is formed, so that no product can
// overflow.

// fitsRows reports whether rows rows of width floats, stride apart, fit in
// x.
func fitsRows(x []float32, rows, stride, width int) bool {
	if stride < 0 || width < 0 || width > len(x) {
		return false
	}
	return rows <= 1 || stride <= (len(x)-width)/(rows-1)
}

// checkWinogradColumns panics unless n is a whole number of vectors and
// the six rows of n floats, stride apart, lie in dst and src. It reports
// whether there is work.
func checkWinogradColumns(dst, src []float32, stride, n int) bool {
	if n < 0 || n%8 != 0 || !fitsRows(src, winogradIn, stride, n) || !fitsRows(dst, winogradIn, stride, n) {
		panic("kernels: Winograd column transform called with rows outside its slices")
	}
	return n > 0
}

// checkWinogradRows panics unless the six source rows of 32*groups+4
// floats and the 36 destination rows of 8*groups floats lie in their
// slices. It reports whether there is work.
func checkWinogradRows(dst []float32, dstStride int, src []float32, srcStride, groups int) bool {
	if groups < 0 || groups > len(src)/32 {
		panic("kernels: Winograd row transform called with a negative or huge group count")
	}
	if groups == 0 {
		return false
	}
	if !fitsRows(src, winogradIn, srcStride, 32*groups+4) || !fitsRows(dst, winogradPoints, dstStride, 8*groups) {
		panic("kernels: Winograd row transform called with rows outside its slices")
	}
	return true
}

// checkWinogradOutput panics unless the 36 source rows of 8*groups floats
// and the 4 destination rows of 32*groups floats lie in their slices. It
// reports whether there is work.
func checkWinogradOutput(dst []float32, dstStride int, src []float32, srcStride, groups int) bool {
	if groups < 0 || groups > len(dst)/32 {
		panic("kernels: Winograd output transform called with a negative or huge group count")
	}
	if groups == 0 {
		return false
	}
	if !fitsRows(src, winogradPoints, srcStride, 8*groups) || !fitsRows(dst, winogradOut, dstStride, 32*groups) {
		panic("kernels: Winograd output transform called with rows outside its slices")
	}
	return true
}
