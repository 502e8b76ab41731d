package nn

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// plannedCases returns a layer of each kind that implements IntoLayer,
// with inputs for it.
func plannedCases(t *testing.T) []struct {
	layer  Layer
	inputs []*Tensor
} {
	rng := rand.New(rand.NewPCG(41, 42))
	x := randomTensor(t, rng, 2, 3, 4, 5)
	x1 := randomTensor(t, rng, 2, 3, 7)
	x3 := randomTensor(t, rng, 1, 2, 3, 4, 5)
	vector := func() *Tensor { return randomTensor(t, rng, 3) }
	variance := vector()
	for i := range variance.Data {
		variance.Data[i] = 1 + variance.Data[i]*variance.Data[i]
	}
	dims, _ := FromInt64([]int64{2, 3}, 2)
	indices, _ := FromInt64([]int64{1, -1}, 2)
	return []struct {
		layer  Layer
		inputs []*Tensor
	}{
		{Relu{NodeName: "relu"}, []*Tensor{x}},
		{LeakyRelu{NodeName: "lrelu", Alpha: 0.1}, []*Tensor{x}},
		{Sigmoid{NodeName: "sigmoid"}, []*Tensor{x}},
		{Tanh{NodeName: "tanh"}, []*Tensor{x}},
		{Clip{NodeName: "clip", Min: -0.5, Max: 0.5}, []*Tensor{x}},
		{BatchNormalization{NodeName: "bn", Epsilon: 1e-5}, []*Tensor{x, vector(), vector(), vector(), variance}},
		{Add{NodeName: "add"}, []*Tensor{x, randomTensor(t, rng, 3, 1, 1)}},
		{Mul{NodeName: "mul"}, []*Tensor{x, randomTensor(t, rng, 5)}},
		{Sum{NodeName: "sum"}, []*Tensor{x, x, randomTensor(t, rng, 4, 1)}},
		{Concat{NodeName: "concat", Axis: 1}, []*Tensor{x, x}},
		{Transpose{NodeName: "transpose", Perm: []int{0, 2, 1, 3}}, []*Tensor{x}},
		{Gather{NodeName: "gather", Axis: 1}, []*Tensor{x, indices}},
		{LRN{NodeName: "lrn", Size: 3, Alpha: 1e-4, Beta: 0.75, Bias: 1}, []*Tensor{x}},
		{ConstantOfShape{NodeName: "fill"}, []*Tensor{dims}},
		{Shape{NodeName: "shape"}, []*Tensor{x}},
		{Gemm{NodeName: "gemm", Alpha: 1, Beta: 1, TransB: true}, []*Tensor{randomTensor(t, rng, 2, 8), randomTensor(t, rng, 4, 8), randomTensor(t, rng, 4)}},
		{MaxPool{NodeName: "maxpool 2x2", KernelShape: []int{2, 2}, Strides: []int{2, 2}}, []*Tensor{x}},
		{MaxPool{NodeName: "maxpool", KernelShape: []int{3, 2}, Strides: []int{2, 1}, Pads: []int{1, 0, 1, 1}, Dilations: []int{1, 2}, CeilMode: true}, []*Tensor{x}},
		{MaxPool{NodeName: "maxpool 3-D", KernelShape: []int{2, 2, 3}, Pads: []int{1, 0, 1, 0, 1, 1}}, []*Tensor{x3}},
		{MaxPool{NodeName: "maxpool indices", KernelShape: []int{3, 3}, AutoPad: "SAME_UPPER", StorageOrder: 1, OutputIndices: true}, []*Tensor{x}},
		{MaxPool{NodeName: "maxpool 1-D indices", KernelShape: []int{2}, Strides: []int{2}, OutputIndices: true}, []*Tensor{x1}},
		{AveragePool{NodeName: "avgpool", KernelShape: []int{3, 3}, Strides: []int{2, 2}, Pads: []int{1, 1, 1, 1}}, []*Tensor{x}},
		{AveragePool{NodeName: "avgpool 3-D", KernelShape: []int{2, 2, 2}, AutoPad: "SAME_LOWER", CountIncludePad: true}, []*Tensor{x3}},
		{GlobalAveragePool{NodeName: "gap"}, []*Tensor{x}},
		{GlobalMaxPool{NodeName: "gmp"}, []*Tensor{randomTensor(t, rng, 2, 3, 16, 16)}},
		{Softmax{NodeName: "softmax", Axis: 1}, []*Tensor{x}},
		{Softmax{NodeName: "softmax 2-D", Axis: 2, Coerce2D: true}, []*Tensor{x}},
		{LogSoftmax{NodeName: "logsoftmax", Axis: -1}, []*Tensor{x}},
	}
}

