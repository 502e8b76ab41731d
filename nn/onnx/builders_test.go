package onnx

import (
	"encoding/binary"
	"math"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
)

// This file builds small ONNX models in memory for the tests.

func tensorTypeProto(elemType onnxpb.TensorProto_DataType, dims ...int64) *onnxpb.TypeProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnxpb.TensorShapeProto_Dimension{}
		if d >= 0 {
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}
		} else {
			dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
		ElemType: proto.Int32(int32(elemType)),
		Shape:    shape,
	}}}
}

// floatValue declares a FLOAT graph value. A negative dim becomes symbolic.
func floatValue(name string, dims ...int64) *onnxpb.ValueInfoProto {
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: tensorTypeProto(onnxpb.TensorProto_FLOAT, dims...)}
}

func int64Value(name string, dims ...int64) *onnxpb.ValueInfoProto {
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: tensorTypeProto(onnxpb.TensorProto_INT64, dims...)}
}

// floatTensorProto stores values in raw_data, as most exporters do.
func floatTensorProto(name string, dims []int64, values []float32) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &onnxpb.TensorProto{
		Name:     proto.String(name),
		Dims:     dims,
		DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
		RawData:  raw,
	}
}

func int64TensorProto(name string, dims []int64, values []int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{
		Name:      proto.String(name),
		Dims:      dims,
		DataType:  proto.Int32(int32(onnxpb.TensorProto_INT64)),
		Int64Data: values,
	}
}

func intAttribute(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func intsAttribute(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: v}
}

func floatAttribute(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func stringAttribute(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func nodeProto(opType, name string, inputs, outputs []string, attributes ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{
		OpType:    proto.String(opType),
		Name:      proto.String(name),
		Input:     inputs,
		Output:    outputs,
		Attribute: attributes,
	}
}

func modelProto(opset int64, g *onnxpb.GraphProto) *onnxpb.ModelProto {
	return &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph:       g,
	}
}

// reluModel returns x [1, 4] -> Relu "relu1" -> y at opset 13.
func reluModel() *onnxpb.ModelProto {
	return modelProto(13, &onnxpb.GraphProto{
		Name:   proto.String("relu"),
		Node:   []*onnxpb.NodeProto{nodeProto("Relu", "relu1", []string{"x"}, []string{"y"})},
		Input:  []*onnxpb.ValueInfoProto{floatValue("x", 1, 4)},
		Output: []*onnxpb.ValueInfoProto{floatValue("y", 1, 4)},
	})
}

// convModel returns x [1, 1, 4, 4] -> Conv "conv1" with weights w
// [1, 1, 3, 3] -> y, with the given attributes, at opset 13.
func convModel(attributes ...*onnxpb.AttributeProto) *onnxpb.ModelProto {
	weights := make([]float32, 9)
	return modelProto(13, &onnxpb.GraphProto{
		Node:        []*onnxpb.NodeProto{nodeProto("Conv", "conv1", []string{"x", "w"}, []string{"y"}, attributes...)},
		Initializer: []*onnxpb.TensorProto{floatTensorProto("w", []int64{1, 1, 3, 3}, weights)},
		Input:       []*onnxpb.ValueInfoProto{floatValue("x", 1, 1, 4, 4)},
		Output:      []*onnxpb.ValueInfoProto{floatValue("y", -1, -1, -1, -1)},
	})
}

// singleNodeModel returns a model whose one node reads x [2, 3] and writes y.
func singleNodeModel(opset int64, n *onnxpb.NodeProto) *onnxpb.ModelProto {
	return modelProto(opset, &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{n},
		Input:  []*onnxpb.ValueInfoProto{floatValue("x", 2, 3)},
		Output: []*onnxpb.ValueInfoProto{floatValue("y")},
	})
}

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	return data
}
