// Package onnxpb contains the Go types of the ONNX protobuf messages that
// simdnn reads, generated from onnx.proto by generate.sh.
//
// The protobuf package is simdnn.onnx rather than upstream's onnx, so a
// program can also link another package generated from the ONNX schema
// without a name conflict in the protobuf registry.
package onnxpb
