// Package nn runs convolutional neural networks: float32 tensors in NCHW
// layout, layers with the semantics of the ONNX operators of the same name,
// and a Model that executes a graph of them.
//
// Invalid shapes or attributes make Forward and Run return an error that
// names the layer, the value and what was expected; no input makes them panic.
package nn
