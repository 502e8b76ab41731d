// Package onnx imports ONNX model files into nn models.
//
// The importer reads the standard operators Conv, MaxPool, Relu, Gemm,
// MatMul, Flatten, Reshape, Softmax and Identity, runs Dropout as Identity
// and turns Constant nodes into initializers. It fills the ONNX attribute
// defaults that change with the opset (Softmax's axis and its 2-D coercion
// before opset 13) and those the layers leave to it (Gemm alpha and beta 1,
// Flatten axis 1, Conv group 1).
//
// Tensors must be FLOAT or INT64, or DOUBLE and INT32, which are converted
// to float32 and int64. Graph inputs and outputs must be dense tensors. A
// dimension given by name, or not given, becomes -1 in nn.ValueInfo.
//
// Anything else is rejected with an error that names the node, value or
// tensor: other operators and domains, unknown attributes and attributes of
// the wrong type, MaxPool's Indices and Dropout's mask outputs, external
// data, sparse initializers, and graphs where a value has no producer or
// more than one. Hostile input makes the loader return an error, not panic.
// Element counts are checked against the stored data before tensors are
// allocated, so the memory used stays a small multiple of the file size.
package onnx
