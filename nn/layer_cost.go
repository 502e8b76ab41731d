package nn

// linearCostOps are the operators whose work is proportional to the sizes
// of their inputs and outputs. Convolution, pooling, LRN and matrix
// products are missing on purpose: their work grows with window and
// reduction sizes, so a tiny file can ask them for 2^45 multiply-adds.
var linearCostOps = map[string]bool{
	"Add": true, "BatchNormalization": true, "Clip": true, "Concat": true,
	"ConstantOfShape": true, "Dropout": true, "Flatten": true, "Gather": true,
	"GlobalAveragePool": true, "GlobalMaxPool": true, "Identity": true,
	"LeakyRelu": true, "LogSoftmax": true, "Mul": true, "Relu": true,
	"Reshape": true, "Shape": true, "Sigmoid": true, "Softmax": true,
	"Squeeze": true, "Sum": true, "Tanh": true, "Transpose": true,
	"Unsqueeze": true,
}

// LinearCost reports whether a layer of this ONNX operator type does work
// proportional to the sizes of its inputs and outputs. Loading and
// planning compute the outputs of such layers ahead of time when their
// inputs are constants, because the size limits then bound the work too.
// Other layers run only when the caller runs the model.
func LinearCost(opType string) bool { return linearCostOps[opType] }
