package onnx

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

func TestConvAttributeErrors(t *testing.T) {
	tests := []struct {
		name       string
		attributes []*onnxpb.AttributeProto
		want       string
	}{
		{"group 0", []*onnxpb.AttributeProto{intAttribute("group", 0)},
			`onnx: node "conv1" (Conv): attribute "group" is 0, want ≥ 1`},
		{"group as float", []*onnxpb.AttributeProto{floatAttribute("group", 1)},
			`node "conv1" (Conv): attribute "group" has type FLOAT, want INT`},
		{"stride 0", []*onnxpb.AttributeProto{intsAttribute("strides", 1, 0)},
			`attribute "strides" is [1 0], want every value ≥ 1`},
		{"negative pad", []*onnxpb.AttributeProto{intsAttribute("pads", 0, -1, 0, 0)},
			`attribute "pads" is [0 -1 0 0], want every value ≥ 0`},
		{"huge dilation", []*onnxpb.AttributeProto{intsAttribute("dilations", 1, 1<<40)},
			`attribute "dilations" is [1 1099511627776], want every value ≤ 2147483647`},
		{"odd pads", []*onnxpb.AttributeProto{intsAttribute("pads", 1, 1, 1)},
			`attribute "pads" [1 1 1] has 3 values, want a begin and an end value for each spatial axis`},
		{"axes disagree", []*onnxpb.AttributeProto{intsAttribute("kernel_shape", 3, 3), intsAttribute("strides", 1, 1, 1)},
			`attribute "strides" [1 1 1] covers 3 spatial axes but "kernel_shape" [3 3] covers 2`},
		{"empty kernel", []*onnxpb.AttributeProto{intsAttribute("kernel_shape")},
			`attribute "kernel_shape" is empty`},
		{"bad auto_pad", []*onnxpb.AttributeProto{stringAttribute("auto_pad", "SAME")},
			`attribute "auto_pad" is "SAME", want NOTSET, SAME_UPPER, SAME_LOWER or VALID`},
		{"pads with auto_pad", []*onnxpb.AttributeProto{stringAttribute("auto_pad", "SAME_UPPER"), intsAttribute("pads", 1, 1, 1, 1)},
			`attribute "pads" [1 1 1 1] conflicts with auto_pad SAME_UPPER`},
		{"unknown attribute", []*onnxpb.AttributeProto{intAttribute("groups", 2)},
			`attribute "groups" is not supported; Conv takes auto_pad, dilations, group, kernel_shape, pads, strides`},
		{"attribute twice", []*onnxpb.AttributeProto{intAttribute("group", 1), intAttribute("group", 1)},
			`attribute "group" appears twice`},
		{"unnamed attribute", []*onnxpb.AttributeProto{{Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(1)}},
			`an attribute has no name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadGraph(marshal(t, convModel(tt.attributes...)))
			if err == nil {
				t.Fatal("LoadGraph returned no error")
			}
			checkContains(t, err.Error(), tt.want)
		})
	}
}

func TestConvZeroPadsWithAutoPad(t *testing.T) {
	m := convModel(stringAttribute("auto_pad", "VALID"), intsAttribute("pads", 0, 0, 0, 0))
	if _, err := LoadGraph(marshal(t, m)); err != nil {
		t.Errorf("zero pads next to auto_pad: %v", err)
	}
}

// TestAttributeWithoutType checks that a missing type field, as in IR
// version 1 files, is inferred from the value that is set.
func TestAttributeWithoutType(t *testing.T) {
	group := &onnxpb.AttributeProto{Name: proto.String("group"), I: proto.Int64(1)}
	kernel := &onnxpb.AttributeProto{Name: proto.String("kernel_shape"), Ints: []int64{3, 3}}
	g, err := LoadGraph(marshal(t, convModel(group, kernel)))
	if err != nil {
		t.Fatal(err)
	}
	conv := g.Nodes[0].Layer.(nn.Conv)
	if conv.Group != 1 || !slices.Equal(conv.KernelShape, []int{3, 3}) {
		t.Errorf("conv = %+v, want group 1 and kernel_shape [3 3]", conv)
	}
}

func TestNodeShapeErrors(t *testing.T) {
	tests := []struct {
		name string
		node *onnxpb.NodeProto
		want string
	}{
		{"too few inputs", nodeProto("Gemm", "fc", []string{"x"}, []string{"y"}),
			`node "fc" (Gemm): takes 2 to 3 inputs, got 1`},
		{"too many inputs", nodeProto("Relu", "r", []string{"x", "x"}, []string{"y"}),
			`node "r" (Relu): takes 1 input, got 2`},
		{"unnamed required input", nodeProto("MatMul", "mm", []string{"x", ""}, []string{"y"}),
			`node "mm" (MatMul): required input 1 has no name`},
		{"unnamed output", nodeProto("Relu", "r", []string{"x"}, []string{""}),
			`node "r" (Relu): output 0 has no name`},
		{"second output", nodeProto("Relu", "r", []string{"x"}, []string{"y", "z"}),
			`node "r" (Relu): has 2 outputs, but Relu has at most 1`},
		{"MaxPool third output", nodeProto("MaxPool", "pool", []string{"x"}, []string{"y", "idx", "extra"}, intsAttribute("kernel_shape", 2, 2)),
			`node "pool" (MaxPool): has 3 outputs, but MaxPool has at most 2`},
		{"MaxPool without kernel", nodeProto("MaxPool", "pool", []string{"x"}, []string{"y"}),
			`node "pool" (MaxPool): attribute "kernel_shape" is missing`},
		{"MaxPool ceil_mode 2", nodeProto("MaxPool", "pool", []string{"x"}, []string{"y"}, intsAttribute("kernel_shape", 2, 2), intAttribute("ceil_mode", 2)),
			`attribute "ceil_mode" is 2, want 0 or 1`},
		{"Dropout training_mode", nodeProto("Dropout", "d", []string{"x", "", "x"}, []string{"y"}),
			`node "d" (Dropout): input 2 (training_mode) "x" is not supported`},
		{"Gemm transA 2", nodeProto("Gemm", "fc", []string{"x", "x"}, []string{"y"}, intAttribute("transA", 2)),
			`attribute "transA" is 2, want 0 or 1`},
		{"Gemm broadcast at opset 13", nodeProto("Gemm", "fc", []string{"x", "x"}, []string{"y"}, intAttribute("broadcast", 1)),
			`attribute "broadcast" was removed in opset 7, but the model uses opset 13`},
		{"Softmax axis as ints", nodeProto("Softmax", "sm", []string{"x"}, []string{"y"}, intsAttribute("axis", 1)),
			`attribute "axis" has type INTS, want INT`},
		{"Flatten huge axis", nodeProto("Flatten", "f", []string{"x"}, []string{"y"}, intAttribute("axis", 1<<40)),
			`attribute "axis" is 1099511627776, want ≤ 2147483647`},
		{"Relu attribute", nodeProto("Relu", "r", []string{"x"}, []string{"y"}, intAttribute("alpha", 1)),
			`attribute "alpha" is not supported; Relu takes no attributes`},
		{"Reshape with shape attribute", nodeProto("Reshape", "r", []string{"x"}, []string{"y"}, intsAttribute("shape", 6)),
			`node "r" (Reshape): takes 2 inputs, got 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkContains(t, loadError(t, singleNodeModel(13, tt.node)), tt.want)
		})
	}
}

