package kernels

func reluGeneric(dst, src []float32) {
	for i, v := range src {
		dst[i] = max(v, 0)
	}
}
