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

// deinterleaveGeneric is the portable twin of deinterleaveAVX2.
func deinterleaveGeneric(even, odd, src []float32) {
	odd, src = odd[:len(even)], src[:2*len(even)]
	for i := range even {
		pair := src[2*i : 2*i+2]
		even[i], odd[i] = pair[0], pair[1]
	}
}

// addReLUGeneric is the portable twin of addReLUAVX2: Go's x[i] + y[i],
// then reluGeneric's comparison.
func addReLUGeneric(dst, x, y []float32, relu bool) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		s := x[i] + y[i]
		if relu && s < 0 {
			s = 0
		}
		dst[i] = s
	}
}
