package backendtest

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/simdnn/simdnn/nn"
)

func TestElementError(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name      string
		got, want float64
		ok        bool
		absErr    float64
	}{
		{"equal", 1.5, 1.5, true, 0},
		{"minus zero equals zero", math.Copysign(0, -1), 0, true, 0},
		{"within rtol", 1000.5, 1000, true, 0.5},
		{"beyond rtol", 1001.5, 1000, false, 1.5},
		{"within atol at zero", 1e-8, 0, true, 1e-8},
		{"beyond atol at zero", 1e-6, 0, false, 1e-6},
		{"NaN expected and got", nan, nan, true, 0},
		{"NaN expected, number got", 0, nan, false, inf},
		{"number expected, NaN got", nan, 0, false, inf},
		{"same infinity", inf, inf, true, 0},
		{"opposite infinity", -inf, inf, false, inf},
		{"infinity expected, large number got", math.MaxFloat32, inf, false, inf},
		{"number expected, infinity got", inf, 1, false, inf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			absErr, _, ok := elementError(tt.got, tt.want, 1e-3, 1e-7)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			if math.Abs(absErr-tt.absErr) > 1e-9 && !(math.IsInf(absErr, 1) && math.IsInf(tt.absErr, 1)) {
				t.Errorf("absolute error = %v, want %v", absErr, tt.absErr)
			}
		})
	}
}

func TestElementRelativeError(t *testing.T) {
	_, relErr, _ := elementError(1.1, 1, 0, 0)
	if math.Abs(relErr-0.1) > 1e-12 {
		t.Errorf("relative error of 1.1 against 1 = %v, want 0.1", relErr)
	}
	_, relErr, _ = elementError(1e-9, 0, 0, 0)
	if relErr != 0 {
		t.Errorf("relative error against 0 = %v, want 0 (left out)", relErr)
	}
}

func TestCompareTensors(t *testing.T) {
	want := &nn.Tensor{Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}
	tests := []struct {
		name     string
		got      *nn.Tensor
		mismatch string
	}{
		{"equal", &nn.Tensor{Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}, ""},
		{"element", &nn.Tensor{Shape: []int{2, 2}, Data: []float32{1, 2, 3.5, 4}},
			"out: element 2 (index [1 0]) is 3.5, want 3 (|got-want| 0.5 > atol + rtol*|want| = 0.003)"},
		{"shape", &nn.Tensor{Shape: []int{4}, Data: []float32{1, 2, 3, 4}}, "out: shape [4], want [2 2]"},
		{"dtype", &nn.Tensor{Shape: []int{2, 2}, DType: nn.Int64, Int64: []int64{1, 2, 3, 4}}, "out: element type int64, want float32"},
		{"missing", nil, "out: the model returned no tensor"},
		{"invalid", &nn.Tensor{Shape: []int{2, 2}, Data: []float32{1}}, "out: invalid tensor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &comparison{rtol: 1e-3, atol: 0}
			c.tensor("out", tt.got, want)
			if tt.mismatch == "" && c.mismatch != "" {
				t.Errorf("mismatch %q, want none", c.mismatch)
			}
			if !strings.HasPrefix(c.mismatch, tt.mismatch) {
				t.Errorf("mismatch = %q, want one starting with %q", c.mismatch, tt.mismatch)
			}
		})
	}
}

func TestCompareKeepsFirstMismatch(t *testing.T) {
	c := &comparison{rtol: 0, atol: 0}
	want := &nn.Tensor{Shape: []int{3}, Data: []float32{0, 0, 0}}
	c.tensor("a", &nn.Tensor{Shape: []int{3}, Data: []float32{0, 1, 5}}, want)

	if !strings.HasPrefix(c.mismatch, "a: element 1 ") {
		t.Errorf("mismatch = %q, want the first bad element, 1", c.mismatch)
	}
	if c.maxAbs != 5 {
		t.Errorf("max absolute error = %v, want 5 over all elements", c.maxAbs)
	}
}

func TestCompareInt64(t *testing.T) {
	c := &comparison{rtol: 0, atol: 0}
	want := &nn.Tensor{Shape: []int{2}, DType: nn.Int64, Int64: []int64{3, -1}}
	c.tensor("shape", &nn.Tensor{Shape: []int{2}, DType: nn.Int64, Int64: []int64{3, -2}}, want)
	if !strings.Contains(c.mismatch, "element [1] is -2, want -1") {
		t.Errorf("mismatch = %q, want element 1 named", c.mismatch)
	}
}

func TestUnravel(t *testing.T) {
	tests := []struct {
		i     int
		shape []int
		want  []int
	}{
		{0, []int{}, []int{}},
		{5, []int{2, 3}, []int{1, 2}},
		{23, []int{2, 3, 4}, []int{1, 2, 3}},
		{13, []int{2, 3, 4}, []int{1, 0, 1}},
	}
	for _, tt := range tests {
		if got := unravel(tt.i, tt.shape); !slices.Equal(got, tt.want) {
			t.Errorf("unravel(%d, %v) = %v, want %v", tt.i, tt.shape, got, tt.want)
		}
	}
}
