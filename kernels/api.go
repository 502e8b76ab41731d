package kernels

// Sgemm computes C = alpha*op(A)*op(B) + beta*C in row-major order, as
// CBLAS's cblas_sgemm does with CblasRowMajor, where op(X) is X or its
// transpose. op(A) is m×k, op(B) is k×n and C is m×n.
//
// A holds op(A) with leading dimension lda: element (i, p) of op(A) is
// a[i*lda+p], or a[p*lda+i] when transA is set; likewise B and ldb. C's
// element (i, j) is c[i*ldc+j]. When beta is 0, C is not read, so it may
// hold NaN or garbage. When k is 0, C is scaled by beta.
//
// Sgemm panics if a dimension is negative, a leading dimension is smaller
// than its row length, or a slice is too short for the shape.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// ReLU stores 0 in dst[i] where src[i] < 0 and src[i] elsewhere, for
// i < len(src), as PyTorch's ReLU does: NaN and -0 pass through unchanged.
// dst may be src itself; other overlap gives undefined results. It panics
// if len(dst) < len(src).
func ReLU(dst, src []float32) {
	if len(dst) < len(src) {
		panic("kernels: ReLU destination shorter than source")
	}
	impl.relu(dst[:len(src)], src)
}

// MaxRows stores max(x[i], y[i]) in dst[i] for i < len(dst), with Go's max
// semantics. dst may be x or y; other overlap gives undefined results.
// It panics if x or y is shorter than dst.
func MaxRows(dst, x, y []float32) {
	if len(x) < len(dst) || len(y) < len(dst) {
		panic("kernels: MaxRows input shorter than destination")
	}
	impl.maxRows(dst, x[:len(dst)], y[:len(dst)])
}

// Add stores x[i] + y[i] in dst[i] for i < len(dst), then, when relu is
// set, 0 where that sum is below 0 (NaN and -0 pass, as in ReLU). It
// computes a residual connection and the ReLU after it in one pass. dst
// may be x or y, and other overlap gives undefined results. It panics if
// x or y is shorter than dst.
func Add(dst, x, y []float32, relu bool) {
	if len(x) < len(dst) || len(y) < len(dst) {
		panic("kernels: Add input shorter than destination")
	}
	impl.addReLU(dst, x[:len(dst)], y[:len(dst)], relu)
}

// MaxPairs stores max(src[2i], src[2i+1]) in dst[i] for i < len(dst), with
// Go's max semantics: the horizontal step of 2-wide, stride-2 max pooling.
// dst must not overlap src. It panics if len(src) < 2*len(dst).
func MaxPairs(dst, src []float32) {
	if len(src)/2 < len(dst) {
		panic("kernels: MaxPairs source shorter than twice the destination")
	}
	impl.maxPairs(dst, src[:2*len(dst)])
}

// MaxPool3x3Stride2 max-pools one plane of h×w floats in src into outH×outW
// floats in dst with a 3×3 window, stride 2 and pad rows and columns of
// padding before the input, where pad is 0 or 1. ResNet's first pooling
// layer has pad 1, and the pooling layers of SqueezeNet and AlexNet pad 0.
// Output (i, j), at dst[i*outW+j], is the maximum of src[r*w+c] over the
// rows r in [2i-pad, 2i-pad+2] and the columns c in [2j-pad, 2j-pad+2]
// that lie in the plane, with Go's max semantics. Padding is never
// compared, so the end padding (or ceil mode) only shows in outH and outW,
// and every window must contain an input row and column:
// outH <= (h-1+pad)/2+1 and outW <= (w-1+pad)/2+1. dst must not overlap
// src.
//
// It panics if pad is not 0 or 1, if h or w is less than 1, if outH or
// outW is negative or too large for the plane, or if src has fewer than
// h*w or dst fewer than outH*outW elements.
func MaxPool3x3Stride2(dst, src []float32, h, w, outH, outW, pad int) {
	if pad != 0 && pad != 1 {
		panic("kernels: MaxPool3x3Stride2 padding must be 0 or 1")
	}
	if h < 1 || w < 1 || outH < 0 || outW < 0 || outH > (h-1+pad)/2+1 || outW > (w-1+pad)/2+1 {
		panic("kernels: MaxPool3x3Stride2 output shape does not fit the input plane")
	}
	if h > len(src)/w || (outW > 0 && outH > len(dst)/outW) {
		panic("kernels: MaxPool3x3Stride2 source or destination shorter than its plane")
	}
	if outH == 0 || outW == 0 {
		return
	}
	impl.maxPool3x3Stride2(dst[:outH*outW], src[:h*w], h, w, outH, outW, pad, pad)
}

// Clamp stores min(max(src[i], lo), hi) in dst[i] for i < len(src), with
// the semantics of Go's built-in min and max: NaN stays NaN, and -0 and
// +0 compare as Go orders them (max(-0, +0) is +0). It is the ONNX Clip
// operator, ReLU6 among others. dst may be src itself; other overlap gives
// undefined results. It panics if len(dst) < len(src).
func Clamp(dst, src []float32, lo, hi float32) {
	if len(dst) < len(src) {
		panic("kernels: Clamp destination shorter than source")
	}
	impl.clamp(dst[:len(src)], src, lo, hi)
}