// TestUnreadUnsupportedOutput checks that an output simdnn does not
// compute is rejected only when a node or the graph reads it.
func TestUnreadUnsupportedOutput(t *testing.T) {
	node := nodeProto("Dropout", "d", []string{"x"}, []string{"y", "mask"})
	if _, err := LoadGraph(marshal(t, singleNodeModel(13, node))); err != nil {
		t.Errorf("Dropout with an unread mask: %v", err)
	}

	m := singleNodeModel(13, node)
	m.Graph.Output = append(m.Graph.Output, floatValue("mask"))
	checkContains(t, loadError(t, m), `node "d" (Dropout): output 1 (mask) "mask" is not supported`)
}

func TestSoftmaxOpsetDefaults(t *testing.T) {
	for _, tt := range []struct {
		opset int64
		want  nn.Softmax
	}{
		{11, nn.Softmax{NodeName: "sm", Axis: 1, Coerce2D: true}},
		{12, nn.Softmax{NodeName: "sm", Axis: 1, Coerce2D: true}},
		{13, nn.Softmax{NodeName: "sm", Axis: -1, Coerce2D: false}},
		{21, nn.Softmax{NodeName: "sm", Axis: -1, Coerce2D: false}},
	} {
		g, err := LoadGraph(marshal(t, singleNodeModel(tt.opset, nodeProto("Softmax", "sm", []string{"x"}, []string{"y"}))))
		if err != nil {
			t.Fatal(err)
		}
		if got := g.Nodes[0].Layer; got != tt.want {
			t.Errorf("opset %d: layer = %+v, want %+v", tt.opset, got, tt.want)
		}
	}
}

func TestGemmBroadcastBeforeOpset7(t *testing.T) {
	n := nodeProto("Gemm", "fc", []string{"x", "x"}, []string{"y"}, intAttribute("broadcast", 1), intAttribute("transB", 1))
	g, err := LoadGraph(marshal(t, singleNodeModel(6, n)))
	if err != nil {
		t.Fatal(err)
	}
	if want := (nn.Gemm{NodeName: "fc", Alpha: 1, Beta: 1, TransB: true}); g.Nodes[0].Layer != want {
		t.Errorf("layer = %+v, want %+v", g.Nodes[0].Layer, want)
	}
}

