package onnx

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

func TestLoadRunsRelu(t *testing.T) {
	m, err := Load(marshal(t, reluModel()))
	if err != nil {
		t.Fatal(err)
	}
	x, err := nn.FromSlice([]float32{-1, 0, 2, -3}, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Run(map[string]*nn.Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out["y"].Data, []float32{0, 0, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("y = %v, want %v", got, want)
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "relu.onnx")
	if err := os.WriteFile(path, marshal(t, reluModel()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path); err != nil {
		t.Errorf("LoadFile: %v", err)
	}

	if err := os.WriteFile(path, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(path)
	if err == nil || !strings.HasPrefix(err.Error(), "onnx: "+path+": ") {
		t.Errorf("LoadFile error = %v, want one that starts with the path", err)
	}

	_, err = LoadFile(filepath.Join(t.TempDir(), "missing.onnx"))
	if err == nil || !strings.Contains(err.Error(), "missing.onnx") {
		t.Errorf("LoadFile error = %v, want one naming the missing file", err)
	}
}

// loadError returns the error of LoadGraph on m, failing the test if there
// is none.
func loadError(t *testing.T, m *onnxpb.ModelProto) string {
	t.Helper()
	_, err := LoadGraph(marshal(t, m))
	if err == nil {
		t.Fatal("LoadGraph returned no error")
	}
	return err.Error()
}

func checkContains(t *testing.T, msg string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}

func TestLoadTruncated(t *testing.T) {
	data := marshal(t, convModel(intsAttribute("pads", 1, 1, 1, 1)))

	// Every prefix must return an error or a graph, never panic. A prefix
	// that ends at a field boundary can be a valid, smaller message.
	for n := range len(data) {
		if g, err := LoadGraph(data[:n]); err == nil && g == nil {
			t.Fatalf("LoadGraph(first %d bytes) returned neither graph nor error", n)
		}
	}

	_, err := LoadGraph(data[:len(data)-1])
	if err == nil {
		t.Fatal("LoadGraph of a model missing its last byte returned no error")
	}
	checkContains(t, err.Error(), "onnx: decoding model")
}

func TestLoadEmpty(t *testing.T) {
	_, err := LoadGraph(nil)
	if err == nil || err.Error() != "onnx: model file is empty" {
		t.Errorf("LoadGraph(nil) error = %v, want onnx: model file is empty", err)
	}
}

func TestLoadRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		data := make([]byte, 1+rng.IntN(300))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		if _, err := Load(data); err == nil {
			t.Errorf("random input %d (%x) loaded without error", i, data)
		}
	}
}

func TestLoadTextFile(t *testing.T) {
	_, err := LoadGraph([]byte("ir_version: 8\ngraph { }\n"))
	if err == nil {
		t.Fatal("LoadGraph of a text file returned no error")
	}
}

func TestLoadModelErrors(t *testing.T) {
	t.Run("no graph", func(t *testing.T) {
		m := reluModel()
		m.Graph = nil
		checkContains(t, loadError(t, m), "model has no graph")
	})
	t.Run("no default opset", func(t *testing.T) {
		m := reluModel()
		m.OpsetImport = []*onnxpb.OperatorSetIdProto{{Domain: proto.String("ai.onnx.ml"), Version: proto.Int64(3)}}
		checkContains(t, loadError(t, m), "imports no opset of the default ONNX domain")
	})
	t.Run("default opset twice", func(t *testing.T) {
		m := reluModel()
		m.OpsetImport = append(m.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: proto.String("ai.onnx"), Version: proto.Int64(9)})
		checkContains(t, loadError(t, m), "imports the default ONNX domain twice, at opsets 13 and 9")
	})
	t.Run("opset 0", func(t *testing.T) {
		m := reluModel()
		m.OpsetImport[0].Version = proto.Int64(0)
		checkContains(t, loadError(t, m), "opset 0 of the default ONNX domain, want ≥ 1")
	})
	t.Run("other domain imported but unused", func(t *testing.T) {
		m := reluModel()
		m.OpsetImport = append(m.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: proto.String("ai.onnx.ml"), Version: proto.Int64(3)})
		if _, err := LoadGraph(marshal(t, m)); err != nil {
			t.Errorf("LoadGraph: %v", err)
		}
	})
	t.Run("node in other domain", func(t *testing.T) {
		m := reluModel()
		m.Graph.Node[0].Domain = proto.String("com.microsoft")
		checkContains(t, loadError(t, m), `node "relu1" (Relu): operator domain "com.microsoft" is not supported`)
	})
}

