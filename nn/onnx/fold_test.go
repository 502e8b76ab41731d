package onnx

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

// fillAttribute is the value attribute of a ConstantOfShape that fills v.
func fillAttribute(v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String("value"), Type: onnxpb.AttributeProto_TENSOR.Enum(),
		T: floatTensorProto("", []int64{1}, []float32{v})}
}

// constantWeightsModel returns x [2, 3] → Gemm with weights w [4, 3] that
// a ConstantOfShape fills with 0.5, as the light models store weights.
func constantWeightsModel(dims ...int64) *onnxpb.ModelProto {
	return modelProto(13, &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{
			nodeProto("ConstantOfShape", "fill", []string{"w_shape"}, []string{"w"}, fillAttribute(0.5)),
			nodeProto("Gemm", "fc", []string{"x", "w"}, []string{"y"}, intAttribute("transB", 1)),
		},
		Initializer: []*onnxpb.TensorProto{int64TensorProto("w_shape", []int64{int64(len(dims))}, dims)},
		Input:       []*onnxpb.ValueInfoProto{floatValue("x", 2, 3)},
		Output:      []*onnxpb.ValueInfoProto{floatValue("y", 2, 4)},
	})
}

func TestFoldConstantOfShape(t *testing.T) {
	g, err := LoadGraph(marshal(t, constantWeightsModel(4, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 1 || g.Nodes[0].Layer.OpType() != "Gemm" {
		t.Fatalf("nodes %v, want the Gemm alone", g.Nodes)
	}
	w := g.Initializers["w"]
	if w == nil || !slices.Equal(w.Shape, []int{4, 3}) || w.Data[11] != 0.5 {
		t.Errorf("folded weights = %+v, want [4 3] filled with 0.5", w)
	}
	if _, ok := g.Initializers["w_shape"]; ok {
		t.Errorf("the shape initializer, which nothing reads after folding, is still there")
	}

	model, err := nn.NewModel(*g)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := nn.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	y, err := model.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y.Data, []float32{3, 3, 3, 3, 7.5, 7.5, 7.5, 7.5}) {
		t.Errorf("y = %v, want [3 3 3 3 7.5 7.5 7.5 7.5]", y.Data)
	}
}

func TestFoldLimit(t *testing.T) {
	// With the limit lowered to 1 MiB, 512×513 float32s (1 MiB and 2 KiB)
	// are one row too many, though far below the element limit of every
	// tensor.
	defer func(limit int) { foldLimit = limit }(foldLimit)
	foldLimit = 1 << 20
	_, err := LoadGraph(marshal(t, constantWeightsModel(512, 513)))
	if err == nil {
		t.Fatal("a ConstantOfShape past the fold limit loaded without error")
	}
	checkContains(t, err.Error(), `node "fill" (ConstantOfShape) computes constant outputs of shape [512 513]`, "the file is likely corrupt")

	_, err = LoadGraph(marshal(t, constantWeightsModel(-1, 3)))
	if err == nil {
		t.Fatal("a ConstantOfShape of shape [-1 3] loaded without error")
	}
	checkContains(t, err.Error(), `constantofshape "fill": input [-1 3] has dimension -1 at index 0`)
}

// TestFoldCycle checks that nodes in a cycle are left to nn.NewModel, which
// rejects the cycle, even when one of their inputs is a constant.
func TestFoldCycle(t *testing.T) {
	m := modelProto(13, &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{
			nodeProto("Add", "a", []string{"c", "b_out"}, []string{"a_out"}),
			nodeProto("Mul", "b", []string{"a_out", "c"}, []string{"b_out"}),
			nodeProto("Relu", "r", []string{"a_out"}, []string{"y"}),
		},
		Initializer: []*onnxpb.TensorProto{floatTensorProto("c", []int64{2}, []float32{1, 2})},
		Input:       []*onnxpb.ValueInfoProto{floatValue("x", 2)},
		Output:      []*onnxpb.ValueInfoProto{floatValue("y", 2)},
	})
	_, err := Load(marshal(t, m))
	if err == nil {
		t.Fatal("a cyclic graph loaded without error")
	}
	checkContains(t, err.Error(), "graph has a cycle")
}

// convBatchNormModel returns x [N, 2, 5, 5] → Conv (3 output channels,
// 3×3, pad 1) → BatchNormalization → Relu → y, with random weights and
// statistics. bias adds the Conv bias, and shared makes a second node
// read the Conv output.
func convBatchNormModel(rng *rand.Rand, bias, shared bool) *onnxpb.ModelProto {
	random := func(name string, n int, offset float32, dims ...int64) *onnxpb.TensorProto {
		values := make([]float32, n)
		for i := range values {
			values[i] = offset + float32(rng.Float64())
		}
		return floatTensorProto(name, dims, values)
	}
	convInputs := []string{"x", "w"}
	init := []*onnxpb.TensorProto{
		random("w", 54, -0.5, 3, 2, 3, 3),
		random("scale", 3, 0.5, 3), random("beta", 3, -0.5, 3), random("mean", 3, -0.5, 3), random("var", 3, 0.5, 3),
	}
	if bias {
		convInputs = append(convInputs, "b")
		init = append(init, random("b", 3, -0.5, 3))
	}
	nodes := []*onnxpb.NodeProto{
		nodeProto("Conv", "conv", convInputs, []string{"c"}, intsAttribute("pads", 1, 1, 1, 1)),
		nodeProto("BatchNormalization", "bn", []string{"c", "scale", "beta", "mean", "var"}, []string{"n"}, floatAttribute("epsilon", 1e-3)),
		nodeProto("Relu", "relu", []string{"n"}, []string{"y"}),
	}
	outputs := []*onnxpb.ValueInfoProto{floatValue("y", -1, 3, 5, 5)}
	if shared {
		nodes = append(nodes, nodeProto("Identity", "copy", []string{"c"}, []string{"c_copy"}))
		outputs = append(outputs, floatValue("c_copy", -1, 3, 5, 5))
	}
	return modelProto(13, &onnxpb.GraphProto{
		Node: nodes, Initializer: init,
		Input:  []*onnxpb.ValueInfoProto{floatValue("x", -1, 2, 5, 5)},
		Output: outputs,
	})
}

// unfoldedOutput runs the graph of m as written: Conv, then
// BatchNormalization, without the importer's folding.
func unfoldedOutput(t *testing.T, m *onnxpb.ModelProto, x *nn.Tensor) *nn.Tensor {
	t.Helper()
	g, err := buildGraph(m.GetGraph(), 13, m.GetIrVersion())
	if err != nil {
		t.Fatal(err)
	}
	model, err := nn.NewModel(*g)
	if err != nil {
		t.Fatal(err)
	}
	out, err := model.Run(map[string]*nn.Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	return out["y"]
}

func TestFoldBatchNorm(t *testing.T) {
	for _, bias := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(71, 72))
		m := convBatchNormModel(rng, bias, false)
		g, err := LoadGraph(marshal(t, m))
		if err != nil {
			t.Fatal(err)
		}
		var ops []string
		for _, n := range g.Nodes {
			ops = append(ops, n.Layer.OpType())
		}
		if !slices.Equal(ops, []string{"Conv", "Relu"}) {
			t.Fatalf("bias %v: nodes %v, want [Conv Relu]", bias, ops)
		}
		if conv := g.Nodes[0]; len(conv.Inputs) != 3 || conv.Outputs[0] != "n" {
			t.Errorf("bias %v: folded Conv reads %v and writes %v, want weights and bias and the output n", bias, conv.Inputs, conv.Outputs)
		}

		model, err := nn.NewModel(*g)
		if err != nil {
			t.Fatal(err)
		}
		data := make([]float32, 2*2*5*5)
		for i := range data {
			data[i] = float32(rng.Float64()*2 - 1)
		}
		x, _ := nn.FromSlice(data, 2, 2, 5, 5)
		got, err := model.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		want := unfoldedOutput(t, m, x)
		for i := range want.Data {
			if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-5*(1+math.Abs(float64(want.Data[i]))) {
				t.Fatalf("bias %v: element %d = %v folded, %v unfolded", bias, i, got.Data[i], want.Data[i])
			}
		}
	}
}

