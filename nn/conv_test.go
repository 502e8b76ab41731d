package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

type convCase struct {
	name                   string
	n, c, h, w, m, kH, kW  int
	conv                   Conv
	bias                   bool
	padTop, padLeft        int // expected pads for auto_pad cases
	padBottom, padRight    int
	hasExpectedAutoPadding bool
}

// window returns the geometry that the reference uses: the explicit pads
// of the layer, or the expected pads of an auto_pad case.
func (tc convCase) window() refWindow {
	win := refWindow{kH: tc.kH, kW: tc.kW, sH: 1, sW: 1, dH: 1, dW: 1}
	if len(tc.conv.Strides) == 2 {
		win.sH, win.sW = tc.conv.Strides[0], tc.conv.Strides[1]
	}
	if len(tc.conv.Dilations) == 2 {
		win.dH, win.dW = tc.conv.Dilations[0], tc.conv.Dilations[1]
	}
	if len(tc.conv.Pads) == 4 {
		win.padTop, win.padLeft, win.padBottom, win.padRight = tc.conv.Pads[0], tc.conv.Pads[1], tc.conv.Pads[2], tc.conv.Pads[3]
	}
	if tc.hasExpectedAutoPadding {
		win.padTop, win.padLeft, win.padBottom, win.padRight = tc.padTop, tc.padLeft, tc.padBottom, tc.padRight
	}
	return win
}

func groupCount(c Conv) int {
	if c.Group == 0 {
		return 1
	}
	return c.Group
}

