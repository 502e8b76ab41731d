package onnx

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

func TestReadTensorFloatRaw(t *testing.T) {
	values := []float32{1, -2.5, float32(math.Inf(1)), float32(math.Copysign(0, -1)), 3, 4}
	data := marshal(t, floatTensorProto("x", []int64{2, 3}, values))

	got, err := ReadTensor(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.DType != nn.Float32 || !slices.Equal(got.Shape, []int{2, 3}) {
		t.Fatalf("tensor has dtype %v and shape %v, want float32 [2 3]", got.DType, got.Shape)
	}
	for i, v := range values {
		if math.Float32bits(got.Data[i]) != math.Float32bits(v) {
			t.Errorf("element %d = %v, want %v (bit-exact)", i, got.Data[i], v)
		}
	}
}

func TestReadTensorTypedFields(t *testing.T) {
	tests := []struct {
		name  string
		proto *onnxpb.TensorProto
		want  *nn.Tensor
	}{
		{
			name: "float_data",
			proto: &onnxpb.TensorProto{Dims: []int64{2}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
				FloatData: []float32{1.5, -1}},
			want: &nn.Tensor{Shape: []int{2}, Data: []float32{1.5, -1}},
		},
		{
			name: "double_data",
			proto: &onnxpb.TensorProto{Dims: []int64{2}, DataType: proto.Int32(int32(onnxpb.TensorProto_DOUBLE)),
				DoubleData: []float64{0.5, 1e300}},
			want: &nn.Tensor{Shape: []int{2}, Data: []float32{0.5, float32(math.Inf(1))}},
		},
		{
			name: "double raw_data",
			proto: &onnxpb.TensorProto{Dims: []int64{1}, DataType: proto.Int32(int32(onnxpb.TensorProto_DOUBLE)),
				RawData: binary.LittleEndian.AppendUint64(nil, math.Float64bits(-2.25))},
			want: &nn.Tensor{Shape: []int{1}, Data: []float32{-2.25}},
		},
		{
			name: "int64_data",
			proto: &onnxpb.TensorProto{Dims: []int64{3}, DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)),
				Int64Data: []int64{0, -1, math.MaxInt64}},
			want: &nn.Tensor{Shape: []int{3}, DType: nn.Int64, Int64: []int64{0, -1, math.MaxInt64}},
		},
		{
			name: "int64 raw_data",
			proto: &onnxpb.TensorProto{Dims: []int64{1}, DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)),
				RawData: binary.LittleEndian.AppendUint64(nil, uint64(1<<63))},
			want: &nn.Tensor{Shape: []int{1}, DType: nn.Int64, Int64: []int64{math.MinInt64}},
		},
		{
			name: "int32_data",
			proto: &onnxpb.TensorProto{Dims: []int64{2}, DataType: proto.Int32(int32(onnxpb.TensorProto_INT32)),
				Int32Data: []int32{-7, math.MaxInt32}},
			want: &nn.Tensor{Shape: []int{2}, DType: nn.Int64, Int64: []int64{-7, math.MaxInt32}},
		},
		{
			name: "int32 raw_data",
			proto: &onnxpb.TensorProto{Dims: []int64{1}, DataType: proto.Int32(int32(onnxpb.TensorProto_INT32)),
				RawData: binary.LittleEndian.AppendUint32(nil, uint32(0xffffffff))},
			want: &nn.Tensor{Shape: []int{1}, DType: nn.Int64, Int64: []int64{-1}},
		},
		{
			name:  "scalar",
			proto: &onnxpb.TensorProto{DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: []float32{7}},
			want:  &nn.Tensor{Shape: []int{}, Data: []float32{7}},
		},
		{
			name:  "empty",
			proto: &onnxpb.TensorProto{Dims: []int64{3, 0}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT))},
			want:  &nn.Tensor{Shape: []int{3, 0}, Data: []float32{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTensor(marshal(t, tt.proto))
			if err != nil {
				t.Fatal(err)
			}
			if got.DType != tt.want.DType || !slices.Equal(got.Shape, tt.want.Shape) {
				t.Fatalf("tensor has dtype %v and shape %v, want %v %v", got.DType, got.Shape, tt.want.DType, tt.want.Shape)
			}
			if !slices.Equal(got.Data, tt.want.Data) || !slices.Equal(got.Int64, tt.want.Int64) {
				t.Errorf("elements = %v %v, want %v %v", got.Data, got.Int64, tt.want.Data, tt.want.Int64)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("tensor is invalid: %v", err)
			}
		})
	}
}

