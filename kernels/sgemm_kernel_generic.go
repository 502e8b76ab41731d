package kernels

// sgemmKernelGeneric is the portable twin of the assembly micro-kernels:
// the gemmMR×gemmNR tile P = A·B of a packed A panel (a[p*gemmMR+i]) and a
// packed B panel (b[p*gemmNR+j]), stored into or added to
// c[i*ldc+j]. It multiplies and adds separately, without fused
// multiply-add, so it rounds twice per step where the assembly rounds once.
func sgemmKernelGeneric(kc int, a, b, c []float32, ldc int, accumulate bool) {
	var acc [gemmMR][gemmNR]float32
	a = a[:kc*gemmMR]
	b = b[:kc*gemmNR]
	for p := 0; p < kc; p++ {
		bp := (*[gemmNR]float32)(b[p*gemmNR:])
		for i := 0; i < gemmMR; i++ {
			ai := a[p*gemmMR+i]
			row := &acc[i]
			for j := range row {
				row[j] += ai * bp[j]
			}
		}
	}

	for i := 0; i < gemmMR; i++ {
		ci := (*[gemmNR]float32)(c[i*ldc:])
		if accumulate {
			for j := range ci {
				ci[j] += acc[i][j]
			}
		} else {
			*ci = acc[i]
		}
	}
}
