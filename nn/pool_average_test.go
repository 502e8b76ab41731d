package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

type averagePoolCase struct {
	name     string
	x        []int
	pool     AveragePool
	autoPads []int // the pads that auto_pad implies, or nil
}

func averagePoolCases() []averagePoolCase {
	cases := []averagePoolCase{
		{"1-D kernel 3", []int{2, 3, 9}, AveragePool{KernelShape: []int{3}}, nil},
		{"1-D pads exclude", []int{1, 2, 6}, AveragePool{KernelShape: []int{3}, Pads: []int{2, 1}}, nil},
		{"1-D pads include", []int{1, 2, 6}, AveragePool{KernelShape: []int{3}, Pads: []int{2, 1}, CountIncludePad: true}, nil},
		{"1-D ceil include pad", []int{1, 1, 8}, AveragePool{KernelShape: []int{3}, Strides: []int{3}, Pads: []int{1, 1}, CeilMode: true, CountIncludePad: true}, nil},
		{"1-D dilation", []int{1, 1, 9}, AveragePool{KernelShape: []int{3}, Dilations: []int{3}, Pads: []int{2, 2}, CountIncludePad: true}, nil},
		{"1-D SAME_UPPER include pad", []int{1, 2, 7}, AveragePool{KernelShape: []int{4}, AutoPad: "SAME_UPPER", CountIncludePad: true}, []int{1, 2}},
		{"1-D SAME_LOWER exclude pad", []int{1, 2, 7}, AveragePool{KernelShape: []int{4}, Strides: []int{2}, AutoPad: "SAME_LOWER"}, []int{2, 1}},
		{"1-D VALID", []int{1, 1, 7}, AveragePool{KernelShape: []int{2}, Strides: []int{2}, AutoPad: "VALID", CeilMode: true}, []int{0, 0}},
		{"2-D 3x3 pad 1 exclude", []int{1, 3, 5, 5}, AveragePool{KernelShape: []int{3, 3}, Pads: []int{1, 1, 1, 1}}, nil},
		{"2-D 3x3 pad 1 include", []int{1, 3, 5, 5}, AveragePool{KernelShape: []int{3, 3}, Pads: []int{1, 1, 1, 1}, CountIncludePad: true}, nil},
		{"2-D ceil asymmetric pads include", []int{2, 1, 6, 7}, AveragePool{KernelShape: []int{3, 2}, Strides: []int{2, 3}, Pads: []int{0, 1, 1, 0}, CeilMode: true, CountIncludePad: true}, nil},
		{"2-D global window", []int{1, 2, 4, 5}, AveragePool{KernelShape: []int{4, 5}}, nil},
		{"2-D SAME_UPPER stride 2 include", []int{1, 1, 5, 6}, AveragePool{KernelShape: []int{3, 3}, Strides: []int{2, 2}, AutoPad: "SAME_UPPER", CountIncludePad: true}, []int{1, 0, 1, 1}},
		{"3-D 2x2x2", []int{2, 2, 4, 4, 4}, AveragePool{KernelShape: []int{2, 2, 2}, Strides: []int{2, 2, 2}}, nil},
		{"3-D pads include", []int{1, 2, 3, 4, 5}, AveragePool{KernelShape: []int{3, 3, 3}, Pads: []int{1, 0, 2, 1, 2, 0}, CountIncludePad: true}, nil},
		{"3-D ceil dilations include", []int{1, 1, 7, 6, 5}, AveragePool{KernelShape: []int{2, 3, 2}, Strides: []int{2, 2, 3}, Dilations: []int{3, 1, 2}, Pads: []int{1, 1, 0, 1, 1, 1}, CeilMode: true, CountIncludePad: true}, nil},
		{"3-D ceil dilations exclude", []int{1, 1, 7, 6, 5}, AveragePool{KernelShape: []int{2, 3, 2}, Strides: []int{2, 2, 3}, Dilations: []int{3, 1, 2}, Pads: []int{1, 1, 0, 1, 1, 1}, CeilMode: true}, nil},
		{"3-D output 0", []int{1, 1, 2, 3, 3}, AveragePool{KernelShape: []int{3, 2, 2}}, nil},
		{"3-D channels 0", []int{1, 0, 3, 3, 3}, AveragePool{KernelShape: []int{2, 2, 2}}, nil},
	}

	rng := rand.New(rand.NewPCG(50, 51))
	for _, rank := range []int{1, 2, 3} {
		for _, wc := range randomWindowCases(rng, rank, 60) {
			cases = append(cases, averagePoolCase{wc.name, wc.inputShape(), AveragePool{
				KernelShape: wc.kernel, Strides: wc.strides, Pads: wc.pads, Dilations: wc.dilations,
				CeilMode: wc.ceil, CountIncludePad: wc.includePad,
			}, nil})
		}
	}
	return cases
}

func TestAveragePoolMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range averagePoolCases() {
		tc.pool.NodeName = "pool1"
		for _, withSpecial := range []bool{false, true} {
			x := randomTensor(t, rng, tc.x...)
			if withSpecial {
				specialValues(rng, x)
			}
			xBefore := slices.Clone(x.Data)
			label := fmt.Sprintf("%s (x %v, special values %v)", tc.name, x.Shape, withSpecial)

			got := forwardOne(t, tc.pool, x)

			ceil := tc.pool.CeilMode && tc.autoPads == nil
			axes := refAxes(tc.pool.KernelShape, tc.pool.Strides, tc.pool.Pads, tc.pool.Dilations, tc.autoPads)
			wantShape, want := refAveragePoolND(x, axes, ceil, tc.pool.CountIncludePad)
			if !sameShape(got.Shape, wantShape) {
				t.Errorf("%s: output shape %v, want %v", label, got.Shape, wantShape)
				continue
			}
			checkClose(t, label, got.Data, want, averageTolerance(want))
			if !sameBits(x.Data, xBefore) {
				t.Errorf("%s: Forward modified its input X", label)
			}
		}
	}
}

func TestAveragePoolONNXExamples(t *testing.T) {
	// The semantics of the ONNX node tests
	// test_averagepool_2d_precomputed_pads(_count_include_pad) and
	// test_averagepool_2d_precomputed_strides, on the input 1..25 as a 5x5
	// image, with the outputs worked out by hand. With a 5x5 kernel and
	// pads 2, the window at the top left covers rows and columns 0..2, so
	// its sum is 1+2+3+6+7+8+11+12+13 = 63 over 9 inputs, or over 25 taps
	// when the padding counts.
	x := mustTensor(t, ascendingValues(25), 1, 1, 5, 5)
	cases := []struct {
		name  string
		pool  AveragePool
		shape []int
		y     []float64
	}{
		{"5x5 pads 2", AveragePool{KernelShape: []int{5, 5}, Pads: []int{2, 2, 2, 2}}, []int{1, 1, 5, 5},
			[]float64{
				7, 7.5, 8, 8.5, 9,
				9.5, 10, 10.5, 11, 11.5,
				12, 12.5, 13, 13.5, 14,
				14.5, 15, 15.5, 16, 16.5,
				17, 17.5, 18, 18.5, 19,
			}},
		{"5x5 pads 2 count_include_pad", AveragePool{KernelShape: []int{5, 5}, Pads: []int{2, 2, 2, 2}, CountIncludePad: true}, []int{1, 1, 5, 5},
			[]float64{
				63.0 / 25, 90.0 / 25, 120.0 / 25, 102.0 / 25, 81.0 / 25,
				114.0 / 25, 160.0 / 25, 210.0 / 25, 176.0 / 25, 138.0 / 25,
				180.0 / 25, 250.0 / 25, 325.0 / 25, 270.0 / 25, 210.0 / 25,
				174.0 / 25, 240.0 / 25, 310.0 / 25, 256.0 / 25, 198.0 / 25,
				153.0 / 25, 210.0 / 25, 270.0 / 25, 222.0 / 25, 171.0 / 25,
			}},
		{"2x2 stride 2", AveragePool{KernelShape: []int{2, 2}, Strides: []int{2, 2}}, []int{1, 1, 2, 2},
			[]float64{4, 6, 14, 16}},
	}
	for _, tc := range cases {
		tc.pool.NodeName = "pool1"
		got := forwardOne(t, tc.pool, x)
		if !sameShape(got.Shape, tc.shape) {
			t.Errorf("%s: output shape %v, want %v", tc.name, got.Shape, tc.shape)
			continue
		}
		checkClose(t, tc.name, got.Data, tc.y, averageTolerance(tc.y))
	}
}