func TestLoadUnknownOp(t *testing.T) {
	m := reluModel()
	m.Graph.Node[0].OpType = proto.String("Einsum")
	checkContains(t, loadError(t, m),
		`onnx: node "relu1" (Einsum): operator Einsum at opset 13 is not supported`,
		"supported operators: ")
}

func TestLoadUnnamedNode(t *testing.T) {
	m := reluModel()
	m.Graph.Node[0].Name = nil
	m.Graph.Node[0].OpType = proto.String("Tile")
	checkContains(t, loadError(t, m), "node #0 (Tile)")

	m = reluModel()
	m.Graph.Node[0].Name = nil
	g, err := LoadGraph(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if name := g.Nodes[0].Layer.Name(); name != "Relu#0" {
		t.Errorf("layer name = %q, want Relu#0", name)
	}
}

func TestLoadGraphErrors(t *testing.T) {
	t.Run("missing input", func(t *testing.T) {
		m := reluModel()
		m.Graph.Node[0].Input = []string{"nowhere"}
		checkContains(t, loadError(t, m), `node "relu1" (Relu): input 0 "nowhere" is not produced by any node, graph input or initializer`)
	})
	t.Run("missing output", func(t *testing.T) {
		m := reluModel()
		m.Graph.Output[0].Name = proto.String("z")
		checkContains(t, loadError(t, m), `graph output "z" is not produced`)
	})
	t.Run("no outputs", func(t *testing.T) {
		m := reluModel()
		m.Graph.Output = nil
		checkContains(t, loadError(t, m), "graph has no outputs")
	})
	t.Run("two producers", func(t *testing.T) {
		m := reluModel()
		m.Graph.Node = append(m.Graph.Node, nodeProto("Relu", "relu2", []string{"x"}, []string{"y"}))
		checkContains(t, loadError(t, m), `value "y" is produced twice, by node "relu1" (Relu) and by node "relu2" (Relu)`)
	})
	t.Run("node overwrites input", func(t *testing.T) {
		m := reluModel()
		m.Graph.Node[0].Output = []string{"x"}
		checkContains(t, loadError(t, m), `value "x" is produced twice, by a graph input and by node "relu1" (Relu)`)
	})
	t.Run("initializer twice", func(t *testing.T) {
		m := convModel()
		m.Graph.Initializer = append(m.Graph.Initializer, m.Graph.Initializer[0])
		checkContains(t, loadError(t, m), `value "w" is produced twice, by an initializer and by an initializer`)
	})
	t.Run("unnamed initializer", func(t *testing.T) {
		m := convModel()
		m.Graph.Initializer[0].Name = nil
		checkContains(t, loadError(t, m), "initializer 0 has no name")
	})
	t.Run("input listed twice", func(t *testing.T) {
		m := reluModel()
		m.Graph.Input = append(m.Graph.Input, m.Graph.Input[0])
		checkContains(t, loadError(t, m), `graph input "x" is listed twice`)
	})
	t.Run("input without shape", func(t *testing.T) {
		m := reluModel()
		m.Graph.Input[0].Type.GetTensorType().Shape = nil
		checkContains(t, loadError(t, m), `graph input "x" has no shape`)
	})
	t.Run("input of type double", func(t *testing.T) {
		m := reluModel()
		m.Graph.Input[0].Type.GetTensorType().ElemType = proto.Int32(int32(onnxpb.TensorProto_DOUBLE))
		checkContains(t, loadError(t, m), `graph input "x" has element type DOUBLE; simdnn runs FLOAT and INT64 tensors only`)
	})
	t.Run("input not a tensor", func(t *testing.T) {
		m := reluModel()
		// Field 4 of TypeProto is sequence_type, which this schema leaves out.
		seq := &onnxpb.TypeProto{}
		seq.ProtoReflect().SetUnknown(protowire.AppendTag(nil, 4, protowire.BytesType))
		seq.ProtoReflect().SetUnknown(append(seq.ProtoReflect().GetUnknown(), 0))
		m.Graph.Input[0].Type = seq
		checkContains(t, loadError(t, m), `graph input "x" is not a dense tensor`)
	})
	t.Run("negative input dim", func(t *testing.T) {
		m := reluModel()
		m.Graph.Input[0].Type.GetTensorType().Shape.Dim[1].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: -4}
		checkContains(t, loadError(t, m), `graph input "x": dimension 1 is -4`)
	})
	t.Run("sparse initializer", func(t *testing.T) {
		m := reluModel()
		m.Graph.SparseInitializer = [][]byte{{}}
		checkContains(t, loadError(t, m), "graph has 1 sparse initializers; sparse tensors are not supported")
	})
	t.Run("initializer with external data", func(t *testing.T) {
		m := convModel()
		w := m.Graph.Initializer[0]
		w.RawData = nil
		w.DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
		w.ExternalData = []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("conv.bin")}}
		checkContains(t, loadError(t, m), `tensor "w" stores its data in an external file (location "conv.bin"); external data is not supported`)
	})
	t.Run("initializer with huge dims", func(t *testing.T) {
		m := convModel()
		m.Graph.Initializer[0].Dims = []int64{1 << 62, 1 << 62, 1, 1}
		checkContains(t, loadError(t, m), `tensor "w": shape [4611686018427387904 4611686018427387904 1 1] has more than`)
	})
	t.Run("initializer raw_data short", func(t *testing.T) {
		m := convModel()
		m.Graph.Initializer[0].RawData = m.Graph.Initializer[0].RawData[:8]
		checkContains(t, loadError(t, m), `tensor "w": raw_data has 8 bytes, want 36`)
	})
}

