package breaktest

import (
	"testing"

	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// seedModels are small valid models for FuzzLoadAndRun's corpus.
func seedModels(t testing.TB) [][]byte {
	fillValue := floats("one", []int64{1}, []float32{1})
	models := []*onnxGraph{
		reluGraph(),
		{
			Node: []*onnxNode{
				node("Conv", "conv", []string{"x", "w", "b"}, []string{"c"}, attrInts("pads", 1, 1, 1, 1), attrInts("strides", 2, 1)),
				node("Relu", "relu", []string{"c"}, []string{"r"}),
				node("MaxPool", "pool", []string{"r"}, []string{"p"}, attrInts("kernel_shape", 2, 2), attrInt("ceil_mode", 1)),
				node("Flatten", "flat", []string{"p"}, []string{"f"}),
				node("Gemm", "fc", []string{"f", "fcw"}, []string{"g"}, attrInt("transB", 1)),
				node("Softmax", "sm", []string{"g"}, []string{"y"}),
			},
			Initializer: []*onnxTensor{
				floats("w", []int64{2, 1, 3, 3}, make([]float32, 18)),
				floats("b", []int64{2}, []float32{0.5, -0.5}),
				floats("fcw", []int64{3, 8}, make([]float32, 24)),
			},
			Input:  []*onnxValueInfo{floatValueInfo("x", -1, 1, 4, 4)},
			Output: []*onnxValueInfo{floatValueInfo("y", -1, 3)},
		},
		{
			Node: []*onnxNode{
				node("Shape", "shape", []string{"x"}, []string{"s"}),
				node("Gather", "first", []string{"s", "zero"}, []string{"n"}),
				node("Unsqueeze", "unsq", []string{"n", "axes"}, []string{"n1"}),
				node("Concat", "cat", []string{"n1", "minus"}, []string{"target"}, attrInt("axis", 0)),
				node("Reshape", "reshape", []string{"x", "target"}, []string{"r"}),
				node("ConstantOfShape", "fill", []string{"sz"}, []string{"k"}, attrTensor("value", fillValue)),
				node("Add", "add", []string{"r", "k"}, []string{"y"}),
			},
			Initializer: []*onnxTensor{
				int64s("zero", nil, []int64{0}),
				int64s("axes", []int64{1}, []int64{0}),
				int64s("minus", []int64{1}, []int64{-1}),
				int64s("sz", []int64{1}, []int64{12}),
			},
			Input:  []*onnxValueInfo{floatValueInfo("x", -1, 3, 4)},
			Output: []*onnxValueInfo{floatValueInfo("y", -1, 12)},
		},
	}
	var out [][]byte
	for _, g := range models {
		out = append(out, marshal(t, model(13, g)))
	}
	return out
}

// runsHuge reports graphs that the fuzzer must not run: Conv and pools
// with huge attributes and ConstantOfShape on a run-time shape make
// allocations of gigabytes that kill the process (see the tests in
// conv_failing_test.go and onnx_failing_test.go).
func runsHuge(g *nn.Graph) bool {
	big := func(vs ...[]int) bool {
		for _, v := range vs {
			for _, x := range v {
				if x > 1<<10 {
					return true
				}
			}
		}
		return false
	}
	for _, n := range g.Nodes {
		switch l := n.Layer.(type) {
		case nn.Conv:
			if big(l.Pads, l.Strides, l.Dilations, l.KernelShape) {
				return true
			}
		case nn.MaxPool:
			if big(l.Pads, l.Strides, l.Dilations, l.KernelShape) {
				return true
			}
		case nn.AveragePool:
			if big(l.Pads, l.Strides, l.Dilations, l.KernelShape) {
				return true
			}
		case nn.ConstantOfShape:
			if _, ok := g.Initializers[n.Inputs[0]]; !ok {
				return true
			}
		}
	}
	return false
}

// FuzzLoadAndRun loads arbitrary bytes and, when they make a model, runs
// it on inputs of its declared shapes (free dimensions 1 or 2): loading
// and running must return errors, never panic.
func FuzzLoadAndRun(f *testing.F) {
	for _, m := range seedModels(f) {
		f.Add(m, uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, free uint8) {
		g, err := onnx.LoadGraph(data)
		if err != nil || runsHuge(g) {
			return
		}
		m, err := onnx.Load(data)
		if err != nil {
			return
		}
		inputs := map[string]*nn.Tensor{}
		for _, in := range m.Inputs() {
			if _, hasDefault := g.Initializers[in.Name]; hasDefault {
				continue
			}
			shape := make([]int, len(in.Shape))
			n := 1
			for i, d := range in.Shape {
				if d < 0 {
					d = 1 + int(free%2)
				}
				shape[i] = d
				n *= d
				if n > 1<<16 {
					return
				}
			}
			t := &nn.Tensor{Shape: shape, DType: in.DType}
			if in.DType == nn.Int64 {
				t.Int64 = make([]int64, n)
				for i := range t.Int64 {
					t.Int64[i] = int64(1 + i%3)
				}
			} else {
				t.Data = make([]float32, n)
				for i := range t.Data {
					t.Data[i] = float32(i%7) - 3
				}
			}
			inputs[in.Name] = t
		}
		for range 2 {
			if _, err := m.Run(inputs); err != nil {
				return
			}
		}
	})
}
