// Package onnx imports ONNX model files into nn models. Start with
// LoadFile or Load, then call the model's Predict or Run:
//
//	model, err := onnx.LoadFile("model.onnx")
//	...
//	y, err := model.Predict(x) // x is an *nn.Tensor in NCHW layout
//
// The importer reads these operators of the default domain, opsets 6 to
// 17: Conv, MaxPool (with its Indices output), AveragePool,
// GlobalAveragePool, GlobalMaxPool, BatchNormalization, LRN, Gemm, MatMul,
// Softmax, LogSoftmax, the elementwise Add, Mul, Sum, Relu, LeakyRelu,
// Clip, Sigmoid and Tanh, and the tensor operators Concat, Transpose,
// Flatten, Reshape, Squeeze, Unsqueeze, Shape, ConstantOfShape and
// Gather. The importer runs Dropout as Identity and turns Constant
// nodes into initializers. It fills the ONNX
// attribute defaults that change with the opset (Softmax's axis and its
// 2-D coercion before opset 13, attributes that became inputs, such as
// Clip's bounds in opset 11 and Unsqueeze's axes in opset 13) and those the
// layers leave to it (Gemm alpha and beta 1, Flatten axis 1, Conv group 1,
// LeakyRelu alpha 0.01, BatchNormalization epsilon 1e-5).
//
// Tensors must be FLOAT or INT64, or DOUBLE and INT32, which are converted
// to float32 and int64. Graph inputs and outputs must be dense tensors. A
// dimension given by name, or not given, becomes -1 in nn.ValueInfo.
// Before IR version 4 every initializer had to be listed as a graph input;
// in such files those inputs are dropped, so the initializers are
// constants.
//
// After decoding, the importer rewrites the graph: nodes whose inputs are
// all constants are replaced by their results (ConstantOfShape weights,
// shape arithmetic), and a BatchNormalization that follows a Conv is
// folded into the Conv's weights and bias.
//
// Anything else is rejected with an error that names the node, value or
// tensor: other operators and domains, unknown attributes and attributes of
// the wrong type, outputs that simdnn does not compute (Dropout's mask,
// BatchNormalization's training statistics) when a node or graph output
// reads them, external data, sparse initializers, and graphs where a value
// has no producer or more than one. Hostile input makes the loader return
// an error, not panic. Element counts are checked against the stored data
// before tensors are allocated, and constant folding computes at most
// 2^30 elements, so a file cannot make the loader allocate without bound.
package onnx
