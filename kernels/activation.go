package kernels

import (
	"fmt"
	"math"
)

// Activation is the function that the convolution kernels apply to each
// output after adding the bias, while the output is still in cache: none
// (the zero value), ReLU, or ReLU capped above, such as ReLU6.
type Activation struct {
	relu bool
	hi   float32 // the cap when relu is set: +Inf for plain ReLU
}

var (
	// NoActivation leaves the outputs as they are.
	NoActivation = Activation{}

	// ReLUActivation is x < 0 ? 0 : x, which keeps NaN and -0.
	ReLUActivation = Activation{relu: true, hi: float32(math.Inf(1))}
)

// ReLUIf returns ReLUActivation when relu is set and NoActivation
// otherwise.
func ReLUIf(relu bool) Activation {
	if relu {
		return ReLUActivation
	}
	return NoActivation
}

// CappedReLU returns the activation min(max(x, 0), hi): ONNX Clip with
// bounds 0 and hi, so CappedReLU(6) is ReLU6. Unlike the Clip operator,
// which follows Go's max, it keeps -0 as ReLUActivation does; NaN stays
// NaN in both. It panics if hi is NaN.
func CappedReLU(hi float32) Activation {
	if hi != hi {
		panic("kernels: CappedReLU with a NaN bound")
	}
	return Activation{relu: true, hi: hi}
}

// ReLU reports whether a is ReLU, capped or not.
func (a Activation) ReLU() bool { return a.relu }

// Cap returns the upper bound of a capped ReLU: +Inf for plain ReLU and
// for no activation.
func (a Activation) Cap() float32 {
	if !a.relu {
		return float32(math.Inf(1))
	}
	return a.hi
}

// String returns "none", "relu" or "relu(max=hi)".
func (a Activation) String() string {
	switch {
	case !a.relu:
		return "none"
	case math.IsInf(float64(a.hi), 1):
		return "relu"
	}
	return fmt.Sprintf("relu(max=%g)", a.hi)
}

// capped reports whether a has a finite cap, which the kernels without
// one of their own apply after ReLU.
func (a Activation) capped() bool {
	return a.relu && !math.IsInf(float64(a.hi), 1)
}

// value returns a applied to x.
func (a Activation) value(x float32) float32 {
	if !a.relu {
		return x
	}
	x = reluValue(x)
	if x > a.hi {
		return a.hi
	}
	return x
}

// applyCap applies the cap of a to row in place with the clamp kernel,
// for kernels that applied ReLU themselves but have no cap. min(x, hi)
// keeps NaN and -0, and a clamp with the lower bound -Inf computes just
// that.
func (a Activation) applyCap(clamp func(dst, src []float32, lo, hi float32), row []float32) {
	if a.capped() {
		clamp(row, row, float32(math.Inf(-1)), a.hi)
	}
}

// apply applies a to row in place with the given ReLU and clamp kernels.
func (a Activation) apply(relu func(dst, src []float32), clamp func(dst, src []float32, lo, hi float32), row []float32) {
	if !a.relu {
		return
	}
	relu(row, row)
	a.applyCap(clamp, row)
}