func TestReadTensorErrors(t *testing.T) {
	float := proto.Int32(int32(onnxpb.TensorProto_FLOAT))
	tests := []struct {
		name  string
		proto *onnxpb.TensorProto
		want  string
	}{
		{
			name:  "raw_data too short",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{2, 2}, DataType: float, RawData: make([]byte, 12)},
			want:  `tensor "w": raw_data has 12 bytes, want 16 (4 elements of 4 bytes for dims [2 2])`,
		},
		{
			name:  "float_data too long",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1}, DataType: float, FloatData: []float32{1, 2}},
			want:  `tensor "w": float_data has 2 elements, want 1 for dims [1]`,
		},
		{
			name:  "no data",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{3}, DataType: float},
			want:  `tensor "w" has no elements (raw_data and float_data are empty), want 3`,
		},
		{
			name:  "huge dims without data",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1 << 40, 1 << 10}, DataType: float},
			want:  `tensor "w": shape [1099511627776 1024] has more than 1073741824 elements`,
		},
		{
			name:  "dims overflow",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1 << 40, 1 << 40}, DataType: float, RawData: make([]byte, 4)},
			want:  `tensor "w": shape [1099511627776 1099511627776] has more than`,
		},
		{
			name:  "negative dim",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{2, -1}, DataType: float},
			want:  `tensor "w": dimension 1 of dims [2 -1] is -1, want a size between 0 and`,
		},
		{
			name: "unsupported type",
			proto: &onnxpb.TensorProto{Name: proto.String("q"), Dims: []int64{2}, DataType: proto.Int32(int32(onnxpb.TensorProto_UINT8)),
				RawData: []byte{1, 2}},
			want: `tensor "q" has data type UINT8, which simdnn cannot read`,
		},
		{
			name:  "unknown type number",
			proto: &onnxpb.TensorProto{Name: proto.String("q"), DataType: proto.Int32(99), RawData: []byte{1}},
			want:  `data type 99 (unknown)`,
		},
		{
			name:  "no data type",
			proto: &onnxpb.TensorProto{Name: proto.String("q"), Dims: []int64{1}, RawData: []byte{0, 0, 0, 0}},
			want:  `data type UNDEFINED`,
		},
		{
			name:  "raw_data and float_data",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1}, DataType: float, FloatData: []float32{1}, RawData: make([]byte, 4)},
			want:  `tensor "w" stores elements in both raw_data and float_data`,
		},
		{
			name:  "field of another type",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1}, DataType: float, Int64Data: []int64{1}},
			want:  `tensor "w" has data type FLOAT but stores elements in int64_data, which belongs to INT64`,
		},
		{
			name: "external data",
			proto: &onnxpb.TensorProto{Name: proto.String("fc.weight"), Dims: []int64{4}, DataType: float,
				DataLocation: onnxpb.TensorProto_EXTERNAL.Enum(),
				ExternalData: []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("weights.bin")}}},
			want: `tensor "fc.weight" stores its data in an external file (location "weights.bin"); external data is not supported`,
		},
		{
			name: "external data without data_location",
			proto: &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{4}, DataType: float,
				ExternalData: []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("w.bin")}}},
			want: `external data is not supported`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTensor(marshal(t, tt.proto))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadTensor error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReadTensorNotProtobuf(t *testing.T) {
	// 0x0a starts field 1 (dims) as length-delimited, and the length 0xff
	// runs past the end.
	_, err := ReadTensor([]byte{0x0a, 0xff, 0x01})
	if err == nil || !strings.Contains(err.Error(), "decoding tensor") {
		t.Errorf("ReadTensor error = %v, want a decoding error", err)
	}
}

func TestTensorName(t *testing.T) {
	name, err := TensorName(marshal(t, floatTensorProto("input.1", []int64{1}, []float32{0})))
	if err != nil {
		t.Fatal(err)
	}
	if name != "input.1" {
		t.Errorf("TensorName = %q, want %q", name, "input.1")
	}

	if _, err := TensorName([]byte{0xff}); err == nil {
		t.Error("TensorName of invalid bytes returned no error")
	}
}
