// Package simdnn runs convolutional neural networks fast on CPUs with
// hand-written SIMD kernels. Most programs use package nn and its ONNX
// importer, nn/onnx; package kernels holds the compute kernels.
//
// Running go generate ./... in the repository root rewrites every
// generated file (the go:generate lines are in gen.go). The assembly
// generators live in the separate module asm/ so that avo never becomes a
// dependency of programs that import simdnn.
package simdnn

//go:generate sh -c "cd asm && go run ./sgemm -pkg kernels -out ../kernels/sgemm_amd64.s -stubs ../kernels/sgemm_amd64.go"
//go:generate sh -c "cd asm && go run ./relu -pkg kernels -out ../kernels/relu_amd64.s -stubs ../kernels/relu_amd64.go"
//go:generate sh -c "cd asm && go run ./pool -pkg kernels -out ../kernels/pool_amd64.s -stubs ../kernels/pool_amd64.go"
//go:generate sh -c "cd asm && go run ./depthwise -pkg kernels -out ../kernels/depthwise_amd64.s -stubs ../kernels/depthwise_amd64.go"
//go:generate sh -c "cd asm && go run ./gemv -pkg kernels -out ../kernels/gemv_amd64.s -stubs ../kernels/gemv_amd64.go"
//go:generate sh -c "cd asm && go run ./winograd -pkg kernels -out ../kernels/winograd_amd64.s -stubs ../kernels/winograd_amd64.go"
//go:generate sh -c "cd asm && go run ./peak -pkg peak -out ../internal/peak/fma_amd64.s -stubs ../internal/peak/fma_amd64.go"
//go:generate sh internal/onnxpb/generate.sh
//go:generate sh -c "cd asm && go run ./neon -pkg kernels -out ../kernels"
