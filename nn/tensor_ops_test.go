package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestConcat(t *testing.T) {
	a := mustTensor(t, []float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := mustTensor(t, []float32{7, 8, 9, 10}, 2, 2)
	y := forwardOne(t, Concat{NodeName: "cat", Axis: 1}, a, b)
	if !sameShape(y.Shape, []int{2, 5}) || !slices.Equal(y.Data, []float32{1, 2, 3, 7, 8, 4, 5, 6, 9, 10}) {
		t.Errorf("Concat axis 1 = %v %v", y.Shape, y.Data)
	}
	y = forwardOne(t, Concat{NodeName: "cat", Axis: -2}, a, mustTensor(t, []float32{0, 0, 0}, 1, 3))
	if !sameShape(y.Shape, []int{3, 3}) || !slices.Equal(y.Data, []float32{1, 2, 3, 4, 5, 6, 0, 0, 0}) {
		t.Errorf("Concat axis -2 = %v %v", y.Shape, y.Data)
	}
	empty := mustTensor(t, nil, 2, 0)
	y = forwardOne(t, Concat{NodeName: "cat", Axis: 1}, empty, a, empty)
	if !sameBits(y.Data, a.Data) {
		t.Errorf("Concat with empty inputs = %v, want %v", y.Data, a.Data)
	}

	n1, _ := FromInt64([]int64{4}, 1)
	n2, _ := FromInt64([]int64{-1}, 1)
	y = forwardOne(t, Concat{NodeName: "cat"}, n1, n2)
	if !slices.Equal(y.Int64, []int64{4, -1}) {
		t.Errorf("Concat int64 = %v, want [4 -1]", y.Int64)
	}

	wantError(t, Concat{NodeName: "cat", Axis: 1}, "input 1 has shape [3 2] and input 0 [2 3], want equal dimensions except along axis 1", a, mustTensor(t, make([]float32, 6), 3, 2))
	wantError(t, Concat{NodeName: "cat", Axis: 2}, "axis 2 out of range [-2, 1]", a, b)
	wantError(t, Concat{NodeName: "cat"}, "input 1 has element type int64 but input 0 has float32", mustTensor(t, []float32{1}, 1), n1)
	wantError(t, Concat{NodeName: "cat"}, "input 0 is a scalar", mustTensor(t, []float32{1}))
	wantError(t, Concat{NodeName: "cat"}, "got no inputs")
}

// refTranspose permutes x of the given shape by computing each output
// index separately.
func refTranspose(x []float32, shape, perm []int) []float32 {
	out := make([]int, len(shape))
	for i, p := range perm {
		out[i] = shape[p]
	}
	result := make([]float32, len(x))
	index := make([]int, len(out))
	for i := range result {
		rem := i
		for d := len(out) - 1; d >= 0; d-- {
			index[d] = rem % out[d]
			rem /= out[d]
		}
		inIndex := make([]int, len(shape))
		for d, p := range perm {
			inIndex[p] = index[d]
		}
		offset := 0
		for d := range shape {
			offset = offset*shape[d] + inIndex[d]
		}
		result[i] = x[offset]
	}
	return result
}

func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	cases := []struct {
		shape, perm []int
	}{
		{[]int{2, 3}, []int{1, 0}},
		{[]int{2, 3, 4}, nil},
		{[]int{1, 2, 3, 4, 5}, []int{0, 2, 1, 3, 4}},
		{[]int{2, 3, 4, 5}, []int{0, 2, 3, 1}},
		{[]int{2, 3, 4, 5}, []int{3, 1, 0, 2}},
		{[]int{4}, []int{0}},
		{[]int{}, nil},
		{[]int{2, 0, 3}, []int{2, 0, 1}},
	}
	for _, tc := range cases {
		x := randomTensor(t, rng, tc.shape...)
		y := forwardOne(t, Transpose{NodeName: "tr", Perm: tc.perm}, x)
		perm := tc.perm
		if perm == nil {
			for i := len(tc.shape) - 1; i >= 0; i-- {
				perm = append(perm, i)
			}
		}
		want := refTranspose(x.Data, tc.shape, perm)
		if !sameBits(y.Data, want) {
			t.Errorf("Transpose %v by %v = %v, want %v", tc.shape, tc.perm, y.Data, want)
		}
	}

	x := mustTensor(t, make([]float32, 6), 2, 3)
	wantError(t, Transpose{NodeName: "tr", Perm: []int{0, 0}}, "perm [0 0] is not a permutation of the 2 input dimensions", x)
	wantError(t, Transpose{NodeName: "tr", Perm: []int{0}}, "perm [0] has 1 values, want 2", x)
}

