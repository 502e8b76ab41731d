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
				row[j] += float32(ai * bp[j]) // rounded: no fused multiply-add
			}
		}
	}

	for i := 0; i < gemmMR; i++ {
		ci := (*[gemmNR]float32)(c[i*ldc:])
		if accumulate {
			// P + C, with P's NaN when both are NaN, as the assembly
			// kernels give.
			for j := range ci {
				ci[j] = addToProduct(acc[i][j], ci[j])
			}
		} else {
			*ci = acc[i]
		}
	}
}

// sgemmColumnsGeneric is the portable twin of the column kernels: column
// 0 of the tiles of four A panels, each sum bit for bit as
// sgemmKernelGeneric computes it.
func sgemmColumnsGeneric(kc int, a0, a1, a2, a3, b, sums []float32) {
	checkColumns(kc, a0, a1, a2, a3, b, sums)
	for g, a := range [4][]float32{a0, a1, a2, a3} {
		var acc [gemmMR]float32
		for p := 0; p < kc; p++ {
			bp := b[p*gemmNR]
			for i := range acc {
				acc[i] += float32(a[p*gemmMR+i] * bp)
			}
		}
		copy(sums[g*gemmMR:], acc[:])
	}
}