func TestFoldBatchNormConditions(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	g, err := LoadGraph(marshal(t, convBatchNormModel(rng, true, true)))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 4 {
		t.Errorf("Conv output read twice: %d nodes, want 4 (nothing folded)", len(g.Nodes))
	}

	// With IR version 4 or later, an initializer listed as a graph input
	// may be replaced by the caller, so it is no constant.
	m := convBatchNormModel(rng, false, false)
	m.Graph.Input = append(m.Graph.Input, floatValue("scale", 3))
	g, err = LoadGraph(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 3 {
		t.Errorf("BatchNormalization scale as a graph input: %d nodes, want 3 (nothing folded)", len(g.Nodes))
	}
}

// TestOldIRInitializersAreConstants checks that before IR version 4,
// where every initializer had to be a graph input, those inputs are
// dropped and their initializers folded.
func TestOldIRInitializersAreConstants(t *testing.T) {
	m := constantWeightsModel(4, 3)
	m.IrVersion = proto.Int64(3)
	m.Graph.Input = append(m.Graph.Input, int64Value("w_shape", 2))
	g, err := LoadGraph(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Inputs) != 1 || g.Inputs[0].Name != "x" {
		t.Errorf("inputs %v, want x alone", g.Inputs)
	}
	if len(g.Nodes) != 1 {
		t.Errorf("%d nodes, want the Gemm alone after folding", len(g.Nodes))
	}

	m.IrVersion = proto.Int64(4)
	g, err = LoadGraph(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Inputs) != 2 || len(g.Nodes) != 2 {
		t.Errorf("IR version 4: %d inputs and %d nodes, want 2 and 2 (w_shape may be replaced, so nothing folds)", len(g.Inputs), len(g.Nodes))
	}
}
