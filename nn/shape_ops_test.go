package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestFlattenShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomTensor(t, rng, 2, 3, 4, 5)
	cases := []struct {
		axis int
		want []int
	}{
		{0, []int{1, 120}},
		{1, []int{2, 60}},
		{2, []int{6, 20}},
		{3, []int{24, 5}},
		{4, []int{120, 1}},
		{-1, []int{24, 5}},
		{-2, []int{6, 20}},
		{-3, []int{2, 60}},
		{-4, []int{1, 120}},
	}
	for _, tc := range cases {
		got := forwardOne(t, Flatten{NodeName: "flat1", Axis: tc.axis}, x)
		if !sameShape(got.Shape, tc.want) {
			t.Errorf("axis %d: output shape %v, want %v", tc.axis, got.Shape, tc.want)
		}
		if !slices.Equal(got.Data, x.Data) {
			t.Errorf("axis %d: output elements differ from the input", tc.axis)
		}
		if len(x.Data) > 0 && &got.Data[0] == &x.Data[0] {
			t.Errorf("axis %d: output shares the input's elements", tc.axis)
		}
	}
}

func TestFlattenScalarAndInt64(t *testing.T) {
	scalar := mustTensor(t, []float32{7})
	got := forwardOne(t, Flatten{NodeName: "flat1", Axis: 0}, scalar)
	if !sameShape(got.Shape, []int{1, 1}) || got.Data[0] != 7 {
		t.Errorf("scalar: output %v with shape %v, want [7] with shape [1 1]", got.Data, got.Shape)
	}

	ints, _ := FromInt64([]int64{1, 2, 3, 4, 5, 6}, 1, 2, 3)
	got = forwardOne(t, Flatten{NodeName: "flat1", Axis: 2}, ints)
	if got.DType != Int64 || !sameShape(got.Shape, []int{2, 3}) || !slices.Equal(got.Int64, ints.Int64) {
		t.Errorf("int64: output %v %v with shape %v, want int64 %v with shape [2 3]", got.DType, got.Int64, got.Shape, ints.Int64)
	}
}

func TestFlattenValidation(t *testing.T) {
	x := mustTensor(t, make([]float32, 6), 2, 3)
	wantError(t, Flatten{NodeName: "flat1", Axis: 3}, "axis 3 out of range [-2, 2] for input of shape [2 3]", x)
	wantError(t, Flatten{NodeName: "flat1", Axis: -3}, "axis -3 out of range", x)
	wantError(t, Flatten{NodeName: "flat1"}, "got 2 inputs, want 1", x, x)
	wantError(t, Flatten{NodeName: "flat1"}, "input is missing", nil)
}

