package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// maxPoolNDCases returns hand-written and random MaxPool cases of 1 to 3
// spatial axes. autoPads, when not nil, are the pads that auto_pad implies.
func maxPoolNDCases() []struct {
	name     string
	x        []int
	pool     MaxPool
	autoPads []int
} {
	type tc = struct {
		name     string
		x        []int
		pool     MaxPool
		autoPads []int
	}
	cases := []tc{
		{"1-D kernel 3", []int{2, 3, 9}, MaxPool{KernelShape: []int{3}}, nil},
		{"1-D kernel 2 stride 2", []int{1, 2, 8}, MaxPool{KernelShape: []int{2}, Strides: []int{2}}, nil},
		{"1-D ceil pads dilation", []int{1, 2, 10}, MaxPool{KernelShape: []int{3}, Strides: []int{3}, Pads: []int{1, 2}, Dilations: []int{2}, CeilMode: true}, nil},
		{"1-D ceil drops window in end padding", []int{1, 1, 2}, MaxPool{KernelShape: []int{3}, Strides: []int{3}, Pads: []int{1, 1}, CeilMode: true}, nil},
		{"1-D SAME_LOWER", []int{1, 2, 7}, MaxPool{KernelShape: []int{4}, Strides: []int{2}, AutoPad: "SAME_LOWER"}, []int{2, 1}},
		{"1-D VALID ceil ignored", []int{1, 1, 7}, MaxPool{KernelShape: []int{2}, Strides: []int{2}, AutoPad: "VALID", CeilMode: true}, []int{0, 0}},
		{"1-D output 0", []int{1, 1, 2}, MaxPool{KernelShape: []int{4}, Strides: []int{3}}, nil},
		{"2-D 2x2 stride 2", []int{1, 2, 4, 6}, MaxPool{KernelShape: []int{2, 2}, Strides: []int{2, 2}}, nil},
		{"2-D SAME_UPPER", []int{1, 1, 5, 6}, MaxPool{KernelShape: []int{3, 2}, AutoPad: "SAME_UPPER"}, []int{1, 0, 1, 1}},
		{"3-D 2x2x2", []int{2, 2, 4, 4, 4}, MaxPool{KernelShape: []int{2, 2, 2}, Strides: []int{2, 2, 2}}, nil},
		{"3-D pads strides dilations", []int{1, 2, 5, 6, 7}, MaxPool{KernelShape: []int{2, 3, 2}, Strides: []int{2, 1, 3}, Pads: []int{1, 0, 2, 0, 1, 1}, Dilations: []int{2, 1, 2}}, nil},
		{"3-D ceil", []int{1, 1, 4, 5, 6}, MaxPool{KernelShape: []int{3, 3, 3}, Strides: []int{2, 2, 2}, Pads: []int{1, 1, 1, 1, 1, 1}, CeilMode: true}, nil},
		{"3-D pads larger than kernel", []int{1, 1, 2, 2, 2}, MaxPool{KernelShape: []int{2, 2, 2}, Pads: []int{3, 0, 2, 2, 3, 0}}, nil},
		{"3-D SAME_UPPER stride 2", []int{1, 1, 5, 6, 4}, MaxPool{KernelShape: []int{3, 3, 2}, Strides: []int{2, 2, 2}, AutoPad: "SAME_UPPER"}, []int{1, 0, 0, 1, 1, 0}},
		{"3-D depth output 0", []int{1, 1, 2, 4, 4}, MaxPool{KernelShape: []int{3, 2, 2}}, nil},
		{"3-D batch 0", []int{0, 2, 3, 3, 3}, MaxPool{KernelShape: []int{2, 2, 2}}, nil},
	}

	rng := rand.New(rand.NewPCG(40, 41))
	for _, rank := range []int{1, 2, 3} {
		for _, wc := range randomWindowCases(rng, rank, 60) {
			cases = append(cases, tc{wc.name, wc.inputShape(), MaxPool{
				KernelShape: wc.kernel, Strides: wc.strides, Pads: wc.pads, Dilations: wc.dilations, CeilMode: wc.ceil,
			}, nil})
		}
	}
	return cases
}

func TestMaxPoolNDMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range maxPoolNDCases() {
		for _, withSpecial := range []bool{false, true} {
			for _, storageOrder := range []int{0, 1} {
				x := randomTensor(t, rng, tc.x...)
				if withSpecial {
					specialValues(rng, x)
				}
				label := fmt.Sprintf("%s (x %v, special values %v, storage_order %d)", tc.name, x.Shape, withSpecial, storageOrder)
				pool := tc.pool
				pool.NodeName = "pool1"
				pool.StorageOrder = storageOrder

				got := forwardOne(t, pool, x)
				pool.OutputIndices = true
				outs, err := pool.Forward([]*Tensor{x})
				if err != nil {
					t.Fatalf("%s: Forward with indices: %v", label, err)
				}

				// ceil mode affects explicit padding only.
				ceil := pool.CeilMode && tc.autoPads == nil
				axes := refAxes(pool.KernelShape, pool.Strides, pool.Pads, pool.Dilations, tc.autoPads)
				wantShape, want, wantIndices := refMaxPoolND(x, axes, ceil, storageOrder == 1)
				if !sameShape(got.Shape, wantShape) {
					t.Errorf("%s: output shape %v, want %v", label, got.Shape, wantShape)
					continue
				}
				checkExact(t, label, got.Data, want)
				if len(outs) != 2 {
					t.Fatalf("%s: Forward with indices returned %d outputs, want 2", label, len(outs))
				}
				if !sameValues(outs[0].Data, got.Data) {
					t.Errorf("%s: Y with indices differs from Y without", label)
				}
				indices := outs[1]
				if indices.DType != Int64 || !sameShape(indices.Shape, wantShape) || indices.Validate() != nil {
					t.Errorf("%s: Indices is %v of shape %v, want int64 of shape %v", label, indices.DType, indices.Shape, wantShape)
					continue
				}
				if !slices.Equal(indices.Int64, wantIndices) {
					t.Errorf("%s: Indices %v, want %v", label, indices.Int64, wantIndices)
				}
			}
		}
	}
}

// sameValues reports whether a and b hold the same float32 values, where
// -0 differs from +0 and any NaN equals any NaN. The vector kernels may
// return another NaN bit pattern than Go's max.
func sameValues(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		bothNaN := a[i] != a[i] && b[i] != b[i]
		if !bothNaN && math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// ascendingValues returns the values 1, 2, ..., n.
func ascendingValues(n int) []float32 {
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i + 1)
	}
	return data
}

func TestMaxPoolIndicesONNXExamples(t *testing.T) {
	// The semantics of the ONNX node tests
	// test_maxpool_with_argmax_2d_precomputed_pads and
	// test_maxpool_with_argmax_2d_precomputed_strides, on the input
	// 1..25 as a 5x5 image, with the outputs worked out by hand.
	x := mustTensor(t, ascendingValues(25), 1, 1, 5, 5)
	cases := []struct {
		name    string
		pool    MaxPool
		shape   []int
		y       []float64
		indices []int64
	}{
		{"5x5 kernel pads 2", MaxPool{KernelShape: []int{5, 5}, Pads: []int{2, 2, 2, 2}}, []int{1, 1, 5, 5},
			[]float64{
				13, 14, 15, 15, 15,
				18, 19, 20, 20, 20,
				23, 24, 25, 25, 25,
				23, 24, 25, 25, 25,
				23, 24, 25, 25, 25,
			},
			[]int64{
				12, 13, 14, 14, 14,
				17, 18, 19, 19, 19,
				22, 23, 24, 24, 24,
				22, 23, 24, 24, 24,
				22, 23, 24, 24, 24,
			}},
		// Column-major: the value at row h, column w has index h + 5*w.
		{"2x2 stride 2 column major", MaxPool{KernelShape: []int{2, 2}, Strides: []int{2, 2}, StorageOrder: 1}, []int{1, 1, 2, 2},
			[]float64{7, 9, 17, 19}, []int64{6, 16, 8, 18}},
		{"2x2 stride 2 row major", MaxPool{KernelShape: []int{2, 2}, Strides: []int{2, 2}}, []int{1, 1, 2, 2},
			[]float64{7, 9, 17, 19}, []int64{6, 8, 16, 18}},
	}
	for _, tc := range cases {
		tc.pool.NodeName = "pool1"
		tc.pool.OutputIndices = true
		outs, err := tc.pool.Forward([]*Tensor{x})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !sameShape(outs[0].Shape, tc.shape) {
			t.Errorf("%s: output shape %v, want %v", tc.name, outs[0].Shape, tc.shape)
			continue
		}
		checkExact(t, tc.name, outs[0].Data, tc.y)
		if !slices.Equal(outs[1].Int64, tc.indices) {
			t.Errorf("%s: Indices %v, want %v", tc.name, outs[1].Int64, tc.indices)
		}
	}
}