func convCases() []convCase {
	cases := []convCase{
		{name: "1x1 pointwise", n: 2, c: 3, h: 5, w: 7, m: 4, kH: 1, kW: 1, bias: true},
		{name: "1x1 stride 2 pad 1", n: 1, c: 3, h: 5, w: 6, m: 2, kH: 1, kW: 1,
			conv: Conv{Strides: []int{2, 2}, Pads: []int{1, 1, 1, 1}}},
		{name: "1x1 dilation 2", n: 1, c: 2, h: 4, w: 3, m: 3, kH: 1, kW: 1, conv: Conv{Dilations: []int{2, 2}}},
		{name: "1x1 pointwise groups", n: 2, c: 4, h: 3, w: 3, m: 6, kH: 1, kW: 1, conv: Conv{Group: 2}, bias: true},
		{name: "3x3 pad 1", n: 1, c: 3, h: 5, w: 5, m: 4, kH: 3, kW: 3, conv: Conv{Pads: []int{1, 1, 1, 1}}, bias: true},
		{name: "3x2 kernel", n: 2, c: 3, h: 7, w: 5, m: 4, kH: 3, kW: 2, conv: Conv{KernelShape: []int{3, 2}}, bias: true},
		{name: "groups 2", n: 2, c: 4, h: 6, w: 5, m: 6, kH: 3, kW: 2, conv: Conv{Group: 2}, bias: true},
		{name: "depthwise", n: 2, c: 4, h: 6, w: 6, m: 4, kH: 3, kW: 3, conv: Conv{Group: 4, Pads: []int{1, 1, 1, 1}}, bias: true},
		{name: "depthwise multiplier 2", n: 1, c: 4, h: 6, w: 6, m: 8, kH: 3, kW: 3, conv: Conv{Group: 4}},
		{name: "dilation stride pad", n: 2, c: 3, h: 8, w: 8, m: 2, kH: 3, kW: 3,
			conv: Conv{Strides: []int{2, 2}, Pads: []int{1, 1, 1, 1}, Dilations: []int{2, 2}}, bias: true},
		{name: "dilation differs per axis", n: 1, c: 2, h: 9, w: 7, m: 3, kH: 2, kW: 3, conv: Conv{Dilations: []int{3, 1}}},
		{name: "asymmetric pads", n: 1, c: 2, h: 5, w: 6, m: 3, kH: 3, kW: 3, conv: Conv{Pads: []int{0, 1, 2, 0}}},
		{name: "stride larger than kernel", n: 1, c: 2, h: 9, w: 10, m: 2, kH: 2, kW: 2, conv: Conv{Strides: []int{3, 4}}},
		{name: "kernel larger than input", n: 1, c: 2, h: 3, w: 3, m: 2, kH: 5, kW: 5, conv: Conv{Pads: []int{1, 1, 1, 1}}, bias: true},
		{name: "pads larger than kernel", n: 1, c: 1, h: 3, w: 2, m: 2, kH: 2, kW: 2, conv: Conv{Pads: []int{3, 2, 4, 3}}, bias: true},
		{name: "batch 3", n: 3, c: 2, h: 4, w: 5, m: 3, kH: 3, kW: 3, conv: Conv{Pads: []int{1, 1, 1, 1}}, bias: true},
		{name: "5x5 pad 2", n: 1, c: 3, h: 9, w: 9, m: 4, kH: 5, kW: 5, conv: Conv{Pads: []int{2, 2, 2, 2}}},
		{name: "output size 0", n: 2, c: 2, h: 4, w: 4, m: 3, kH: 5, kW: 5, bias: true},
		{name: "output height 0", n: 1, c: 1, h: 2, w: 6, m: 1, kH: 3, kW: 3},
		{name: "batch 0", n: 0, c: 2, h: 4, w: 4, m: 3, kH: 3, kW: 3, bias: true},
		{name: "input channels 0", n: 2, c: 0, h: 3, w: 3, m: 2, kH: 2, kW: 2, bias: true},
		{name: "input size 0 with pads", n: 1, c: 1, h: 0, w: 0, m: 2, kH: 1, kW: 1, conv: Conv{Pads: []int{1, 1, 1, 1}}, bias: true},

		// auto_pad cases with the pads that ONNX implies.
		{name: "SAME_UPPER odd total", n: 1, c: 2, h: 5, w: 5, m: 2, kH: 2, kW: 2, conv: Conv{AutoPad: "SAME_UPPER"},
			hasExpectedAutoPadding: true, padBottom: 1, padRight: 1},
		{name: "SAME_LOWER odd total", n: 1, c: 2, h: 5, w: 5, m: 2, kH: 2, kW: 2, conv: Conv{AutoPad: "SAME_LOWER"},
			hasExpectedAutoPadding: true, padTop: 1, padLeft: 1},
		{name: "SAME_UPPER stride 2", n: 2, c: 1, h: 7, w: 6, m: 2, kH: 3, kW: 3, conv: Conv{AutoPad: "SAME_UPPER", Strides: []int{2, 2}},
			hasExpectedAutoPadding: true, padTop: 1, padBottom: 1, padLeft: 0, padRight: 1},
		{name: "SAME_LOWER stride 2 kernel 4", n: 1, c: 2, h: 7, w: 8, m: 2, kH: 4, kW: 4, conv: Conv{AutoPad: "SAME_LOWER", Strides: []int{2, 2}},
			hasExpectedAutoPadding: true, padTop: 2, padBottom: 1, padLeft: 1, padRight: 1},
		{name: "SAME_UPPER dilation 2", n: 1, c: 2, h: 6, w: 6, m: 2, kH: 3, kW: 3, conv: Conv{AutoPad: "SAME_UPPER", Dilations: []int{2, 2}},
			hasExpectedAutoPadding: true, padTop: 2, padBottom: 2, padLeft: 2, padRight: 2},
		{name: "SAME_UPPER stride larger than kernel", n: 1, c: 1, h: 7, w: 7, m: 1, kH: 1, kW: 1, conv: Conv{AutoPad: "SAME_UPPER", Strides: []int{3, 3}},
			hasExpectedAutoPadding: true},
		{name: "VALID", n: 1, c: 2, h: 7, w: 6, m: 2, kH: 3, kW: 3, conv: Conv{AutoPad: "VALID", Strides: []int{2, 2}},
			hasExpectedAutoPadding: true},
		{name: "NOTSET", n: 1, c: 2, h: 5, w: 5, m: 2, kH: 3, kW: 3, conv: Conv{AutoPad: "NOTSET", Pads: []int{1, 0, 0, 1}}},
	}

	rng := rand.New(rand.NewPCG(10, 11))
	for i := range 80 {
		g := 1 + rng.IntN(3)
		tc := convCase{
			name: fmt.Sprintf("random %d", i),
			n:    1 + rng.IntN(2), c: g * (1 + rng.IntN(3)), h: 1 + rng.IntN(9), w: 1 + rng.IntN(9),
			m: g * (1 + rng.IntN(3)), kH: 1 + rng.IntN(4), kW: 1 + rng.IntN(4),
			conv: Conv{
				Group:     g,
				Strides:   []int{1 + rng.IntN(3), 1 + rng.IntN(3)},
				Pads:      []int{rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(3)},
				Dilations: []int{1 + rng.IntN(2), 1 + rng.IntN(2)},
			},
			bias: rng.IntN(2) == 0,
		}
		// Keep only shapes with a non-negative output size.
		win := tc.window()
		if tc.h+win.padTop+win.padBottom-((tc.kH-1)*win.dH+1) < -win.sH ||
			tc.w+win.padLeft+win.padRight-((tc.kW-1)*win.dW+1) < -win.sW {
			continue
		}
		cases = append(cases, tc)
	}
	return cases
}

func TestConvMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range convCases() {
		tc.conv.NodeName = "conv1"
		g := groupCount(tc.conv)
		x := randomTensor(t, rng, tc.n, tc.c, tc.h, tc.w)
		weight := randomTensor(t, rng, tc.m, tc.c/g, tc.kH, tc.kW)
		inputs := []*Tensor{x, weight}
		var bias *Tensor
		if tc.bias {
			bias = randomTensor(t, rng, tc.m)
			inputs = append(inputs, bias)
		}
		xBefore := slices.Clone(x.Data)

		got := forwardOne(t, tc.conv, inputs...)

		wantShape, want, tol := refConv(x, weight, bias, g, tc.window())
		if !sameShape(got.Shape, wantShape) {
			t.Errorf("%s: output shape %v, want %v", tc.name, got.Shape, wantShape)
			continue
		}
		checkClose(t, fmt.Sprintf("%s (x %v, W %v)", tc.name, x.Shape, weight.Shape), got.Data, want, tol)
		if !slices.Equal(x.Data, xBefore) {
			t.Errorf("%s: Forward modified its input X", tc.name)
		}
	}
}

func TestConvNilBiasIsAbsent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := randomTensor(t, rng, 1, 2, 4, 4)
	weight := randomTensor(t, rng, 3, 2, 3, 3)
	conv := Conv{NodeName: "conv1"}

	withoutBias := forwardOne(t, conv, x, weight)
	withNil := forwardOne(t, conv, x, weight, nil)
	if !slices.Equal(withoutBias.Data, withNil.Data) {
		t.Errorf("output with a nil bias differs from output with two inputs")
	}
}

func TestConvNaNPropagates(t *testing.T) {
	x := mustTensor(t, []float32{1, 2, 3, 4, float32(math.NaN()), 6, 7, 8, 9}, 1, 1, 3, 3)
	weight := mustTensor(t, []float32{1, 1, 1, 1}, 1, 1, 2, 2)
	got := forwardOne(t, Conv{NodeName: "conv1"}, x, weight)
	for i, v := range got.Data {
		if !math.IsNaN(float64(v)) {
			t.Errorf("output %d = %v, want NaN: every 2x2 window covers the NaN", i, v)
		}
	}
}

func TestConvValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomTensor(t, rng, 1, 4, 5, 5)
	weight := randomTensor(t, rng, 6, 2, 3, 3) // for Group 2
	weight1 := randomTensor(t, rng, 6, 4, 3, 3)
	bias := randomTensor(t, rng, 6)
	xInt, _ := FromInt64(make([]int64, 100), 1, 4, 5, 5)
	broken := &Tensor{Shape: []int{1, 4, 5, 5}, Data: make([]float32, 3)}
	bigKernel := randomTensor(t, rng, 6, 4, 9, 9)
	emptyKernel, _ := New(6, 4, 0, 3)

	cases := []struct {
		name   string
		conv   Conv
		inputs []*Tensor
		want   string
	}{
		{"one input", Conv{}, []*Tensor{x}, "got 1 inputs, want 2 to 3"},
		{"four inputs", Conv{}, []*Tensor{x, weight1, bias, bias}, "got 4 inputs, want 2 to 3"},
		{"nil X", Conv{}, []*Tensor{nil, weight1}, "input X is missing"},
		{"nil W", Conv{}, []*Tensor{x, nil}, "input W is missing"},
		{"int64 X", Conv{}, []*Tensor{xInt, weight1}, "input X has element type int64, want float32"},
		{"inconsistent X", Conv{}, []*Tensor{broken, weight1}, "input X: float32 tensor of shape [1 4 5 5] has 3 elements"},
		{"X rank 2", Conv{}, []*Tensor{randomTensor(t, rng, 4, 5), randomTensor(t, rng, 6, 4)}, "input X has rank 2 (shape [4 5]), want 3, 4 or 5"},
		{"X rank 6", Conv{}, []*Tensor{randomTensor(t, rng, 1, 1, 2, 2, 2, 2), randomTensor(t, rng, 1, 1, 1, 1, 1, 1)}, "input X has rank 6 (shape [1 1 2 2 2 2]), want 3, 4 or 5"},
		{"X rank 3, W rank 4", Conv{}, []*Tensor{randomTensor(t, rng, 4, 5, 5), weight1}, "input W has rank 4 (shape [6 4 3 3]), want rank 3 to match X [4 5 5]"},
		{"W rank 2", Conv{}, []*Tensor{x, randomTensor(t, rng, 6, 36)}, "input W has rank 2"},
		{"B rank 2", Conv{}, []*Tensor{x, weight1, randomTensor(t, rng, 6, 1)}, "input B has rank 2"},
		{"B length", Conv{}, []*Tensor{x, weight1, randomTensor(t, rng, 5)}, "input B has shape [5], want [6]"},
		{"W channels", Conv{}, []*Tensor{x, weight}, "want 4 input channels per group"},
		{"C not divisible by group", Conv{Group: 3}, []*Tensor{x, weight}, "4 channels, not divisible by group 3"},
		{"M not divisible by group", Conv{Group: 4}, []*Tensor{x, randomTensor(t, rng, 6, 1, 3, 3)}, "6 output channels, not divisible by group 4"},
		{"negative group", Conv{Group: -1}, []*Tensor{x, weight1}, "group -1, want at least 1"},
		{"kernel_shape mismatch", Conv{KernelShape: []int{3, 2}}, []*Tensor{x, weight1}, "kernel_shape [3 2] does not match the 3x3 kernel of W"},
		{"kernel_shape 3-D", Conv{KernelShape: []int{3, 3, 3}}, []*Tensor{x, weight1}, "kernel_shape [3 3 3] does not match the 3x3 kernel of W"},
		{"kernel size 0", Conv{}, []*Tensor{x, emptyKernel}, "kernel 0x3, want every size at least 1"},
		{"stride 0", Conv{Strides: []int{1, 0}}, []*Tensor{x, weight1}, "strides [1 0], want values at least 1"},
		{"strides 1-D", Conv{Strides: []int{1}}, []*Tensor{x, weight1}, "strides [1] has 1 values, want 2"},
		{"dilation 0", Conv{Dilations: []int{0, 1}}, []*Tensor{x, weight1}, "dilations [0 1], want values at least 1"},
		{"negative pad", Conv{Pads: []int{0, -1, 0, 0}}, []*Tensor{x, weight1}, "pads [0 -1 0 0], want values at least 0"},
		{"pads 2 values", Conv{Pads: []int{1, 1}}, []*Tensor{x, weight1}, "pads [1 1] has 2 values, want 4"},
		{"unknown auto_pad", Conv{AutoPad: "SAME"}, []*Tensor{x, weight1}, `auto_pad "SAME", want NOTSET, VALID, SAME_UPPER or SAME_LOWER`},
		{"pads with auto_pad", Conv{AutoPad: "SAME_UPPER", Pads: []int{1, 1, 1, 1}}, []*Tensor{x, weight1}, "pads [1 1 1 1] given with auto_pad SAME_UPPER"},
		{"negative output size", Conv{}, []*Tensor{x, bigKernel}, "dilated kernel 9x9 larger than padded input 5x5 by more than stride 1x1"},
		{"VALID negative output size", Conv{AutoPad: "VALID"}, []*Tensor{x, bigKernel}, "larger than padded input 5x5"},
		{"dilation overflow", Conv{Dilations: []int{math.MaxInt/2 + 1, 1}}, []*Tensor{x, weight1}, "kernel height 3 with dilation"},
		{"pad overflow", Conv{Pads: []int{math.MaxInt - 2, 0, 1, 0}}, []*Tensor{x, weight1}, "input height 5 with pads"},
	}
	for _, tc := range cases {
		tc.conv.NodeName = "conv1"
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.conv, tc.want, tc.inputs...)
		})
	}
}