func shapeTensor(t *testing.T, dims ...int64) *Tensor {
	t.Helper()
	s, err := FromInt64(dims, len(dims))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReshapeShapes(t *testing.T) {
	// Cases from the ONNX backend tests, on data of shape [2, 3, 4].
	rng := rand.New(rand.NewPCG(3, 4))
	data := randomTensor(t, rng, 2, 3, 4)
	cases := []struct {
		shape     []int64
		allowZero bool
		want      []int
	}{
		{[]int64{4, 2, 3}, false, []int{4, 2, 3}},
		{[]int64{2, 12}, false, []int{2, 12}},
		{[]int64{24}, false, []int{24}},
		{[]int64{2, 3, 2, 2}, false, []int{2, 3, 2, 2}},
		{[]int64{2, -1, 2}, false, []int{2, 6, 2}},
		{[]int64{-1, 2, 3, 4}, false, []int{1, 2, 3, 4}},
		{[]int64{2, 0, 4, 1}, false, []int{2, 3, 4, 1}},
		{[]int64{2, 0, 1, -1}, false, []int{2, 3, 1, 4}},
		{[]int64{0, 0, 0}, false, []int{2, 3, 4}},
		{[]int64{-1}, false, []int{24}},
	}
	for _, tc := range cases {
		label := fmt.Sprintf("shape %v allowzero %v", tc.shape, tc.allowZero)
		got := forwardOne(t, Reshape{NodeName: "reshape1", AllowZero: tc.allowZero}, data, shapeTensor(t, tc.shape...))
		if !sameShape(got.Shape, tc.want) {
			t.Errorf("%s: output shape %v, want %v", label, got.Shape, tc.want)
		}
		if !slices.Equal(got.Data, data.Data) {
			t.Errorf("%s: output elements differ from the input", label)
		}
	}
}

func TestReshapeAllowZero(t *testing.T) {
	// With allowzero a 0 is a dimension of size 0, as in the ONNX test
	// test_reshape_allowzero_reordered: [0, 3, 4] to [3, 4, 0].
	empty, _ := New(0, 3, 4)
	got := forwardOne(t, Reshape{NodeName: "reshape1", AllowZero: true}, empty, shapeTensor(t, 3, 4, 0))
	if !sameShape(got.Shape, []int{3, 4, 0}) {
		t.Errorf("output shape %v, want [3 4 0]", got.Shape)
	}

	// Without allowzero a 0 copies the data dimension at its index.
	got = forwardOne(t, Reshape{NodeName: "reshape1"}, empty, shapeTensor(t, 0, 12))
	if !sameShape(got.Shape, []int{0, 12}) {
		t.Errorf("output shape %v, want [0 12]", got.Shape)
	}
}

func TestReshapeInt64Data(t *testing.T) {
	ints, _ := FromInt64([]int64{1, 2, 3, 4, 5, 6}, 2, 3)
	got := forwardOne(t, Reshape{NodeName: "reshape1"}, ints, shapeTensor(t, 3, -1))
	if got.DType != Int64 || !sameShape(got.Shape, []int{3, 2}) || !slices.Equal(got.Int64, ints.Int64) {
		t.Errorf("output %v %v with shape %v, want int64 %v with shape [3 2]", got.DType, got.Int64, got.Shape, ints.Int64)
	}
}

func TestReshapeValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	data := randomTensor(t, rng, 2, 3, 4)
	empty, _ := New(0, 3)
	floatShape := mustTensor(t, []float32{24}, 1)
	shape2D, _ := FromInt64([]int64{2, 12}, 1, 2)

	cases := []struct {
		name      string
		allowZero bool
		inputs    []*Tensor
		want      string
	}{
		{"one input", false, []*Tensor{data}, "got 1 inputs, want 2"},
		{"nil shape", false, []*Tensor{data, nil}, "input shape is missing"},
		{"float shape", false, []*Tensor{data, floatShape}, "input shape is a float32 tensor of shape [1], want a 1-D int64 tensor"},
		{"2-D shape", false, []*Tensor{data, shape2D}, "input shape is a int64 tensor of shape [1 2]"},
		{"two -1", false, []*Tensor{data, shapeTensor(t, -1, -1)}, "shape [-1 -1] has more than one -1"},
		{"-2", false, []*Tensor{data, shapeTensor(t, 2, -2, 6)}, "negative dimension -2 at index 1"},
		{"0 past rank", false, []*Tensor{data, shapeTensor(t, 2, 3, 4, 0)}, "0 at index 3, but data shape [2 3 4] has no dimension to copy there"},
		{"count mismatch", false, []*Tensor{data, shapeTensor(t, 5, 5)}, "shape [5 5] (resolved [5 5]) has 25 elements, but data of shape [2 3 4] has 24"},
		{"-1 not divisible", false, []*Tensor{data, shapeTensor(t, 5, -1)}, "cannot infer -1 in shape [5 -1]"},
		{"-1 with zero-size dims", false, []*Tensor{empty, shapeTensor(t, 0, -1)}, "cannot infer -1 in shape [0 -1]"},
		{"allowzero 0 and -1", true, []*Tensor{empty, shapeTensor(t, 0, -1)}, "has both 0 and -1 with allowzero set"},
		{"overflow", false, []*Tensor{data, shapeTensor(t, 1<<40, 1<<40)}, "shape [1099511627776 1099511627776]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, Reshape{NodeName: "reshape1", AllowZero: tc.allowZero}, tc.want, tc.inputs...)
		})
	}
}

func TestIdentityCopies(t *testing.T) {
	x := mustTensor(t, []float32{1, 2, 3}, 3)
	got := forwardOne(t, Identity{NodeName: "id1"}, x)
	if !sameShape(got.Shape, x.Shape) || !slices.Equal(got.Data, x.Data) {
		t.Fatalf("output %v with shape %v, want %v with shape %v", got.Data, got.Shape, x.Data, x.Shape)
	}
	got.Data[0] = 100
	if x.Data[0] != 1 {
		t.Errorf("writing the output changed the input")
	}

	ints, _ := FromInt64([]int64{4, 5}, 2)
	gotInts := forwardOne(t, Identity{NodeName: "id1"}, ints)
	if gotInts.DType != Int64 || !slices.Equal(gotInts.Int64, ints.Int64) {
		t.Errorf("int64: output %v %v, want int64 %v", gotInts.DType, gotInts.Int64, ints.Int64)
	}

	wantError(t, Identity{NodeName: "id1"}, "got 2 inputs, want 1", x, x)
	wantError(t, Identity{NodeName: "id1"}, "input is missing", nil)
}
