// Package kernels holds the float32 compute kernels that simdnn's layers call:
// single-precision GEMM, ReLU and the row primitives of max pooling.
//
// Each kernel has a portable Go implementation that is always compiled and an
// assembly implementation per instruction set. The implementation is chosen
// once, when the package is initialised, from the features that
// github.com/klauspost/cpuid/v2 reports. Implementation returns its name.
//
// The build tag purego compiles only the portable implementation. The
// environment variable SIMDNN_IMPL, read once at start-up, requests an
// implementation by name ("avx2" or "generic"). If the CPU or the build
// cannot run the requested one, the best available is used instead and
// SelectionError reports why, so that a test run that demands an
// implementation can fail rather than fall back silently.
//
// Numeric contract, the same on every implementation and at every element
// position: ReLU(x) is x < 0 ? 0 : x, as in PyTorch, so NaN and -0 pass
// through. The maximum of max pooling is Go's built-in max: NaN propagates
// and max(-0, +0) is +0.
// Sgemm accumulates in float32 with fused multiply-add in the assembly
// implementations, so its results differ from the portable ones by rounding
// only; the difference grows with k.
package kernels
