package kernels

import (
	"math"
	"testing"
)

// testActivations are the activations that the tile tests run: none,
// ReLU, and caps inside and below the range of their outputs.
var testActivations = []Activation{NoActivation, ReLUActivation, CappedReLU(0.5), CappedReLU(1e-3)}

// caseActivation returns the activation of a test case: none without
// relu, else ReLU capped at hi when hi is above 0 and plain ReLU when not.
func caseActivation(relu bool, hi float32) Activation {
	switch {
	case !relu:
		return NoActivation
	case hi > 0:
		return CappedReLU(hi)
	}
	return ReLUActivation
}

func TestActivationValue(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	nan := float32(math.NaN())
	relu6 := CappedReLU(6)
	cases := []struct {
		act     Activation
		in, out float32
	}{
		{NoActivation, -2, -2},
		{ReLUActivation, -2, 0},
		{ReLUActivation, 1e30, 1e30},
		{relu6, -1, 0},
		{relu6, 3, 3},
		{relu6, 7, 6},
		{relu6, float32(math.Inf(1)), 6},
	}
	for _, tc := range cases {
		if got := tc.act.value(tc.in); got != tc.out {
			t.Errorf("%v of %v = %v, want %v", tc.act, tc.in, got, tc.out)
		}
	}
	if got := relu6.value(nan); got == got {
		t.Errorf("relu6 of NaN = %v, want NaN", got)
	}
	if got := relu6.value(negZero); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("relu6 of -0 = %v, want -0", got)
	}
}

// TestActivationApplyMatchesValue checks the slice form, which runs the
// ReLU and clamp kernels of each implementation, against value.
func TestActivationApplyMatchesValue(t *testing.T) {
	in := []float32{-3, -0.5, 0, 0.25, 0.5, 0.75, 6, 7, 1e30, float32(math.Inf(-1)), float32(math.NaN()), float32(math.Copysign(0, -1)), 2, -2, 0.1, 3, 9}
	for _, ks := range availableKernels() {
		for _, act := range append(testActivations, CappedReLU(6)) {
			got := append([]float32(nil), in...)
			act.apply(ks.relu, ks.clamp, got)
			for i, x := range in {
				want := act.value(x)
				if math.Float32bits(got[i]) != math.Float32bits(want) && !(got[i] != got[i] && want != want) {
					t.Errorf("%s %v of %v = %v, want %v", ks.name, act, x, got[i], want)
				}
			}
		}
	}
}

func TestCappedReLURejectsNaN(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("CappedReLU(NaN) did not panic")
		}
	}()
	CappedReLU(float32(math.NaN()))
}

func TestActivationAccessors(t *testing.T) {
	if NoActivation.ReLU() {
		t.Error("NoActivation.ReLU() = true")
	}
	if !ReLUActivation.ReLU() {
		t.Error("ReLUActivation.ReLU() = false")
	}
	if !CappedReLU(6).ReLU() {
		t.Error("CappedReLU(6).ReLU() = false")
	}
	if got := CappedReLU(6).Cap(); got != 6 {
		t.Errorf("CappedReLU(6).Cap() = %v, want 6", got)
	}
	if got := ReLUActivation.Cap(); !math.IsInf(float64(got), 1) {
		t.Errorf("ReLUActivation.Cap() = %v, want +Inf", got)
	}
	if ReLUIf(true) != ReLUActivation {
		t.Error("ReLUIf(true) is not ReLUActivation")
	}
	if ReLUIf(false) != NoActivation {
		t.Error("ReLUIf(false) is not NoActivation")
	}
	if got := CappedReLU(6).String(); got != "relu(max=6)" {
		t.Errorf("CappedReLU(6).String() = %q", got)
	}
}