func TestGather(t *testing.T) {
	data := mustTensor(t, []float32{1, 2, 3, 4, 5, 6}, 3, 2)
	indices, _ := FromInt64([]int64{2, -3, 1, 2}, 2, 2)
	y := forwardOne(t, Gather{NodeName: "g"}, data, indices)
	if !sameShape(y.Shape, []int{2, 2, 2}) || !slices.Equal(y.Data, []float32{5, 6, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("Gather axis 0 = %v %v", y.Shape, y.Data)
	}
	column, _ := FromInt64([]int64{-1})
	y = forwardOne(t, Gather{NodeName: "g", Axis: 1}, data, column)
	if !sameShape(y.Shape, []int{3}) || !slices.Equal(y.Data, []float32{2, 4, 6}) {
		t.Errorf("Gather axis 1 with a scalar index = %v %v", y.Shape, y.Data)
	}

	// The pattern exporters emit for x.size(0): Gather of index 0 from a shape.
	shape, _ := FromInt64([]int64{8, 3, 32, 32}, 4)
	zero, _ := FromInt64([]int64{0})
	y = forwardOne(t, Gather{NodeName: "g"}, shape, zero)
	if len(y.Shape) != 0 || !slices.Equal(y.Int64, []int64{8}) {
		t.Errorf("Gather of a shape = %v %v, want scalar 8", y.Shape, y.Int64)
	}

	out, _ := FromInt64([]int64{3}, 1)
	wantError(t, Gather{NodeName: "g"}, "index 3 at position 0 of indices is out of range [-3, 2] for axis 0 of data shape [3 2]", data, out)
	wantError(t, Gather{NodeName: "g", Axis: 2}, "axis 2 out of range [-2, 1]", data, out)
	wantError(t, Gather{NodeName: "g"}, "input indices has element type float32, want int64", data, data)
}

func TestSqueezeUnsqueeze(t *testing.T) {
	x := mustTensor(t, []float32{1, 2, 3}, 1, 3, 1)
	y := forwardOne(t, Squeeze{NodeName: "sq"}, x)
	if !sameShape(y.Shape, []int{3}) || !slices.Equal(y.Data, x.Data) {
		t.Errorf("Squeeze all = %v %v", y.Shape, y.Data)
	}
	y = forwardOne(t, Squeeze{NodeName: "sq", Axes: []int{-1}}, x)
	if !sameShape(y.Shape, []int{1, 3}) {
		t.Errorf("Squeeze axis -1 = %v", y.Shape)
	}
	axes, _ := FromInt64([]int64{0}, 1)
	y = forwardOne(t, Squeeze{NodeName: "sq"}, x, axes)
	if !sameShape(y.Shape, []int{3, 1}) {
		t.Errorf("Squeeze with axes input = %v", y.Shape)
	}
	wantError(t, Squeeze{NodeName: "sq", Axes: []int{1}}, "dimension 1 of input shape [1 3 1] is 3, want 1", x)
	wantError(t, Squeeze{NodeName: "sq", Axes: []int{0, -3}}, "names dimension 0 twice", x)
	wantError(t, Squeeze{NodeName: "sq", Axes: []int{0}}, "given both as the Axes field [0] and as input 1", x, axes)

	v := mustTensor(t, []float32{1, 2, 3}, 3)
	y = forwardOne(t, Unsqueeze{NodeName: "un", Axes: []int{0, -1}}, v)
	if !sameShape(y.Shape, []int{1, 3, 1}) || !slices.Equal(y.Data, v.Data) {
		t.Errorf("Unsqueeze [0 -1] = %v %v", y.Shape, y.Data)
	}
	scalar, _ := FromInt64([]int64{7})
	y = forwardOne(t, Unsqueeze{NodeName: "un"}, scalar, axes)
	if !sameShape(y.Shape, []int{1}) || !slices.Equal(y.Int64, []int64{7}) {
		t.Errorf("Unsqueeze of an int64 scalar = %v %v", y.Shape, y.Int64)
	}
	wantError(t, Unsqueeze{NodeName: "un", Axes: []int{3}}, "axis 3 out of range [-2, 1] for output rank 2", v)
	wantError(t, Unsqueeze{NodeName: "un"}, "axes are missing", v)
	wantError(t, Unsqueeze{NodeName: "un", Axes: []int{1, 1}}, "names dimension 1 twice", v)
}

func TestShapeLayer(t *testing.T) {
	x := mustTensor(t, make([]float32, 24), 2, 3, 4)
	y := forwardOne(t, Shape{NodeName: "shape"}, x)
	if y.DType != Int64 || !slices.Equal(y.Int64, []int64{2, 3, 4}) {
		t.Errorf("Shape = %v %v", y.DType, y.Int64)
	}
	end := -1
	y = forwardOne(t, Shape{NodeName: "shape", Start: 1, End: &end}, x)
	if !slices.Equal(y.Int64, []int64{3}) {
		t.Errorf("Shape start 1 end -1 = %v, want [3]", y.Int64)
	}
	far := 10
	y = forwardOne(t, Shape{NodeName: "shape", Start: -10, End: &far}, x)
	if !slices.Equal(y.Int64, []int64{2, 3, 4}) {
		t.Errorf("Shape with clamped bounds = %v", y.Int64)
	}
	y = forwardOne(t, Shape{NodeName: "shape", Start: 2, End: &end}, x)
	if len(y.Int64) != 0 {
		t.Errorf("Shape with end before start = %v, want []", y.Int64)
	}
}

func TestConstantOfShape(t *testing.T) {
	dims, _ := FromInt64([]int64{2, 3}, 2)
	y := forwardOne(t, ConstantOfShape{NodeName: "c", Value: mustTensor(t, []float32{0.5}, 1)}, dims)
	if !sameShape(y.Shape, []int{2, 3}) || !slices.Equal(y.Data, []float32{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}) {
		t.Errorf("ConstantOfShape = %v %v", y.Shape, y.Data)
	}
	y = forwardOne(t, ConstantOfShape{NodeName: "c"}, dims)
	if y.DType != Float32 || !slices.Equal(y.Data, make([]float32, 6)) {
		t.Errorf("ConstantOfShape without value = %v %v", y.DType, y.Data)
	}
	seven, _ := FromInt64([]int64{7}, 1)
	y = forwardOne(t, ConstantOfShape{NodeName: "c", Value: seven}, dims)
	if y.DType != Int64 || !slices.Equal(y.Int64, []int64{7, 7, 7, 7, 7, 7}) {
		t.Errorf("ConstantOfShape int64 = %v %v", y.DType, y.Int64)
	}
	none, _ := FromInt64(nil, 0)
	y = forwardOne(t, ConstantOfShape{NodeName: "c", Value: seven}, none)
	if len(y.Shape) != 0 || !slices.Equal(y.Int64, []int64{7}) {
		t.Errorf("ConstantOfShape of an empty shape = %v %v, want scalar 7", y.Shape, y.Int64)
	}

	huge, _ := FromInt64([]int64{1 << 40, 1 << 40}, 2)
	wantError(t, ConstantOfShape{NodeName: "c"}, "input [1099511627776 1099511627776] has dimension 1099511627776 at index 0, want a size between 0 and 1073741824", huge)
	negative, _ := FromInt64([]int64{2, -1}, 2)
	wantError(t, ConstantOfShape{NodeName: "c"}, "has dimension -1 at index 1", negative)
	wantError(t, ConstantOfShape{NodeName: "c", Value: mustTensor(t, []float32{1, 2}, 2)}, "value has shape [2], want one element", dims)
}

func TestLRN(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	x := randomTensor(t, rng, 2, 5, 3, 2)
	l := LRN{NodeName: "lrn", Size: 3, Alpha: 0.5, Beta: 0.75, Bias: 2}
	y := forwardOne(t, l, x)

	channels, plane := 5, 6
	want := make([]float64, len(x.Data))
	tol := make([]float64, len(x.Data))
	for i := range want {
		n, c, p := i/(channels*plane), i/plane%channels, i%plane
		sum := 0.0
		for k := c - 1; k <= c+1; k++ {
			if k >= 0 && k < channels {
				v := float64(x.Data[(n*channels+k)*plane+p])
				sum += v * v
			}
		}
		want[i] = float64(x.Data[i]) / math.Pow(2+0.5/3*sum, 0.75)
		tol[i] = 1e-7 * (1 + math.Abs(want[i]))
	}
	checkClose(t, "LRN", y.Data, want, tol)

	wantError(t, LRN{NodeName: "lrn"}, "size 0, want at least 1", x)
	wantError(t, l, "want rank at least 2", mustTensor(t, []float32{1}, 1))
}