func TestAveragePoolDivisors(t *testing.T) {
	// All-ones input makes each output the ratio of the input taps to the
	// divisor, so the divisor can be read off the output.
	cases := []struct {
		name string
		x    []int
		pool AveragePool
		want []float64
	}{
		// Windows over [pad, 0, 1] and [2, 3, pad]: 2 input taps of 3.
		{"exclude pad", []int{1, 1, 4}, AveragePool{KernelShape: []int{3}, Strides: []int{3}, Pads: []int{1, 1}},
			[]float64{1, 1}},
		{"include pad", []int{1, 1, 4}, AveragePool{KernelShape: []int{3}, Strides: []int{3}, Pads: []int{1, 1}, CountIncludePad: true},
			[]float64{2.0 / 3, 2.0 / 3}},
		// Ceil mode adds a window at padded position 3 over [2, pad, past
		// the padding]: the divisor counts the input and the explicit pad,
		// 2, not the position past the padding.
		{"ceil include pad stops at the padding", []int{1, 1, 3}, AveragePool{KernelShape: []int{3}, Strides: []int{3}, Pads: []int{1, 1}, CeilMode: true, CountIncludePad: true},
			[]float64{2.0 / 3, 1.0 / 2}},
		{"ceil exclude pad", []int{1, 1, 3}, AveragePool{KernelShape: []int{3}, Strides: []int{3}, Pads: []int{1, 1}, CeilMode: true},
			[]float64{1, 1}},
		// The same on a 2-D window: the bottom right window covers 1x1
		// inputs, 2x2 taps inside the padding, out of 3x3 taps.
		{"2-D ceil include pad", []int{1, 1, 3, 3}, AveragePool{KernelShape: []int{3, 3}, Strides: []int{3, 3}, Pads: []int{1, 1, 1, 1}, CeilMode: true, CountIncludePad: true},
			[]float64{4.0 / 9, 2.0 / 6, 2.0 / 6, 1.0 / 4}},
		// A dilated kernel of 2 taps 3 apart over [pad, pad, 0, 1]: tap 0
		// reads padding, tap 1 reads input 1.
		{"dilation include pad", []int{1, 1, 2}, AveragePool{KernelShape: []int{2}, Dilations: []int{3}, Pads: []int{2, 0}, CountIncludePad: true},
			[]float64{1.0 / 2}},
		// 3-D: with 1 pad before each axis, a 2x2x2 window covers 1 input
		// per axis at position 0 and 2 at position 1, of 8 taps.
		{"3-D corner include pad", []int{1, 1, 2, 2, 2}, AveragePool{KernelShape: []int{2, 2, 2}, Pads: []int{1, 1, 1, 0, 0, 0}, CountIncludePad: true},
			[]float64{1.0 / 8, 2.0 / 8, 2.0 / 8, 4.0 / 8, 2.0 / 8, 4.0 / 8, 4.0 / 8, 1}},
	}
	for _, tc := range cases {
		tc.pool.NodeName = "pool1"
		x := randomTensor(t, rand.New(rand.NewPCG(1, 1)), tc.x...)
		for i := range x.Data {
			x.Data[i] = 1
		}
		got := forwardOne(t, tc.pool, x)
		checkClose(t, tc.name, got.Data, tc.want, averageTolerance(tc.want))
	}
}

func TestAveragePoolEmptyWindow(t *testing.T) {
	// The first window of a 1x1 kernel with 1 pad before the input covers
	// only padding: 0/0 without count_include_pad, 0/1 with it.
	x := mustTensor(t, []float32{3}, 1, 1, 1)
	exclude := forwardOne(t, AveragePool{NodeName: "pool1", KernelShape: []int{1}, Pads: []int{1, 0}}, x)
	checkExact(t, "exclude pad", exclude.Data, []float64{math.NaN(), 3})
	include := forwardOne(t, AveragePool{NodeName: "pool1", KernelShape: []int{1}, Pads: []int{1, 0}, CountIncludePad: true}, x)
	checkExact(t, "include pad", include.Data, []float64{0, 3})
}

