// Package kernels holds the float32 compute kernels that simdnn's layers
// call: single-precision GEMM (Sgemm), 2-D convolution as implicit GEMM
// (Conv2D) and depthwise convolution (DepthwiseConv2D), each with bias and
// an Activation (ReLU or capped ReLU such as ReLU6) fused, ReLU, Clamp, the row primitives of max pooling (MaxRows,
// MaxPairs) and its plane kernel for 3×3 windows of stride 2
// (MaxPool3x3Stride2).
//
// Each kernel has a portable Go implementation that is always compiled and
// an assembly implementation per instruction set: on amd64 AVX2+FMA, chosen
// when github.com/klauspost/cpuid/v2 reports AVX, AVX2 and FMA3 (and OS
// support for YMM state), and AVX-512 GEMM and convolution micro-kernels
// on top of it when it also reports AVX512F; NEON on arm64, where Go
// guarantees it. The
// implementation is chosen once, when the package is initialised;
// Implementation returns its name.
//
// The build tag purego compiles only the portable implementation. The
// environment variable SIMDNN_IMPL, read once at start-up, requests an
// implementation by name ("avx512", "avx2", "neon" or "generic"). If the CPU or the build
// cannot run the requested one, the best available is used instead and
// SelectionError reports why, so that a test run that demands an
// implementation can fail rather than fall back silently.
//
// Numeric contract, the same on every implementation and at every element
// position: ReLU(x) is x < 0 ? 0 : x, as in PyTorch, so NaN and -0 pass
// through. The maximum of max pooling is Go's built-in max: NaN propagates
// and max(-0, +0) is +0. Clamp is Go's min(max(x, lo), hi).
//
// Sgemm and the convolutions accumulate in float32 with fused multiply-add in the assembly
// implementations, so their results differ from the portable ones by
// rounding only; the difference grows with k. Results do not depend on the
// thread count (SetThreads).
package kernels