func TestLoadInputShapes(t *testing.T) {
	m := reluModel()
	m.Graph.Input[0] = floatValue("x", -1, 4)
	m.Graph.Input[0].Type.GetTensorType().Shape.Dim = append(m.Graph.Input[0].Type.GetTensorType().Shape.Dim, &onnxpb.TensorShapeProto_Dimension{})
	m.Graph.Output[0].Type = nil
	g, err := LoadGraph(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.Inputs[0].Shape, []int{-1, 4, -1}; !slices.Equal(got, want) {
		t.Errorf("input shape = %v, want %v (dim_param and missing dims are -1)", got, want)
	}
	if g.Outputs[0].Shape != nil {
		t.Errorf("output shape = %v, want nil for an output without type", g.Outputs[0].Shape)
	}
}

// TestLoadDefaultedInput checks an input whose initializer is its default
// value: it does not count as a second producer and needs no declared
// type, and Run may leave it out.
func TestLoadDefaultedInput(t *testing.T) {
	m := convModel()
	m.Graph.Input = append(m.Graph.Input, &onnxpb.ValueInfoProto{Name: proto.String("w")})
	g, err := LoadGraph(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Inputs) != 2 || g.Inputs[1].Name != "w" || !slices.Equal(g.Inputs[1].Shape, []int{1, 1, 3, 3}) {
		t.Fatalf("inputs = %+v, want x and then w with the initializer's shape [1 1 3 3]", g.Inputs)
	}

	model, err := nn.NewModel(*g)
	if err != nil {
		t.Fatal(err)
	}
	x, err := nn.New(1, 1, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := model.Run(map[string]*nn.Tensor{"x": x}); err != nil {
		t.Errorf("Run without the defaulted input: %v", err)
	}

	m.Graph.Input[1] = int64Value("w", 1, 1, 3, 3)
	checkContains(t, loadError(t, m), `graph input "w" is declared INT64, but its initializer is read as float32`)
}

func TestLoadCycle(t *testing.T) {
	m := reluModel()
	m.Graph.Node = []*onnxpb.NodeProto{
		nodeProto("Relu", "a", []string{"b_out"}, []string{"a_out"}),
		nodeProto("Relu", "b", []string{"a_out"}, []string{"b_out"}),
		nodeProto("Relu", "c", []string{"a_out"}, []string{"y"}),
	}
	data := marshal(t, m)

	if _, err := LoadGraph(data); err != nil {
		t.Fatalf("LoadGraph: %v (cycles are left to nn.NewModel)", err)
	}
	_, err := Load(data)
	if err == nil {
		t.Fatal("Load of a cyclic graph returned no error")
	}
	checkContains(t, err.Error(), "onnx: building model:", "cycle")
}

func TestLoadUnsortedNodes(t *testing.T) {
	m := reluModel()
	m.Graph.Node = []*onnxpb.NodeProto{
		nodeProto("Relu", "second", []string{"h"}, []string{"y"}),
		nodeProto("Relu", "first", []string{"x"}, []string{"h"}),
	}
	if _, err := Load(marshal(t, m)); err != nil {
		t.Errorf("Load of unsorted nodes: %v", err)
	}
}