func TestAveragePoolNonFinite(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	x := mustTensor(t, []float32{1, nan, 1, inf, 1, -inf, inf, 2}, 1, 1, 8)
	got := forwardOne(t, AveragePool{NodeName: "pool1", KernelShape: []int{2}, Strides: []int{2}}, x)
	checkExact(t, "windows", got.Data, []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Inf(1)})

	// +Inf and -Inf in one window sum to NaN.
	x = mustTensor(t, []float32{inf, -inf}, 1, 1, 2)
	got = forwardOne(t, AveragePool{NodeName: "pool1", KernelShape: []int{2}}, x)
	checkExact(t, "+Inf and -Inf", got.Data, []float64{math.NaN()})
}

func TestAveragePoolValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomTensor(t, rng, 1, 2, 4, 4)
	xInt, _ := FromInt64(make([]int64, 32), 1, 2, 4, 4)
	k2 := []int{2, 2}

	cases := []struct {
		name   string
		pool   AveragePool
		inputs []*Tensor
		want   string
	}{
		{"no inputs", AveragePool{KernelShape: k2}, nil, "got 0 inputs, want 1"},
		{"nil X", AveragePool{KernelShape: k2}, []*Tensor{nil}, "input X is missing"},
		{"int64 X", AveragePool{KernelShape: k2}, []*Tensor{xInt}, "element type int64, want float32"},
		{"X rank 2", AveragePool{KernelShape: k2}, []*Tensor{randomTensor(t, rng, 4, 4)}, "input X has rank 2 (shape [4 4]), want 3, 4 or 5"},
		{"no kernel_shape", AveragePool{}, []*Tensor{x}, "kernel_shape [] has 0 values, want 2 for 2-D input"},
		{"kernel 0", AveragePool{KernelShape: []int{2, 0}}, []*Tensor{x}, "kernel 2x0, want every size at least 1"},
		{"strides 3 values", AveragePool{KernelShape: k2, Strides: []int{1, 1, 1}}, []*Tensor{x}, "strides [1 1 1] has 3 values, want 2 for 2-D input"},
		{"negative pad", AveragePool{KernelShape: k2, Pads: []int{0, 0, -1, 0}}, []*Tensor{x}, "pads [0 0 -1 0], want values at least 0"},
		{"pads with SAME_UPPER", AveragePool{KernelShape: k2, AutoPad: "SAME_UPPER", Pads: []int{1, 0, 0, 0}}, []*Tensor{x}, "given with auto_pad SAME_UPPER"},
		{"unknown auto_pad", AveragePool{KernelShape: k2, AutoPad: "SAME"}, []*Tensor{x}, `auto_pad "SAME"`},
		{"negative output size", AveragePool{KernelShape: []int{6, 2}}, []*Tensor{x}, "dilated kernel 6x2 larger than padded input 4x4 by more than stride 1x1"},
		{"oversized output", AveragePool{KernelShape: k2, Pads: []int{0, 0, 1 << 30, 1 << 30}}, []*Tensor{x}, "output: shape [1 2 1073741827 1073741827] has more than"},
	}
	for _, tc := range cases {
		tc.pool.NodeName = "pool1"
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.pool, tc.want, tc.inputs...)
		})
	}
}

func TestAveragePoolHugePadsCountWithoutOverflow(t *testing.T) {
	// Kernels and pads of 2^40 per axis put about 2^80 taps in the padded
	// window, more than int holds; the divisor must still be right.
	const big = 1 << 40
	x := mustTensor(t, []float32{8}, 1, 1, 1, 1)
	pool := AveragePool{NodeName: "pool1", KernelShape: []int{big, big}, Strides: []int{big, big},
		Pads: []int{big - 1, big - 1, 0, 0}, CountIncludePad: true}
	got := forwardOne(t, pool, x)
	checkClose(t, "huge window", got.Data, []float64{8.0 / big / big}, []float64{1e-7 * 8.0 / big / big})
}
