package breaktest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/models/mnist"
	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// reluGraph is x [1, 4] -> Relu -> y, the base of the hostile models.
func reluGraph() *onnxGraph {
	return &onnxGraph{
		Node:   []*onnxNode{node("Relu", "relu", []string{"x"}, []string{"y"})},
		Input:  []*onnxValueInfo{floatValueInfo("x", 1, 4)},
		Output: []*onnxValueInfo{floatValueInfo("y", 1, 4)},
	}
}

// loadMustFail loads data with Load and LoadGraph and checks for an error
// that mentions every word of want, without a panic.
func loadMustFail(t *testing.T, name string, data []byte, want ...string) {
	t.Helper()
	var err error
	var panicked bool
	for _, load := range []func([]byte) error{
		func(d []byte) error { _, err := onnx.Load(d); return err },
		func(d []byte) error { _, err := onnx.LoadGraph(d); return err },
	} {
		err, panicked = call(func() error { return load(data) })
		if panicked {
			t.Errorf("%s: the loader panics:\n%s", name, headOf(err.Error(), 1500))
			return
		}
	}
	_, err = onnx.Load(data)
	if err == nil {
		t.Errorf("%s: Load succeeds, want an error", name)
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not mention %q", name, err, w)
		}
	}
}

// TestONNXHostileModels loads models that break the format's rules one at
// a time.
func TestONNXHostileModels(t *testing.T) {
	type variant struct {
		name string
		edit func(m *onnxpb.ModelProto)
		want []string
	}
	g := func(m *onnxpb.ModelProto) *onnxGraph { return m.Graph }
	variants := []variant{
		{"cycle", func(m *onnxpb.ModelProto) {
			g(m).Node = []*onnxNode{
				node("Relu", "a", []string{"b_out"}, []string{"a_out"}),
				node("Relu", "b", []string{"a_out"}, []string{"b_out"}),
				node("Add", "c", []string{"x", "a_out"}, []string{"y"}),
			}
		}, []string{"cycle"}},
		{"self loop", func(m *onnxpb.ModelProto) {
			g(m).Node = []*onnxNode{node("Add", "self", []string{"x", "y"}, []string{"y"})}
		}, []string{"cycle"}},
		{"two producers", func(m *onnxpb.ModelProto) {
			g(m).Node = append(g(m).Node, node("Relu", "relu2", []string{"x"}, []string{"y"}))
		}, []string{"twice"}},
		{"node writes graph input", func(m *onnxpb.ModelProto) {
			g(m).Node = append(g(m).Node, node("Relu", "relu2", []string{"y"}, []string{"x"}))
		}, []string{"twice"}},
		{"duplicate initializer", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{floats("w", []int64{1}, []float32{1}), floats("w", []int64{1}, []float32{2})}
		}, []string{"w"}},
		{"duplicate graph input", func(m *onnxpb.ModelProto) {
			g(m).Input = append(g(m).Input, floatValueInfo("x", 1, 4))
		}, []string{"twice"}},
		{"duplicate graph output", func(m *onnxpb.ModelProto) {
			g(m).Output = append(g(m).Output, floatValueInfo("y", 1, 4))
		}, []string{"twice"}},
		{"undefined input", func(m *onnxpb.ModelProto) { g(m).Node[0].Input = []string{"nowhere"} }, []string{"nowhere"}},
		{"undefined output", func(m *onnxpb.ModelProto) { g(m).Output[0].Name = proto.String("nowhere") }, []string{"nowhere"}},
		{"no outputs", func(m *onnxpb.ModelProto) { g(m).Output = nil }, []string{"output"}},
		{"no graph", func(m *onnxpb.ModelProto) { m.Graph = nil }, []string{"graph"}},
		{"no opset", func(m *onnxpb.ModelProto) { m.OpsetImport = nil }, []string{"opset"}},
		{"opset 0", func(m *onnxpb.ModelProto) { m.OpsetImport[0].Version = proto.Int64(0) }, []string{"opset"}},
		{"opset twice", func(m *onnxpb.ModelProto) {
			m.OpsetImport = append(m.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: proto.String("ai.onnx"), Version: proto.Int64(11)})
		}, []string{"twice"}},
		{"unknown operator", func(m *onnxpb.ModelProto) { g(m).Node[0].OpType = proto.String("Frobnicate") }, []string{"Frobnicate"}},
		{"custom domain", func(m *onnxpb.ModelProto) { g(m).Node[0].Domain = proto.String("com.example") }, []string{"com.example"}},
		{"unknown attribute", func(m *onnxpb.ModelProto) { g(m).Node[0].Attribute = []*onnxpb.AttributeProto{attrInt("alpha", 1)} }, []string{"alpha"}},
		{"attribute twice", func(m *onnxpb.ModelProto) {
			g(m).Node[0] = node("Flatten", "f", []string{"x"}, []string{"y"}, attrInt("axis", 1), attrInt("axis", 1))
		}, []string{"twice"}},
		{"attribute without name", func(m *onnxpb.ModelProto) {
			g(m).Node[0].Attribute = []*onnxpb.AttributeProto{{I: proto.Int64(1)}}
		}, []string{"name"}},
		{"attribute of wrong type", func(m *onnxpb.ModelProto) {
			g(m).Node[0] = node("Flatten", "f", []string{"x"}, []string{"y"}, attrInts("axis", 1))
		}, []string{"axis"}},
		{"huge axis", func(m *onnxpb.ModelProto) {
			g(m).Node[0] = node("Flatten", "f", []string{"x"}, []string{"y"}, attrInt("axis", 1<<40))
		}, []string{"axis"}},
		{"too many inputs", func(m *onnxpb.ModelProto) { g(m).Node[0].Input = []string{"x", "x"} }, []string{"input"}},
		{"no output name", func(m *onnxpb.ModelProto) { g(m).Node[0].Output = []string{""} }, []string{"output"}},
		{"external data", func(m *onnxpb.ModelProto) {
			w := floats("w", []int64{4}, nil)
			w.DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
			w.ExternalData = []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("/etc/passwd")}}
			g(m).Initializer = []*onnxTensor{w}
			g(m).Node[0] = node("Add", "add", []string{"x", "w"}, []string{"y"})
		}, []string{"external"}},
		{"external data entries only", func(m *onnxpb.ModelProto) {
			w := floats("w", []int64{4}, []float32{1, 2, 3, 4})
			w.ExternalData = []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("../../secret")}}
			g(m).Initializer = []*onnxTensor{w}
			g(m).Node[0] = node("Add", "add", []string{"x", "w"}, []string{"y"})
		}, []string{"external"}},
		{"string tensor", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{{Name: proto.String("s"), Dims: []int64{1}, DataType: proto.Int32(int32(onnxpb.TensorProto_STRING))}}
			g(m).Node[0] = node("Add", "add", []string{"x", "s"}, []string{"y"})
		}, []string{"STRING"}},
		{"float16 tensor", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{{Name: proto.String("h"), Dims: []int64{1}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT16)), Int32Data: []int32{0x3c00}}}
			g(m).Node[0] = node("Add", "add", []string{"x", "h"}, []string{"y"})
		}, []string{"FLOAT16"}},
		{"unknown data type", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{{Name: proto.String("u"), Dims: []int64{1}, DataType: proto.Int32(999), RawData: []byte{1, 2, 3, 4}}}
			g(m).Node[0] = node("Add", "add", []string{"x", "u"}, []string{"y"})
		}, []string{"999"}},
		{"huge dims without data", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{floats("w", []int64{1 << 40, 1 << 40}, []float32{1})}
			g(m).Node[0] = node("Add", "add", []string{"x", "w"}, []string{"y"})
		}, []string{"w"}},
		{"dims product overflows", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{floats("w", []int64{1 << 32, 1 << 32, 0}, nil)}
			g(m).Node[0] = node("Add", "add", []string{"x", "w"}, []string{"y"})
		}, []string{"w"}},
		{"negative dim", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{floats("w", []int64{-4}, []float32{1, 2, 3, 4})}
			g(m).Node[0] = node("Add", "add", []string{"x", "w"}, []string{"y"})
		}, []string{"w"}},
		{"raw data of wrong length", func(m *onnxpb.ModelProto) {
			w := floats("w", []int64{4}, []float32{1, 2, 3, 4})
			w.RawData = w.RawData[:15]
			g(m).Initializer = []*onnxTensor{w}
			g(m).Node[0] = node("Add", "add", []string{"x", "w"}, []string{"y"})
		}, []string{"w"}},
		{"raw and typed data", func(m *onnxpb.ModelProto) {
			w := floats("w", []int64{4}, []float32{1, 2, 3, 4})
			w.FloatData = []float32{1, 2, 3, 4}
			g(m).Initializer = []*onnxTensor{w}
			g(m).Node[0] = node("Add", "add", []string{"x", "w"}, []string{"y"})
		}, []string{"w"}},
		{"typed data of another type", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{{Name: proto.String("w"), Dims: []int64{1}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Int64Data: []int64{1}}}
			g(m).Node[0] = node("Add", "add", []string{"x", "w"}, []string{"y"})
		}, []string{"w"}},
		{"sparse initializer", func(m *onnxpb.ModelProto) {
			g(m).SparseInitializer = [][]byte{{}}
		}, []string{"sparse"}},
		{"initializer without name", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{floats("", []int64{1}, []float32{1})}
		}, []string{"name"}},
		{"input without type", func(m *onnxpb.ModelProto) { g(m).Input[0].Type = nil }, []string{"x"}},
		{"input of sequence type", func(m *onnxpb.ModelProto) {
			// A sequence type decodes with no value set in this schema.
			g(m).Input[0].Type = &onnxpb.TypeProto{}
		}, []string{"x"}},
		{"input with huge dim", func(m *onnxpb.ModelProto) {
			g(m).Input[0] = floatValueInfo("x", 1<<40, 1<<40)
		}, []string{"x"}},
		{"input with negative dim value", func(m *onnxpb.ModelProto) {
			g(m).Input[0].Type.GetTensorType().Shape.Dim[0].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: -5}
		}, []string{"x"}},
		{"Constant with two values", func(m *onnxpb.ModelProto) {
			g(m).Node = append(g(m).Node, node("Constant", "k", nil, []string{"k"}, attrInt("value_int", 1), attrInts("value_ints", 1)))
		}, []string{"Constant"}},
		{"Constant without output", func(m *onnxpb.ModelProto) {
			g(m).Node = append(g(m).Node, node("Constant", "k", nil, nil, attrInt("value_int", 1)))
		}, []string{"Constant"}},
		{"Constant with nil tensor", func(m *onnxpb.ModelProto) {
			g(m).Node = append(g(m).Node, node("Constant", "k", nil, []string{"k"}, &onnxpb.AttributeProto{Name: proto.String("value"), Type: onnxpb.AttributeProto_TENSOR.Enum()}))
		}, []string{"k"}},
		{"Dropout mask read", func(m *onnxpb.ModelProto) {
			g(m).Node[0] = node("Dropout", "d", []string{"x"}, []string{"y", "mask"})
			g(m).Output = append(g(m).Output, value("mask", onnxpb.TensorProto_BOOL, 1, 4))
		}, []string{"mask"}},
		{"ConstantOfShape huge", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{int64s("s", []int64{3}, []int64{1 << 20, 1 << 20, 1 << 20})}
			g(m).Node = append(g(m).Node, node("ConstantOfShape", "big", []string{"s"}, []string{"z"}))
			g(m).Output = append(g(m).Output, floatValueInfo("z", -1, -1, -1))
		}, []string{"big"}},
		{"Reshape with two -1", func(m *onnxpb.ModelProto) {
			g(m).Initializer = []*onnxTensor{int64s("s", []int64{2}, []int64{-1, -1})}
			g(m).Node[0] = node("Reshape", "r", []string{"x", "s"}, []string{"y"})
		}, []string{"r"}},
		{"Conv with kernel larger than input", func(m *onnxpb.ModelProto) {
			g(m).Input[0] = floatValueInfo("x", 1, 1, 2, 2)
			// A 3×3 kernel gives an empty output, which nn accepts; 4×4 does
			// not fit at all.
			g(m).Initializer = []*onnxTensor{floats("w", []int64{1, 1, 4, 4}, make([]float32, 16))}
			g(m).Node[0] = node("Conv", "c", []string{"x", "w"}, []string{"y"})
			g(m).Output[0] = floatValueInfo("y", -1, -1, -1, -1)
		}, []string{"c"}},
		{"Conv group not dividing channels", func(m *onnxpb.ModelProto) {
			g(m).Input[0] = floatValueInfo("x", 1, 3, 4, 4)
			g(m).Initializer = []*onnxTensor{floats("w", []int64{2, 1, 1, 1}, make([]float32, 2))}
			g(m).Node[0] = node("Conv", "c", []string{"x", "w"}, []string{"y"}, attrInt("group", 2))
			g(m).Output[0] = floatValueInfo("y", -1, -1, -1, -1)
		}, []string{"c"}},
		{"Conv negative pads", func(m *onnxpb.ModelProto) {
			g(m).Input[0] = floatValueInfo("x", 1, 1, 4, 4)
			g(m).Initializer = []*onnxTensor{floats("w", []int64{1, 1, 1, 1}, make([]float32, 1))}
			g(m).Node[0] = node("Conv", "c", []string{"x", "w"}, []string{"y"}, attrInts("pads", -1, 0, 0, 0))
		}, []string{"pads"}},
		{"Softmax axis out of range", func(m *onnxpb.ModelProto) {
			g(m).Node[0] = node("Softmax", "s", []string{"x"}, []string{"y"}, attrInt("axis", 5))
		}, []string{"s"}},
	}
	for _, v := range variants {
		m := model(13, reluGraph())
		v.edit(m)
		loadMustFail(t, v.name, marshal(t, m), v.want...)
	}

	loadMustFail(t, "empty file", nil)
	loadMustFail(t, "not protobuf", []byte("\xff\xff\xff\xff\xff"))
	loadMustFail(t, "text", []byte("ir_version: 8\ngraph { }"))
}