func TestDropoutReadsOnlyData(t *testing.T) {
	n := nodeProto("Dropout", "d", []string{"x", "ratio"}, []string{"y", ""}, floatAttribute("ratio", 0.3), intAttribute("seed", 5))
	m := singleNodeModel(13, n)
	m.Graph.Initializer = []*onnxpb.TensorProto{floatTensorProto("ratio", nil, []float32{0.2})}
	g, err := LoadGraph(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	node := g.Nodes[0]
	if node.Layer != (nn.Identity{NodeName: "d"}) || !slices.Equal(node.Inputs, []string{"x"}) || !slices.Equal(node.Outputs, []string{"y"}) {
		t.Errorf("node = %+v, want Identity reading x and writing y", node)
	}
}

// TestConstantReshape runs a Reshape whose shape comes from a Constant
// node, as PyTorch exports it.
func TestConstantReshape(t *testing.T) {
	m := singleNodeModel(13, nodeProto("Reshape", "r", []string{"x", "shape"}, []string{"y"}))
	m.Graph.Node = append(m.Graph.Node, nodeProto("Constant", "c", nil, []string{"shape"}, intsAttribute("value_ints", 3, -1)))
	model, err := Load(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	x, err := nn.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	out, err := model.Run(map[string]*nn.Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	if y := out["y"]; !slices.Equal(y.Shape, []int{3, 2}) || !slices.Equal(y.Data, x.Data) {
		t.Errorf("y = %v %v, want shape [3 2] and the data of x", y.Shape, y.Data)
	}
}

func TestConstantForms(t *testing.T) {
	tensorValue := &onnxpb.AttributeProto{Name: proto.String("value"), Type: onnxpb.AttributeProto_TENSOR.Enum(),
		T: floatTensorProto("", []int64{2}, []float32{1, 2})}
	tests := []struct {
		name      string
		attribute *onnxpb.AttributeProto
		want      *nn.Tensor
	}{
		{"value", tensorValue, &nn.Tensor{Shape: []int{2}, Data: []float32{1, 2}}},
		{"value_float", floatAttribute("value_float", 0.5), &nn.Tensor{Shape: []int{}, Data: []float32{0.5}}},
		{"value_floats", &onnxpb.AttributeProto{Name: proto.String("value_floats"), Type: onnxpb.AttributeProto_FLOATS.Enum(), Floats: []float32{3}},
			&nn.Tensor{Shape: []int{1}, Data: []float32{3}}},
		{"value_int", intAttribute("value_int", 7), &nn.Tensor{Shape: []int{}, DType: nn.Int64, Int64: []int64{7}}},
		{"value_ints", intsAttribute("value_ints", 1, 2, 3), &nn.Tensor{Shape: []int{3}, DType: nn.Int64, Int64: []int64{1, 2, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := singleNodeModel(13, nodeProto("Constant", "c", nil, []string{"y"}, tt.attribute))
			g, err := LoadGraph(marshal(t, m))
			if err != nil {
				t.Fatal(err)
			}
			got := g.Initializers["y"]
			if got == nil {
				t.Fatal("Constant output is not an initializer")
			}
			if got.DType != tt.want.DType || !slices.Equal(got.Shape, tt.want.Shape) ||
				!slices.Equal(got.Data, tt.want.Data) || !slices.Equal(got.Int64, tt.want.Int64) {
				t.Errorf("initializer = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestConstantErrors(t *testing.T) {
	tests := []struct {
		name string
		node *onnxpb.NodeProto
		want string
	}{
		{"no value", nodeProto("Constant", "c", nil, []string{"y"}),
			`node "c" (Constant): has 0 value attributes, want exactly one of value, value_float, value_floats, value_int, value_ints`},
		{"two values", nodeProto("Constant", "c", nil, []string{"y"}, intAttribute("value_int", 1), floatAttribute("value_float", 1)),
			`has 2 value attributes`},
		{"string value", nodeProto("Constant", "c", nil, []string{"y"}, stringAttribute("value_string", "a")),
			`attribute "value_string" is not supported`},
		{"wrong type", nodeProto("Constant", "c", nil, []string{"y"}, intAttribute("value_floats", 1)),
			`attribute "value_floats" has type INT, want FLOATS`},
		{"input", nodeProto("Constant", "c", []string{"x"}, []string{"y"}, intAttribute("value_int", 1)),
			`node "c" (Constant): takes no inputs, got 1`},
		{"bad tensor", nodeProto("Constant", "c", nil, []string{"y"}, &onnxpb.AttributeProto{Name: proto.String("value"),
			Type: onnxpb.AttributeProto_TENSOR.Enum(), T: &onnxpb.TensorProto{Dims: []int64{2}, DataType: proto.Int32(1)}}),
			`node "c" (Constant): attribute "value": tensor "" has no elements`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkContains(t, loadError(t, singleNodeModel(13, tt.node)), tt.want)
		})
	}
}
