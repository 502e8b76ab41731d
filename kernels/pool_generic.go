package kernels

func maxRowsGeneric(dst, x, y []float32) {
	for i := range dst {
		dst[i] = max(x[i], y[i])
	}
}

func maxPairsGeneric(dst, src []float32) {
	for i := range dst {
		dst[i] = max(src[2*i], src[2*i+1])
	}
}

func clampGeneric(dst, src []float32, lo, hi float32) {
	for i, v := range src {
		dst[i] = min(max(v, lo), hi)
	}
}
