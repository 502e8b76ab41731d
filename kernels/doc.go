// Package kernels holds the float32 compute kernels that simdnn's layers call:
// single-precision GEMM, ReLU and the row primitives of max pooling.
//
// Each kernel has a portable Go implementation that is always compiled and an
// assembly implementation per instruction set. The implementation is chosen
// once, when the package is initialised, from the features that
// github.com/klauspost/cpuid/v2 reports. Implementation returns its name.
//
// The build tag purego compiles only the portable implementation. Setting the
// environment variable SIMDNN_IMPL to "generic" before the process starts
// selects the portable implementation at run time; setting it to a name the
// CPU cannot run makes initialisation panic, so a test run that demands an
// implementation cannot fall back to another one silently.
//
// Numeric contract: ReLU(x) and the maximum of max pooling follow Go's
// built-in max, on every implementation and for every element position.
// NaN propagates, and max(-0, +0) is +0, so ReLU(-0) is +0.
// Sgemm accumulates in float32 with fused multiply-add in the assembly
// implementations, so its results differ from the portable ones by rounding
// only; the difference grows with k.
package kernels
