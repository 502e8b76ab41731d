package nn

// Gemm is the ONNX Gemm operator: Y = Alpha*A'*B' + Beta*C, where A' is A
// or its transpose, likewise B', and C broadcasts to [M, N].
type Gemm struct {
	NodeName string
	Alpha    float32 // ONNX default 1; the importer fills it in
	Beta     float32 // ONNX default 1; the importer fills it in
	TransA   bool
	TransB   bool
}

// MatMul is the ONNX MatMul operator with numpy broadcasting of batch
// dimensions.
type MatMul struct {
	NodeName string
}