func TestMaxPoolIndicesIncludePlaneOffset(t *testing.T) {
	// Indices count from the start of the whole tensor, so the maximum of
	// plane n*C + c is offset by that plane times the plane size, in both
	// storage orders. Each plane of 2x3 holds its maximum at row 1,
	// column 2, which is index 5 row-major and 1 + 2*2 = 5 column-major.
	data := make([]float32, 2*3*6)
	for plane := 0; plane < 6; plane++ {
		data[plane*6+5] = 1
	}
	x := mustTensor(t, data, 2, 3, 2, 3)
	for _, order := range []int{0, 1} {
		pool := MaxPool{NodeName: "pool1", KernelShape: []int{2, 3}, StorageOrder: order, OutputIndices: true}
		outs, err := pool.Forward([]*Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{5, 11, 17, 23, 29, 35}
		if !slices.Equal(outs[1].Int64, want) {
			t.Errorf("storage_order %d: Indices %v, want %v", order, outs[1].Int64, want)
		}
	}
}

func TestMaxPoolIndices3DColumnMajor(t *testing.T) {
	// The maximum of a 2x3x4 volume sits at depth 1, row 0, column 2:
	// row-major index 1*12 + 0*4 + 2 = 14, column-major 1 + 0*2 + 2*6 = 13.
	data := make([]float32, 24)
	data[14] = 5
	x := mustTensor(t, data, 1, 1, 2, 3, 4)
	for order, want := range []int64{14, 13} {
		pool := MaxPool{NodeName: "pool1", KernelShape: []int{2, 3, 4}, StorageOrder: order, OutputIndices: true}
		outs, err := pool.Forward([]*Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		if outs[0].Data[0] != 5 || outs[1].Int64[0] != want {
			t.Errorf("storage_order %d: Y %v, Indices %v, want 5 and %d", order, outs[0].Data[0], outs[1].Int64[0], want)
		}
	}
}

func TestMaxPoolIndicesSpecialValues(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	cases := []struct {
		name  string
		row   []float32
		y     float64
		index int64
	}{
		{"tie goes to the first", []float32{1, 3, 3, 2}, 3, 1},
		{"first NaN wins", []float32{1, nan, 5, nan}, math.NaN(), 1},
		{"NaN after +Inf", []float32{inf, 2, nan}, math.NaN(), 2},
		{"+0 beats an earlier -0", []float32{negZero, -1, 0, negZero}, 0, 2},
		{"all -0 keeps the first", []float32{-1, negZero, negZero}, 0, 1},
		{"all -Inf keeps the first", []float32{float32(math.Inf(-1)), float32(math.Inf(-1))}, math.Inf(-1), 0},
	}
	for _, tc := range cases {
		x := mustTensor(t, tc.row, 1, 1, len(tc.row))
		pool := MaxPool{NodeName: "pool1", KernelShape: []int{len(tc.row)}, OutputIndices: true}
		outs, err := pool.Forward([]*Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, tc.name, outs[0].Data, []float64{tc.y})
		if outs[1].Int64[0] != tc.index {
			t.Errorf("%s: index %d, want %d", tc.name, outs[1].Int64[0], tc.index)
		}
	}

	// The value of an all -0 window keeps its sign, as with Go's max.
	x := mustTensor(t, []float32{negZero, negZero}, 1, 1, 2)
	got := forwardOne(t, MaxPool{NodeName: "pool1", KernelShape: []int{2}}, x)
	if !math.Signbit(float64(got.Data[0])) {
		t.Errorf("max of -0 and -0 = %v, want -0", got.Data[0])
	}
}

func TestMaxPoolIndicesEmptyWindow(t *testing.T) {
	// A 1x1 kernel over 1 row of padding above a 1x1 input: the first
	// window covers only padding.
	x := mustTensor(t, []float32{-5}, 1, 1, 1, 1)
	pool := MaxPool{NodeName: "pool1", KernelShape: []int{1, 1}, Pads: []int{1, 0, 0, 0}, OutputIndices: true}
	outs, err := pool.Forward([]*Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, "Y", outs[0].Data, []float64{math.Inf(-1), -5})
	if !slices.Equal(outs[1].Int64, []int64{-1, 0}) {
		t.Errorf("Indices %v, want [-1 0]", outs[1].Int64)
	}
}

func TestMaxPoolNDPaddingIsNotZero(t *testing.T) {
	// Every input is negative, so an output of 0 could only come from a
	// padded tap read as 0.
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		x    []int
		pool MaxPool
	}{
		{[]int{2, 2, 7}, MaxPool{KernelShape: []int{3}, Strides: []int{2}, Pads: []int{2, 2}}},
		{[]int{1, 2, 3, 4, 5}, MaxPool{KernelShape: []int{3, 3, 3}, Pads: []int{1, 2, 1, 2, 1, 2}}},
		{[]int{1, 1, 3, 3, 3}, MaxPool{KernelShape: []int{2, 2, 2}, Strides: []int{2, 2, 2}, Pads: []int{1, 1, 1, 1, 1, 1}, CeilMode: true}},
	}
	for _, tc := range cases {
		x := randomTensor(t, rng, tc.x...)
		for i := range x.Data {
			x.Data[i] = -1 - float32(rng.Float64())
		}
		tc.pool.NodeName = "pool1"
		for _, indices := range []bool{false, true} {
			tc.pool.OutputIndices = indices
			outs, err := tc.pool.Forward([]*Tensor{x})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range outs[0].Data {
				if v >= 0 {
					t.Fatalf("x %v, indices %v: output %d = %v, want a negative value from the input", tc.x, indices, i, v)
				}
			}
		}
	}
}

func TestMaxPoolNDCeilOutputShapes(t *testing.T) {
	// Output lengths worked out by hand from the ONNX formulas. In ceil
	// mode a last window that would start in the end padding is dropped.
	cases := []struct {
		name string
		x    []int
		pool MaxPool
		want []int
	}{
		{"1-D ceil adds a partial window", []int{1, 1, 5}, MaxPool{KernelShape: []int{2}, Strides: []int{2}, CeilMode: true}, []int{1, 1, 3}},
		{"1-D floor", []int{1, 1, 5}, MaxPool{KernelShape: []int{2}, Strides: []int{2}}, []int{1, 1, 2}},
		// ceil((2+2-3)/3)+1 = 2, but the second window starts at padded
		// position 3, inside the end padding.
		{"1-D ceil drop", []int{1, 1, 2}, MaxPool{KernelShape: []int{3}, Strides: []int{3}, Pads: []int{1, 1}, CeilMode: true}, []int{1, 1, 1}},
		{"3-D ceil per axis", []int{1, 1, 4, 5, 2}, MaxPool{KernelShape: []int{3, 2, 3}, Strides: []int{2, 2, 3}, Pads: []int{0, 0, 1, 0, 1, 1}, CeilMode: true},
			[]int{1, 1, 2, 3, 1}},
	}
	for _, tc := range cases {
		tc.pool.NodeName = "pool1"
		x := randomTensor(t, rand.New(rand.NewPCG(1, 1)), tc.x...)
		got := forwardOne(t, tc.pool, x)
		if !sameShape(got.Shape, tc.want) {
			t.Errorf("%s: output shape %v, want %v", tc.name, got.Shape, tc.want)
		}
	}
}

func TestMaxPoolNDValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x1 := randomTensor(t, rng, 1, 2, 6)
	x3 := randomTensor(t, rng, 1, 2, 3, 4, 5)
	k3 := []int{2, 2, 2}

	cases := []struct {
		name string
		pool MaxPool
		x    *Tensor
		want string
	}{
		{"1-D pads 4 values", MaxPool{KernelShape: []int{2}, Pads: []int{1, 1, 1, 1}}, x1, "pads [1 1 1 1] has 4 values, want 2 for 1-D input"},
		{"1-D negative output", MaxPool{KernelShape: []int{4}, Dilations: []int{3}}, x1, "dilated kernel 10 larger than padded input 6 by more than stride 1"},
		{"3-D dilations 2 values", MaxPool{KernelShape: k3, Dilations: []int{1, 1}}, x3, "dilations [1 1] has 2 values, want 3 for 3-D input"},
		{"3-D kernel 0", MaxPool{KernelShape: []int{2, 0, 2}}, x3, "kernel 2x0x2, want every size at least 1"},
		{"3-D storage_order -1", MaxPool{KernelShape: k3, StorageOrder: -1}, x3, "storage_order -1, want 0"},
		{"3-D pads with SAME_UPPER", MaxPool{KernelShape: k3, AutoPad: "SAME_UPPER", Pads: []int{0, 0, 0, 0, 0, 1}}, x3, "given with auto_pad SAME_UPPER"},
		{"oversized output with indices", MaxPool{KernelShape: []int{1}, Pads: []int{0, 1 << 60}, OutputIndices: true}, x1, "output: shape [1 2 1152921504606846982] has more than"},
	}
	for _, tc := range cases {
		tc.pool.NodeName = "pool1"
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.pool, tc.want, tc.x)
		})
	}
}