// TestForwardIntoAllocatesNothing checks that every plannable layer
// computes into given outputs without allocating, and that the result
// equals Forward's bit for bit.
func TestForwardIntoAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	for _, tc := range plannedCases(t) {
		t.Run(tc.layer.OpType(), func(t *testing.T) {
			want, err := tc.layer.Forward(tc.inputs)
			if err != nil {
				t.Fatal(err)
			}
			outputs := make([]*Tensor, len(want))
			for i, w := range want {
				outputs[i] = copyWithShape(w, w.Shape)
				clear(outputs[i].Data)
				clear(outputs[i].Int64)
			}
			into := tc.layer.(IntoLayer)
			var scratch []float32
			if s, ok := tc.layer.(ScratchLayer); ok {
				n, err := s.ScratchSize(typesOf(tc.inputs))
				if err != nil {
					t.Fatal(err)
				}
				scratch = make([]float32, n)
			}

			allocs := testing.AllocsPerRun(10, func() {
				if err := into.ForwardInto(outputs, tc.inputs, scratch); err != nil {
					t.Fatal(err)
				}
			})
			// kernels.Sgemm may allocate on its own, but Gemm must add nothing.
			var kernelAllocs float64
			if _, ok := tc.layer.(Gemm); ok {
				a, b := tc.inputs[0], tc.inputs[1]
				c := make([]float32, len(outputs[0].Data))
				kernelAllocs = testing.AllocsPerRun(10, func() {
					kernels.Sgemm(false, true, a.Shape[0], b.Shape[0], a.Shape[1], 1, a.Data, a.Shape[1], b.Data, b.Shape[1], 1, c, b.Shape[0])
				})
			}
			if allocs != kernelAllocs {
				t.Errorf("%s: ForwardInto allocates %v times per call, want %v (the allocations of kernels.Sgemm)", tc.layer.Name(), allocs, kernelAllocs)
			}
			for i := range want {
				if !sameBits(outputs[i].Data, want[i].Data) || !slices.Equal(outputs[i].Int64, want[i].Int64) {
					t.Errorf("%s: ForwardInto output %d differs from Forward", tc.layer.Name(), i)
				}
			}
		})
	}
}

// TestForwardIntoChecksOutputs checks that ForwardInto rejects missing
// and misshapen outputs with an error instead of panicking.
func TestForwardIntoChecksOutputs(t *testing.T) {
	for _, tc := range plannedCases(t) {
		into := tc.layer.(IntoLayer)
		for _, outputs := range [][]*Tensor{nil, {nil}, {mustTensor(t, make([]float32, 7), 7)}} {
			if err := into.ForwardInto(outputs, tc.inputs, nil); err == nil {
				t.Errorf("%s: ForwardInto into %v succeeded, want an error", tc.layer.OpType(), outputs)
			}
		}
	}
}

// TestInferTypesMatchesForward checks that every TypeInferrer predicts the
// types that Forward returns.
func TestInferTypesMatchesForward(t *testing.T) {
	for _, tc := range plannedCases(t) {
		results, err := tc.layer.Forward(tc.inputs)
		if err != nil {
			t.Fatal(err)
		}
		types, err := tc.layer.(TypeInferrer).InferTypes(typesOf(tc.inputs), tc.inputs)
		if err != nil {
			t.Fatalf("%s InferTypes: %v", tc.layer.OpType(), err)
		}
		if len(types) != len(results) || types[0].DType != results[0].DType || !sameShape(types[0].Shape, results[0].Shape) {
			t.Errorf("%s: InferTypes = %v, Forward returned %v %v", tc.layer.OpType(), types, results[0].DType, results[0].Shape)
		}
	}
}

func TestInferTypesNeedsValue(t *testing.T) {
	x := TensorType{DType: Float32, Shape: []int{2, 3}}
	shape := TensorType{DType: Int64, Shape: []int{2}}
	for _, l := range []TypeInferrer{Reshape{NodeName: "r"}, Unsqueeze{NodeName: "u"}, Squeeze{NodeName: "s"}} {
		_, err := l.InferTypes([]*TensorType{&x, &shape}, []*Tensor{nil, nil})
		if !errors.Is(err, ErrValueNeeded) {
			t.Errorf("%T InferTypes without the value of input 1: error %v, want ErrValueNeeded", l, err)
		}
	}
	_, err := ConstantOfShape{NodeName: "c"}.InferTypes([]*TensorType{&shape}, []*Tensor{nil})
	if !errors.Is(err, ErrValueNeeded) {
		t.Errorf("ConstantOfShape InferTypes without its input's value: error %v, want ErrValueNeeded", err)
	}
}
