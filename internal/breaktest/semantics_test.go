package breaktest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/simdnn/simdnn/nn"
)

// iotaTensor returns a float32 tensor of the given shape that contains
// 1, 2, 3, … in row-major order.
func iotaTensor(shape ...int) *nn.Tensor {
	t, err := nn.New(shape...)
	if err != nil {
		panic(err)
	}
	for i := range t.Data {
		t.Data[i] = float32(i + 1)
	}
	return t
}

func int64Tensor(values ...int64) *nn.Tensor {
	t, _ := nn.FromInt64(values, len(values))
	return t
}

// TestShapeOperatorSemantics checks the shape operators on cases whose
// results follow from the ONNX definitions.
func TestShapeOperatorSemantics(t *testing.T) {
	x := iotaTensor(2, 3, 4)
	cases := []struct {
		name  string
		layer nn.Layer
		in    []*nn.Tensor
		shape []int
		data  []float32 // nil: not checked
		ints  []int64
	}{
		{"reshape 0 copies", nn.Reshape{NodeName: "r"}, []*nn.Tensor{x, int64Tensor(0, -1)}, []int{2, 12}, nil, nil},
		{"reshape -1 first", nn.Reshape{NodeName: "r"}, []*nn.Tensor{x, int64Tensor(-1, 4)}, []int{6, 4}, nil, nil},
		{"reshape empty with 0", nn.Reshape{NodeName: "r"}, []*nn.Tensor{iotaTensor(0, 3), int64Tensor(0, 3)}, []int{0, 3}, nil, nil},
		{"reshape allowzero", nn.Reshape{NodeName: "r", AllowZero: true}, []*nn.Tensor{iotaTensor(0, 3), int64Tensor(3, 0)}, []int{3, 0}, nil, nil},
		{"flatten axis -1", nn.Flatten{NodeName: "f", Axis: -1}, []*nn.Tensor{x}, []int{6, 4}, nil, nil},
		{"flatten axis 0", nn.Flatten{NodeName: "f", Axis: 0}, []*nn.Tensor{x}, []int{1, 24}, nil, nil},
		{"flatten axis rank", nn.Flatten{NodeName: "f", Axis: 3}, []*nn.Tensor{x}, []int{24, 1}, nil, nil},
		{"squeeze all", nn.Squeeze{NodeName: "s"}, []*nn.Tensor{iotaTensor(1, 3, 1, 2)}, []int{3, 2}, nil, nil},
		{"squeeze negative", nn.Squeeze{NodeName: "s", Axes: []int{-2}}, []*nn.Tensor{iotaTensor(1, 3, 1, 2)}, []int{1, 3, 2}, nil, nil},
		{"unsqueeze negative", nn.Unsqueeze{NodeName: "u", Axes: []int{-1}}, []*nn.Tensor{iotaTensor(2, 3)}, []int{2, 3, 1}, nil, nil},
		{"unsqueeze two", nn.Unsqueeze{NodeName: "u", Axes: []int{0, 3}}, []*nn.Tensor{iotaTensor(2, 3)}, []int{1, 2, 3, 1}, nil, nil},
		{"unsqueeze unsorted", nn.Unsqueeze{NodeName: "u", Axes: []int{3, 0}}, []*nn.Tensor{iotaTensor(2, 3)}, []int{1, 2, 3, 1}, nil, nil},
		{"transpose default reverses", nn.Transpose{NodeName: "t"}, []*nn.Tensor{iotaTensor(2, 3)}, []int{3, 2}, []float32{1, 4, 2, 5, 3, 6}, nil},
		{"shape", nn.Shape{NodeName: "s"}, []*nn.Tensor{x}, []int{3}, nil, []int64{2, 3, 4}},
		{"shape start -1", nn.Shape{NodeName: "s", Start: -1}, []*nn.Tensor{x}, []int{1}, nil, []int64{4}},
		{"shape start clamped", nn.Shape{NodeName: "s", Start: -10}, []*nn.Tensor{x}, []int{3}, nil, []int64{2, 3, 4}},
		{"shape end clamped", nn.Shape{NodeName: "s", Start: 1, End: ptr(10)}, []*nn.Tensor{x}, []int{2}, nil, []int64{3, 4}},
		{"shape empty range", nn.Shape{NodeName: "s", Start: 2, End: ptr(1)}, []*nn.Tensor{x}, []int{0}, nil, []int64{}},
		{"gather negative index", nn.Gather{NodeName: "g", Axis: 0}, []*nn.Tensor{int64Tensor(10, 20, 30), int64Tensor(-1, 0)}, []int{2}, nil, []int64{30, 10}},
		{"gather scalar index", nn.Gather{NodeName: "g", Axis: 1}, []*nn.Tensor{iotaTensor(2, 3), scalarInt(2)}, []int{2}, []float32{3, 6}, nil},
		{"concat negative axis", nn.Concat{NodeName: "c", Axis: -1}, []*nn.Tensor{iotaTensor(2, 1), iotaTensor(2, 2)}, []int{2, 3}, []float32{1, 1, 2, 2, 3, 4}, nil},
		{"concat with empty", nn.Concat{NodeName: "c", Axis: 0}, []*nn.Tensor{iotaTensor(0, 2), iotaTensor(1, 2)}, []int{1, 2}, []float32{1, 2}, nil},
		{"constant of shape default", nn.ConstantOfShape{NodeName: "k"}, []*nn.Tensor{int64Tensor(2)}, []int{2}, []float32{0, 0}, nil},
		{"constant of shape empty shape", nn.ConstantOfShape{NodeName: "k", Value: iotaTensor(1)}, []*nn.Tensor{int64Tensor()}, []int{}, []float32{1}, nil},
		{"add broadcast both", nn.Add{NodeName: "a"}, []*nn.Tensor{iotaTensor(3, 1), iotaTensor(1, 2)}, []int{3, 2}, []float32{2, 3, 3, 4, 4, 5}, nil},
		{"sum broadcast", nn.Sum{NodeName: "s"}, []*nn.Tensor{iotaTensor(2, 1), iotaTensor(2), iotaTensor(1)}, []int{2, 2}, []float32{3, 4, 4, 5}, nil},
		{"clip min above max", nn.Clip{NodeName: "c", Min: 2, Max: 1}, []*nn.Tensor{iotaTensor(3)}, []int{3}, []float32{1, 1, 1}, nil},
		{"matmul vector vector", nn.MatMul{NodeName: "m"}, []*nn.Tensor{iotaTensor(3), iotaTensor(3)}, []int{}, []float32{14}, nil},
		{"matmul matrix vector", nn.MatMul{NodeName: "m"}, []*nn.Tensor{iotaTensor(2, 3), iotaTensor(3)}, []int{2}, []float32{14, 32}, nil},
		{"matmul vector matrix", nn.MatMul{NodeName: "m"}, []*nn.Tensor{iotaTensor(2), iotaTensor(2, 3)}, []int{3}, []float32{9, 12, 15}, nil},
		{"matmul batch broadcast", nn.MatMul{NodeName: "m"}, []*nn.Tensor{iotaTensor(2, 1, 1, 2), iotaTensor(3, 2, 1)}, []int{2, 3, 1, 1}, []float32{5, 11, 17, 11, 25, 39}, nil},
		{"global average 1-D", nn.GlobalAveragePool{NodeName: "g"}, []*nn.Tensor{iotaTensor(1, 2, 4)}, []int{1, 2, 1}, []float32{2.5, 6.5}, nil},
		{"softmax coerce 2-D", nn.Softmax{NodeName: "s", Axis: 1, Coerce2D: true}, []*nn.Tensor{zeros(1, 2, 2)}, []int{1, 2, 2}, []float32{0.25, 0.25, 0.25, 0.25}, nil},
		{"log softmax axis 0", nn.LogSoftmax{NodeName: "s", Axis: 0}, []*nn.Tensor{zeros(2, 1)}, []int{2, 1}, []float32{float32(-math.Ln2), float32(-math.Ln2)}, nil},
	}
	for _, c := range cases {
		out, err := c.layer.Forward(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := out[0]
		if !slices.Equal(got.Shape, c.shape) {
			t.Errorf("%s: shape %v, want %v", c.name, got.Shape, c.shape)
			continue
		}
		if c.data != nil && fmt.Sprint(got.Data) != fmt.Sprint(c.data) {
			t.Errorf("%s: data %v, want %v", c.name, got.Data, c.data)
		}
		if c.ints != nil && !slices.Equal(got.Int64, c.ints) {
			t.Errorf("%s: data %v, want %v", c.name, got.Int64, c.ints)
		}
	}
}

func ptr(i int) *int { return &i }

func scalarInt(v int64) *nn.Tensor {
	t, _ := nn.FromInt64([]int64{v})
	return t
}

func zeros(shape ...int) *nn.Tensor {
	t, _ := nn.New(shape...)
	return t
}

// TestShapeOperatorErrors checks inputs that ONNX rejects.
func TestShapeOperatorErrors(t *testing.T) {
	x := iotaTensor(2, 3, 4)
	cases := []struct {
		name  string
		layer nn.Layer
		in    []*nn.Tensor
	}{
		{"reshape two -1", nn.Reshape{NodeName: "r"}, []*nn.Tensor{x, int64Tensor(-1, -1)}},
		{"reshape -1 with zero size", nn.Reshape{NodeName: "r", AllowZero: true}, []*nn.Tensor{iotaTensor(0, 3), int64Tensor(-1, 0)}},
		{"reshape wrong count", nn.Reshape{NodeName: "r"}, []*nn.Tensor{x, int64Tensor(5, 5)}},
		{"reshape -2", nn.Reshape{NodeName: "r"}, []*nn.Tensor{x, int64Tensor(-2, 12)}},
		{"reshape 0 past rank", nn.Reshape{NodeName: "r"}, []*nn.Tensor{iotaTensor(6), int64Tensor(0, 0)}},
		{"reshape float shape", nn.Reshape{NodeName: "r"}, []*nn.Tensor{x, iotaTensor(2)}},
		{"squeeze non-1 axis", nn.Squeeze{NodeName: "s", Axes: []int{1}}, []*nn.Tensor{x}},
		{"squeeze repeated axis", nn.Squeeze{NodeName: "s", Axes: []int{0, 0}}, []*nn.Tensor{iotaTensor(1, 3)}},
		{"unsqueeze repeated axis", nn.Unsqueeze{NodeName: "u", Axes: []int{1, 1}}, []*nn.Tensor{x}},
		{"unsqueeze out of range", nn.Unsqueeze{NodeName: "u", Axes: []int{5}}, []*nn.Tensor{x}},
		{"transpose repeated", nn.Transpose{NodeName: "t", Perm: []int{0, 0, 1}}, []*nn.Tensor{x}},
		{"gather out of range", nn.Gather{NodeName: "g"}, []*nn.Tensor{x, int64Tensor(2)}},
		{"gather too negative", nn.Gather{NodeName: "g"}, []*nn.Tensor{x, int64Tensor(-3)}},
		{"concat rank mismatch", nn.Concat{NodeName: "c"}, []*nn.Tensor{iotaTensor(2, 2), iotaTensor(2)}},
		{"concat dtype mismatch", nn.Concat{NodeName: "c"}, []*nn.Tensor{iotaTensor(2), int64Tensor(1, 2)}},
		{"flatten axis too large", nn.Flatten{NodeName: "f", Axis: 4}, []*nn.Tensor{x}},
		{"softmax axis out of range", nn.Softmax{NodeName: "s", Axis: 3}, []*nn.Tensor{x}},
		{"matmul mismatch", nn.MatMul{NodeName: "m"}, []*nn.Tensor{iotaTensor(2, 3), iotaTensor(2, 3)}},
		{"matmul batch mismatch", nn.MatMul{NodeName: "m"}, []*nn.Tensor{iotaTensor(2, 2, 3), iotaTensor(3, 3, 1)}},
		{"add no broadcast", nn.Add{NodeName: "a"}, []*nn.Tensor{iotaTensor(2, 3), iotaTensor(3, 2)}},
		{"constant of shape negative", nn.ConstantOfShape{NodeName: "k"}, []*nn.Tensor{int64Tensor(-1)}},
		{"constant of shape two values", nn.ConstantOfShape{NodeName: "k", Value: iotaTensor(2)}, []*nn.Tensor{int64Tensor(2)}},
		{"gemm mismatch", nn.Gemm{NodeName: "g", Alpha: 1, Beta: 1}, []*nn.Tensor{iotaTensor(2, 3), iotaTensor(2, 3)}},
		{"gemm bad C", nn.Gemm{NodeName: "g", Alpha: 1, Beta: 1}, []*nn.Tensor{iotaTensor(2, 3), iotaTensor(3, 4), iotaTensor(3)}},
		{"lrn size 0", nn.LRN{NodeName: "l", Size: 0, Alpha: 1e-4, Beta: 0.75, Bias: 1}, []*nn.Tensor{iotaTensor(1, 3, 2, 2)}},
		{"batchnorm wrong param", nn.BatchNormalization{NodeName: "b", Epsilon: 1e-5}, []*nn.Tensor{iotaTensor(1, 3, 2), iotaTensor(3), iotaTensor(3), iotaTensor(2), iotaTensor(3)}},
	}
	for _, c := range cases {
		err, panicked := call(func() error { _, err := c.layer.Forward(c.in); return err })
		switch {
		case panicked:
			t.Errorf("%s: panics:\n%s", c.name, headOf(err.Error(), 800))
		case err == nil:
			out, _ := c.layer.Forward(c.in)
			t.Errorf("%s: no error, output %v", c.name, summary(out[0]))
		}
	}
}
