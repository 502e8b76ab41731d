package onnx

import (
	"math"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

// layerOf loads a model of the one node n at the opset and returns the
// node's layer. Input x is float32 [2, 3], and every other input is a graph
// input of free shape, int64 for the names "axes" and "i".
func layerOf(t *testing.T, opset int64, n *onnxpb.NodeProto) nn.Layer {
	t.Helper()
	m := singleNodeModel(opset, n)
	for _, name := range n.GetInput() {
		switch name {
		case "", "x":
		case "axes", "i":
			m.Graph.Input = append(m.Graph.Input, int64Value(name, -1))
		default:
			m.Graph.Input = append(m.Graph.Input, floatValue(name, -1))
		}
	}
	g, err := LoadGraph(marshal(t, m))
	if err != nil {
		t.Fatalf("LoadGraph: %v", err)
	}
	if len(g.Nodes) != 1 {
		t.Fatalf("graph has %d nodes, want 1", len(g.Nodes))
	}
	return g.Nodes[0].Layer
}

func TestCNNOperatorAttributes(t *testing.T) {
	inf := float32(math.Inf(1))
	tests := []struct {
		name  string
		opset int64
		node  *onnxpb.NodeProto
		want  nn.Layer
	}{
		{"LeakyRelu default", 16, nodeProto("LeakyRelu", "l", []string{"x"}, []string{"y"}),
			nn.LeakyRelu{NodeName: "l", Alpha: 0.01}},
		{"LeakyRelu alpha", 6, nodeProto("LeakyRelu", "l", []string{"x"}, []string{"y"}, floatAttribute("alpha", 0.5)),
			nn.LeakyRelu{NodeName: "l", Alpha: 0.5}},
		{"Clip attributes", 6, nodeProto("Clip", "c", []string{"x"}, []string{"y"}, floatAttribute("min", -0.5), floatAttribute("max", 0.5)),
			nn.Clip{NodeName: "c", Min: -0.5, Max: 0.5}},
		{"Clip without bounds", 6, nodeProto("Clip", "c", []string{"x"}, []string{"y"}),
			nn.Clip{NodeName: "c", Min: -inf, Max: inf}},
		{"Clip inputs", 13, nodeProto("Clip", "c", []string{"x", "", "hi"}, []string{"y"}),
			nn.Clip{NodeName: "c", Min: -inf, Max: inf}},
		{"BatchNormalization default", 15, nodeProto("BatchNormalization", "bn", []string{"x", "s", "b", "m", "v"}, []string{"y"}),
			nn.BatchNormalization{NodeName: "bn", Epsilon: 1e-5}},
		{"BatchNormalization opset 6", 6, nodeProto("BatchNormalization", "bn", []string{"x", "s", "b", "m", "v"}, []string{"y"},
			floatAttribute("epsilon", 1e-3), intAttribute("is_test", 1), floatAttribute("momentum", 0.9)),
			nn.BatchNormalization{NodeName: "bn", Epsilon: 1e-3}},
		{"LRN defaults", 13, nodeProto("LRN", "lrn", []string{"x"}, []string{"y"}, intAttribute("size", 5)),
			nn.LRN{NodeName: "lrn", Size: 5, Alpha: 1e-4, Beta: 0.75, Bias: 1}},
		{"Concat", 13, nodeProto("Concat", "cat", []string{"x", "x"}, []string{"y"}, intAttribute("axis", -1)),
			nn.Concat{NodeName: "cat", Axis: -1}},
		{"Gather default axis", 13, nodeProto("Gather", "g", []string{"x", "i"}, []string{"y"}),
			nn.Gather{NodeName: "g"}},
		{"Sum", 8, nodeProto("Sum", "s", []string{"x", "x", "x"}, []string{"y"}), nn.Sum{NodeName: "s"}},
		{"Add at opset 6 without broadcast", 6, nodeProto("Add", "a", []string{"x", "x"}, []string{"y"}), nn.Add{NodeName: "a"}},
		{"Mul", 14, nodeProto("Mul", "m", []string{"x", "x"}, []string{"y"}), nn.Mul{NodeName: "m"}},
		{"Sigmoid", 13, nodeProto("Sigmoid", "s", []string{"x"}, []string{"y"}), nn.Sigmoid{NodeName: "s"}},
		{"Tanh", 13, nodeProto("Tanh", "t", []string{"x"}, []string{"y"}), nn.Tanh{NodeName: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := layerOf(t, tt.opset, tt.node); got != tt.want {
				t.Errorf("layer = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestAxesOperatorsByOpset(t *testing.T) {
	u := layerOf(t, 11, nodeProto("Unsqueeze", "u", []string{"x"}, []string{"y"}, intsAttribute("axes", 0, -1))).(nn.Unsqueeze)
	if !slices.Equal(u.Axes, []int{0, -1}) {
		t.Errorf("Unsqueeze at opset 11: axes %v, want [0 -1]", u.Axes)
	}
	u = layerOf(t, 13, nodeProto("Unsqueeze", "u", []string{"x", "axes"}, []string{"y"})).(nn.Unsqueeze)
	if u.Axes != nil {
		t.Errorf("Unsqueeze at opset 13: axes %v, want nil (from the input)", u.Axes)
	}
	s := layerOf(t, 11, nodeProto("Squeeze", "s", []string{"x"}, []string{"y"})).(nn.Squeeze)
	if s.Axes != nil {
		t.Errorf("Squeeze without axes: %v, want nil (every dimension of size 1)", s.Axes)
	}
	tr := layerOf(t, 13, nodeProto("Transpose", "t", []string{"x"}, []string{"y"}, intsAttribute("perm", 1, 0))).(nn.Transpose)
	if !slices.Equal(tr.Perm, []int{1, 0}) {
		t.Errorf("Transpose perm %v, want [1 0]", tr.Perm)
	}
	sh := layerOf(t, 15, nodeProto("Shape", "s", []string{"x"}, []string{"y"}, intAttribute("start", 1), intAttribute("end", -1))).(nn.Shape)
	if sh.Start != 1 || sh.End == nil || *sh.End != -1 {
		t.Errorf("Shape start %d end %v, want 1 and -1", sh.Start, sh.End)
	}
	value := &onnxpb.AttributeProto{Name: proto.String("value"), Type: onnxpb.AttributeProto_TENSOR.Enum(),
		T: int64TensorProto("", []int64{1}, []int64{3})}
	c := layerOf(t, 13, nodeProto("ConstantOfShape", "c", []string{"x"}, []string{"y"}, value)).(nn.ConstantOfShape)
	if c.Value == nil || c.Value.DType != nn.Int64 || !slices.Equal(c.Value.Int64, []int64{3}) {
		t.Errorf("ConstantOfShape value %+v, want int64 [3]", c.Value)
	}
}

func TestCNNOperatorErrors(t *testing.T) {
	tests := []struct {
		name  string
		opset int64
		node  *onnxpb.NodeProto
		want  string
	}{
		{"Clip inputs before opset 11", 10, nodeProto("Clip", "c", []string{"x", "lo"}, []string{"y"}),
			`node "c" (Clip): takes 1 input at opset 10, got 2; min and max became inputs in opset 11`},
		{"Clip attributes from opset 11", 13, nodeProto("Clip", "c", []string{"x"}, []string{"y"}, floatAttribute("min", 0)),
			`attributes "min" and "max" became inputs in opset 11, but the model uses opset 13`},
		{"BatchNormalization training", 15, nodeProto("BatchNormalization", "bn", []string{"x", "s", "b", "m", "v"}, []string{"y"}, intAttribute("training_mode", 1)),
			`attribute "training_mode" is 1; simdnn runs BatchNormalization at inference only`},
		{"BatchNormalization spatial 0", 7, nodeProto("BatchNormalization", "bn", []string{"x", "s", "b", "m", "v"}, []string{"y"}, intAttribute("spatial", 0)),
			`attribute "spatial" is 0`},
		{"BatchNormalization negative epsilon", 15, nodeProto("BatchNormalization", "bn", []string{"x", "s", "b", "m", "v"}, []string{"y"}, floatAttribute("epsilon", -1)),
			`attribute "epsilon" is -1, want ≥ 0`},
		{"Add legacy broadcast", 6, nodeProto("Add", "a", []string{"x", "x"}, []string{"y"}, intAttribute("broadcast", 1)),
			`attribute "broadcast" 1 asks for the broadcasting of opsets before 7`},
		{"Mul broadcast at opset 13", 13, nodeProto("Mul", "m", []string{"x", "x"}, []string{"y"}, intAttribute("broadcast", 0)),
			`attributes "broadcast" and "axis" were removed in opset 7`},
		{"Concat without axis", 13, nodeProto("Concat", "cat", []string{"x"}, []string{"y"}),
			`node "cat" (Concat): attribute "axis" is missing`},
		{"Unsqueeze without axes", 11, nodeProto("Unsqueeze", "u", []string{"x"}, []string{"y"}),
			`attribute "axes" is missing; Unsqueeze requires it before opset 13`},
		{"Unsqueeze without axes input", 13, nodeProto("Unsqueeze", "u", []string{"x"}, []string{"y"}),
			`input 1 (axes) is missing; Unsqueeze requires it from opset 13`},
		{"Unsqueeze axes attribute at opset 13", 13, nodeProto("Unsqueeze", "u", []string{"x", "a"}, []string{"y"}, intsAttribute("axes", 0)),
			`attribute "axes" became input 1 in opset 13`},
		{"Squeeze axes input at opset 11", 11, nodeProto("Squeeze", "s", []string{"x", "a"}, []string{"y"}),
			`takes 1 input at opset 11, got 2; axes became inputs in opset 13`},
		{"LRN without size", 13, nodeProto("LRN", "lrn", []string{"x"}, []string{"y"}),
			`attribute "size" is missing; LRN requires it`},
		{"LRN size 0", 13, nodeProto("LRN", "lrn", []string{"x"}, []string{"y"}, intAttribute("size", 0)),
			`attribute "size" is 0, want ≥ 1`},
		{"ConstantOfShape value of two elements", 13, nodeProto("ConstantOfShape", "c", []string{"x"}, []string{"y"},
			&onnxpb.AttributeProto{Name: proto.String("value"), Type: onnxpb.AttributeProto_TENSOR.Enum(), T: floatTensorProto("", []int64{2}, []float32{1, 2})}),
			`attribute "value" has shape [2], want one element`},
		{"Transpose negative perm", 13, nodeProto("Transpose", "t", []string{"x"}, []string{"y"}, intsAttribute("perm", 0, -1)),
			`attribute "perm" is [0 -1], want every value ≥ 0`},
		{"Sum without inputs", 13, nodeProto("Sum", "s", nil, []string{"y"}), `node "s" (Sum): takes 1 to 65536 inputs, got 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkContains(t, loadError(t, singleNodeModel(tt.opset, tt.node)), tt.want)
		})
	}
}

// flattenPatternModel returns the graph that PyTorch exports for
// x.view(x.size(0), -1) at opset 13, followed by a Relu, on x [N, 2, 3].
func flattenPatternModel() *onnxpb.ModelProto {
	return modelProto(13, &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{
			nodeProto("Shape", "shape", []string{"x"}, []string{"s"}),
			nodeProto("Constant", "zero", nil, []string{"zero"}, intAttribute("value_int", 0)),
			nodeProto("Gather", "gather", []string{"s", "zero"}, []string{"n"}, intAttribute("axis", 0)),
			nodeProto("Constant", "axes", nil, []string{"axes"}, intsAttribute("value_ints", 0)),
			nodeProto("Unsqueeze", "unsqueeze", []string{"n", "axes"}, []string{"n1"}),
			nodeProto("Constant", "rest", nil, []string{"rest"}, intsAttribute("value_ints", -1)),
			nodeProto("Concat", "concat", []string{"n1", "rest"}, []string{"target"}, intAttribute("axis", 0)),
			nodeProto("Reshape", "reshape", []string{"x", "target"}, []string{"flat"}),
			nodeProto("Relu", "relu", []string{"flat"}, []string{"y"}),
		},
		Input:  []*onnxpb.ValueInfoProto{floatValue("x", -1, 2, 3)},
		Output: []*onnxpb.ValueInfoProto{floatValue("y", -1, 6)},
	})
}

func TestFlattenPatternRuns(t *testing.T) {
	model, err := Load(marshal(t, flattenPatternModel()))
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{1, 3, 1} {
		data := make([]float32, batch*6)
		for i := range data {
			data[i] = float32(i - 4)
		}
		x, err := nn.FromSlice(data, batch, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			y, err := model.Predict(x)
			if err != nil {
				t.Fatalf("batch %d: %v", batch, err)
			}
			if !slices.Equal(y.Shape, []int{batch, 6}) || y.Data[0] != 0 || y.Data[len(y.Data)-1] != float32(batch*6-5) {
				t.Errorf("batch %d: y = %v %v", batch, y.Shape, y.Data)
			}
		}
	}
}
