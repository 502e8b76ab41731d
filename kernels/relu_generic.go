package kernels

// reluValue is ReLU as PyTorch computes it: x < 0 ? 0 : x, so NaN and -0
// pass through unchanged.
func reluValue(x float32) float32 {
	if x < 0 {
		return 0
	}
	return x
}

func reluGeneric(dst, src []float32) {
	for i, v := range src {
		dst[i] = reluValue(v)
	}
}
