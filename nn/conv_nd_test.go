package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// convNDCase is a Conv case of any spatial rank. autoPads, when not nil,
// are the pads that the case's auto_pad implies, which the reference uses.
type convNDCase struct {
	name     string
	n, c, m  int
	in       []int
	kernel   []int
	conv     Conv
	bias     bool
	autoPads []int
}

func convNDCases() []convNDCase {
	cases := []convNDCase{
		{name: "1-D 3 taps", n: 2, c: 3, m: 4, in: []int{9}, kernel: []int{3}, bias: true},
		{name: "1-D pointwise", n: 2, c: 3, m: 2, in: []int{7}, kernel: []int{1}, bias: true},
		{name: "1-D pointwise stride 2 pad 1", n: 1, c: 3, m: 2, in: []int{7}, kernel: []int{1},
			conv: Conv{Strides: []int{2}, Pads: []int{1, 1}}},
		{name: "1-D asymmetric pads stride dilation", n: 1, c: 2, m: 3, in: []int{10}, kernel: []int{3},
			conv: Conv{Strides: []int{2}, Pads: []int{2, 0}, Dilations: []int{2}}, bias: true},
		{name: "1-D groups", n: 2, c: 4, m: 6, in: []int{6}, kernel: []int{3}, conv: Conv{Group: 2}},
		{name: "1-D depthwise multiplier 2", n: 1, c: 3, m: 6, in: []int{8}, kernel: []int{2}, conv: Conv{Group: 3, Pads: []int{1, 1}}},
		{name: "1-D input length 1 pads 2", n: 1, c: 4, m: 2, in: []int{1}, kernel: []int{3}, conv: Conv{Pads: []int{2, 2}}, bias: true},
		{name: "1-D output 0", n: 1, c: 1, m: 2, in: []int{2}, kernel: []int{4}, conv: Conv{Strides: []int{3}}, bias: true},
		{name: "1-D SAME_UPPER", n: 1, c: 2, m: 2, in: []int{6}, kernel: []int{4}, conv: Conv{AutoPad: "SAME_UPPER"}, autoPads: []int{1, 2}},
		{name: "1-D SAME_LOWER stride 2", n: 1, c: 2, m: 2, in: []int{7}, kernel: []int{4}, conv: Conv{AutoPad: "SAME_LOWER", Strides: []int{2}}, autoPads: []int{2, 1}},
		{name: "1-D VALID", n: 1, c: 2, m: 2, in: []int{7}, kernel: []int{3}, conv: Conv{AutoPad: "VALID", Strides: []int{2}}, autoPads: []int{0, 0}},

		{name: "3-D 3x3x3 pad 1", n: 2, c: 2, m: 3, in: []int{4, 5, 3}, kernel: []int{3, 3, 3}, conv: Conv{Pads: []int{1, 1, 1, 1, 1, 1}}, bias: true},
		{name: "3-D pointwise", n: 2, c: 3, m: 4, in: []int{2, 3, 4}, kernel: []int{1, 1, 1}, bias: true},
		{name: "3-D pointwise stride 2", n: 1, c: 3, m: 2, in: []int{3, 4, 5}, kernel: []int{1, 1, 1}, conv: Conv{Strides: []int{2, 1, 2}}},
		{name: "3-D pointwise depth pad", n: 1, c: 2, m: 2, in: []int{2, 2, 2}, kernel: []int{1, 1, 1}, conv: Conv{Pads: []int{1, 0, 0, 0, 0, 0}}},
		{name: "3-D asymmetric pads", n: 1, c: 2, m: 2, in: []int{3, 4, 5}, kernel: []int{2, 3, 2}, conv: Conv{Pads: []int{0, 1, 2, 2, 0, 1}}, bias: true},
		{name: "3-D strides and dilations per axis", n: 1, c: 2, m: 3, in: []int{7, 6, 8}, kernel: []int{2, 3, 2},
			conv: Conv{Strides: []int{2, 1, 3}, Dilations: []int{3, 2, 1}, Pads: []int{1, 2, 0, 0, 1, 2}}},
		{name: "3-D groups", n: 2, c: 4, m: 4, in: []int{3, 4, 4}, kernel: []int{2, 2, 2}, conv: Conv{Group: 2}, bias: true},
		{name: "3-D depthwise", n: 1, c: 3, m: 3, in: []int{4, 4, 4}, kernel: []int{3, 3, 3}, conv: Conv{Group: 3, Pads: []int{1, 1, 1, 1, 1, 1}}},
		{name: "3-D depth pads larger than kernel", n: 1, c: 1, m: 2, in: []int{2, 3, 3}, kernel: []int{2, 2, 2}, conv: Conv{Pads: []int{3, 0, 0, 3, 1, 1}}},
		{name: "3-D output depth 0", n: 1, c: 1, m: 1, in: []int{2, 4, 4}, kernel: []int{3, 2, 2}, bias: true},
		{name: "3-D batch 0", n: 0, c: 2, m: 2, in: []int{3, 3, 3}, kernel: []int{2, 2, 2}, bias: true},
		{name: "3-D SAME_UPPER stride 2", n: 1, c: 2, m: 2, in: []int{5, 6, 4}, kernel: []int{3, 3, 2},
			conv: Conv{AutoPad: "SAME_UPPER", Strides: []int{2, 2, 2}}, autoPads: []int{1, 0, 0, 1, 1, 0}},
		{name: "3-D SAME_LOWER", n: 1, c: 1, m: 2, in: []int{3, 3, 3}, kernel: []int{2, 2, 2},
			conv: Conv{AutoPad: "SAME_LOWER"}, autoPads: []int{1, 1, 1, 0, 0, 0}},
		{name: "3-D VALID stride 2", n: 1, c: 2, m: 1, in: []int{5, 5, 6}, kernel: []int{3, 2, 2},
			conv: Conv{AutoPad: "VALID", Strides: []int{2, 2, 2}}, autoPads: make([]int, 6)},
		{name: "3-D kernel_shape given", n: 1, c: 1, m: 1, in: []int{3, 3, 3}, kernel: []int{2, 1, 3}, conv: Conv{KernelShape: []int{2, 1, 3}}},
	}

	rng := rand.New(rand.NewPCG(30, 31))
	for _, rank := range []int{1, 2, 3} {
		for _, wc := range randomWindowCases(rng, rank, 60) {
			g := 1 + rng.IntN(3)
			cases = append(cases, convNDCase{
				name: wc.name, n: wc.n, c: g * wc.c, m: g * (1 + rng.IntN(3)), in: wc.in, kernel: wc.kernel,
				conv: Conv{Group: g, Strides: wc.strides, Pads: wc.pads, Dilations: wc.dilations},
				bias: wc.ceil, // a random bit
			})
		}
	}
	return cases
}

func TestConvNDMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range convNDCases() {
		tc.conv.NodeName = "conv1"
		g := groupCount(tc.conv)
		x := randomTensor(t, rng, append([]int{tc.n, tc.c}, tc.in...)...)
		weight := randomTensor(t, rng, append([]int{tc.m, tc.c / g}, tc.kernel...)...)
		inputs := []*Tensor{x, weight}
		var bias *Tensor
		if tc.bias {
			bias = randomTensor(t, rng, tc.m)
			inputs = append(inputs, bias)
		}
		xBefore := slices.Clone(x.Data)

		got := forwardOne(t, tc.conv, inputs...)

		axes := refAxes(tc.kernel, tc.conv.Strides, tc.conv.Pads, tc.conv.Dilations, tc.autoPads)
		wantShape, want, tol := refConvND(x, weight, bias, g, axes)
		label := fmt.Sprintf("%s (x %v, W %v)", tc.name, x.Shape, weight.Shape)
		if !sameShape(got.Shape, wantShape) {
			t.Errorf("%s: output shape %v, want %v", label, got.Shape, wantShape)
			continue
		}
		checkClose(t, label, got.Data, want, tol)
		if !slices.Equal(x.Data, xBefore) {
			t.Errorf("%s: Forward modified its input X", label)
		}
	}
}

func TestConv1DEqualsUnitHeight2D(t *testing.T) {
	// A 1-D convolution must equal the 2-D one on a 1-row image with a
	// 1-row kernel, bit for bit, since both run the same 2-D path.
	rng := rand.New(rand.NewPCG(7, 8))
	x := randomTensor(t, rng, 2, 4, 11)
	weight := randomTensor(t, rng, 6, 2, 3)
	bias := randomTensor(t, rng, 6)
	conv1D := Conv{NodeName: "conv1", Group: 2, Strides: []int{2}, Pads: []int{1, 2}, Dilations: []int{2}}
	conv2D := Conv{NodeName: "conv1", Group: 2, Strides: []int{1, 2}, Pads: []int{0, 1, 0, 2}, Dilations: []int{1, 2}}

	got := forwardOne(t, conv1D, x, weight, bias)
	x2 := mustTensor(t, x.Data, 2, 4, 1, 11)
	w2 := mustTensor(t, weight.Data, 6, 2, 1, 3)
	want := forwardOne(t, conv2D, x2, w2, bias)

	if !sameShape(got.Shape, []int{2, 6, want.Shape[3]}) {
		t.Fatalf("1-D output shape %v, want [2 6 %d]", got.Shape, want.Shape[3])
	}
	if !sameBits(got.Data, want.Data) {
		t.Errorf("1-D output differs from the unit-height 2-D output")
	}
}

func TestConvNDValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x1 := randomTensor(t, rng, 1, 2, 6)
	w1 := randomTensor(t, rng, 3, 2, 3)
	x3 := randomTensor(t, rng, 1, 2, 3, 4, 5)
	w3 := randomTensor(t, rng, 3, 2, 2, 2, 2)
	big3 := randomTensor(t, rng, 3, 2, 5, 2, 2)

	cases := []struct {
		name   string
		conv   Conv
		inputs []*Tensor
		want   string
	}{
		{"1-D strides 2 values", Conv{Strides: []int{1, 1}}, []*Tensor{x1, w1}, "strides [1 1] has 2 values, want 1 for 1-D input"},
		{"1-D pads 4 values", Conv{Pads: []int{1, 1, 1, 1}}, []*Tensor{x1, w1}, "pads [1 1 1 1] has 4 values, want 2 for 1-D input"},
		{"1-D dilations 0", Conv{Dilations: []int{0}}, []*Tensor{x1, w1}, "dilations [0], want values at least 1"},
		{"1-D kernel_shape", Conv{KernelShape: []int{2}}, []*Tensor{x1, w1}, "kernel_shape [2] does not match the 3 kernel of W"},
		{"1-D negative output", Conv{}, []*Tensor{randomTensor(t, rng, 1, 2, 1), w1}, "dilated kernel 3 larger than padded input 1 by more than stride 1"},
		{"3-D pads 4 values", Conv{Pads: []int{1, 1, 1, 1}}, []*Tensor{x3, w3}, "pads [1 1 1 1] has 4 values, want 6 for 3-D input"},
		{"3-D strides 2 values", Conv{Strides: []int{1, 1}}, []*Tensor{x3, w3}, "strides [1 1] has 2 values, want 3 for 3-D input"},
		{"3-D kernel_shape 2 values", Conv{KernelShape: []int{2, 2}}, []*Tensor{x3, w3}, "kernel_shape [2 2] does not match the 2x2x2 kernel of W"},
		{"3-D negative output", Conv{}, []*Tensor{x3, big3}, "dilated kernel 5x2x2 larger than padded input 3x4x5 by more than stride 1x1x1"},
		{"3-D depth dilation overflow", Conv{Dilations: []int{math.MaxInt, 1, 1}}, []*Tensor{x3, w3}, "kernel depth 2 with dilation"},
		{"3-D depth pad overflow", Conv{Pads: []int{1 << 62, 0, 0, 1 << 62, 0, 0}}, []*Tensor{x3, w3}, "input depth 3 with pads"},
		{"3-D W rank 4", Conv{}, []*Tensor{x3, randomTensor(t, rng, 3, 2, 2, 2)}, "input W has rank 4 (shape [3 2 2 2]), want rank 5 to match X [1 2 3 4 5]"},
		{"3-D pads with SAME_LOWER", Conv{AutoPad: "SAME_LOWER", Pads: []int{0, 0, 1, 0, 0, 0}}, []*Tensor{x3, w3}, "given with auto_pad SAME_LOWER"},
	}
	for _, tc := range cases {
		tc.conv.NodeName = "conv1"
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.conv, tc.want, tc.inputs...)
		})
	}
}

func TestConv3DRejectsOversizedBuffer(t *testing.T) {
	// One voxel padded to 2^30 per side gives 2^90 outputs; the layer must
	// reject the shape before it allocates.
	x := mustTensor(t, []float32{1}, 1, 1, 1, 1, 1)
	weight := mustTensor(t, []float32{1, 1}, 1, 1, 1, 1, 2)
	conv := Conv{NodeName: "conv1", Pads: []int{0, 0, 0, 1 << 30, 1 << 30, 1 << 30}}
	wantError(t, conv, "has more than", x, weight)
}