// TestONNXCorruptMNIST loads truncated and bit-flipped copies of the
// MNIST model: every load must return a model or an error, never panic,
// and every model must run or fail with an error.
func TestONNXCorruptMNIST(t *testing.T) {
	data := mnist.ModelONNX()
	r := rand.New(rand.NewPCG(21, 22))
	iterations := layerIterations(t, 600)
	x, _ := nn.New(1, 1, 28, 28)
	p := newProblems()
	loaded := 0
	for it := range iterations {
		var d []byte
		switch it % 3 {
		case 0:
			d = data[:r.IntN(len(data))]
		case 1:
			d = append([]byte(nil), data...)
			for range 1 + r.IntN(4) {
				i := r.IntN(len(d))
				d[i] ^= byte(1 << r.IntN(8))
			}
		default:
			// Flip bytes in the first kilobyte, where the graph structure
			// (names, shapes, attributes) lives before the weights.
			d = append([]byte(nil), data...)
			for range 1 + r.IntN(3) {
				i := r.IntN(min(len(d), 1024))
				d[i] = byte(r.IntN(256))
			}
		}
		var m *nn.Model
		err, panicked := call(func() error {
			var err error
			m, err = onnx.Load(d)
			return err
		})
		if panicked {
			p.add("Load panics: "+firstLine(err.Error()), err.Error())
			continue
		}
		if err != nil {
			continue
		}
		loaded++
		err, panicked = call(func() error {
			in := m.Inputs()
			if len(in) != 1 || len(in[0].Shape) != 4 {
				return nil
			}
			_, err := m.Predict(x)
			return err
		})
		if panicked {
			p.add("Predict panics: "+firstLine(err.Error()), err.Error())
		}
	}
	t.Logf("%d of %d corrupt copies loaded", loaded, iterations)
	p.report(t)
}

// TestONNXManyNodesLoad loads and runs graphs of many independent Relu
// nodes, each a graph output. TestONNXNodeOrderingIsQuadratic times them.
func TestONNXManyNodesLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds large graphs")
	}
	for _, n := range []int{1000, 4000} {
		g := &onnxGraph{Input: []*onnxValueInfo{floatValueInfo("x", 1)}}
		for i := range n {
			out := fmt.Sprintf("y%d", i)
			g.Node = append(g.Node, node("Relu", out, []string{"x"}, []string{out}))
			g.Output = append(g.Output, floatValueInfo(out, 1))
		}
		m, err := onnx.Load(marshal(t, model(13, g)))
		if err != nil {
			t.Fatal(err)
		}
		x, _ := nn.FromSlice([]float32{-1}, 1)
		out, err := m.Run(map[string]*nn.Tensor{"x": x})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != n {
			t.Fatalf("%d outputs, want %d", len(out), n)
		}
	}
}
