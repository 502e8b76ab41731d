package onnxpb

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// TestFieldNumbers pins the field numbers and kinds to those of the ONNX
// schema (onnx/onnx.proto, IR version 8), so an edit to onnx.proto that
// breaks compatibility with real files fails here.
func TestFieldNumbers(t *testing.T) {
	type field struct {
		name   string
		number protoreflect.FieldNumber
		kind   protoreflect.Kind
	}
	tests := []struct {
		message protoreflect.Message
		fields  []field
	}{
		{(&ModelProto{}).ProtoReflect(), []field{
			{"ir_version", 1, protoreflect.Int64Kind},
			{"opset_import", 8, protoreflect.MessageKind},
			{"producer_name", 2, protoreflect.StringKind},
			{"producer_version", 3, protoreflect.StringKind},
			{"graph", 7, protoreflect.MessageKind},
		}},
		{(&OperatorSetIdProto{}).ProtoReflect(), []field{
			{"domain", 1, protoreflect.StringKind},
			{"version", 2, protoreflect.Int64Kind},
		}},
		{(&GraphProto{}).ProtoReflect(), []field{
			{"node", 1, protoreflect.MessageKind},
			{"name", 2, protoreflect.StringKind},
			{"initializer", 5, protoreflect.MessageKind},
			{"sparse_initializer", 15, protoreflect.BytesKind},
			{"input", 11, protoreflect.MessageKind},
			{"output", 12, protoreflect.MessageKind},
			{"value_info", 13, protoreflect.MessageKind},
		}},
		{(&NodeProto{}).ProtoReflect(), []field{
			{"input", 1, protoreflect.StringKind},
			{"output", 2, protoreflect.StringKind},
			{"name", 3, protoreflect.StringKind},
			{"op_type", 4, protoreflect.StringKind},
			{"domain", 7, protoreflect.StringKind},
			{"attribute", 5, protoreflect.MessageKind},
		}},
		{(&AttributeProto{}).ProtoReflect(), []field{
			{"name", 1, protoreflect.StringKind},
			{"type", 20, protoreflect.EnumKind},
			{"f", 2, protoreflect.FloatKind},
			{"i", 3, protoreflect.Int64Kind},
			{"s", 4, protoreflect.BytesKind},
			{"t", 5, protoreflect.MessageKind},
			{"floats", 7, protoreflect.FloatKind},
			{"ints", 8, protoreflect.Int64Kind},
			{"strings", 9, protoreflect.BytesKind},
		}},
		{(&ValueInfoProto{}).ProtoReflect(), []field{
			{"name", 1, protoreflect.StringKind},
			{"type", 2, protoreflect.MessageKind},
		}},
		{(&TypeProto{}).ProtoReflect(), []field{
			{"tensor_type", 1, protoreflect.MessageKind},
		}},
		{(&TypeProto_Tensor{}).ProtoReflect(), []field{
			{"elem_type", 1, protoreflect.Int32Kind},
			{"shape", 2, protoreflect.MessageKind},
		}},
		{(&TensorShapeProto{}).ProtoReflect(), []field{
			{"dim", 1, protoreflect.MessageKind},
		}},
		{(&TensorShapeProto_Dimension{}).ProtoReflect(), []field{
			{"dim_value", 1, protoreflect.Int64Kind},
			{"dim_param", 2, protoreflect.StringKind},
		}},
		{(&TensorProto{}).ProtoReflect(), []field{
			{"dims", 1, protoreflect.Int64Kind},
			{"data_type", 2, protoreflect.Int32Kind},
			{"float_data", 4, protoreflect.FloatKind},
			{"int32_data", 5, protoreflect.Int32Kind},
			{"int64_data", 7, protoreflect.Int64Kind},
			{"name", 8, protoreflect.StringKind},
			{"raw_data", 9, protoreflect.BytesKind},
			{"double_data", 10, protoreflect.DoubleKind},
			{"external_data", 13, protoreflect.MessageKind},
			{"data_location", 14, protoreflect.EnumKind},
		}},
		{(&StringStringEntryProto{}).ProtoReflect(), []field{
			{"key", 1, protoreflect.StringKind},
			{"value", 2, protoreflect.StringKind},
		}},
	}
	for _, tt := range tests {
		d := tt.message.Descriptor()
		if d.Fields().Len() != len(tt.fields) {
			t.Errorf("%s has %d fields, want %d", d.FullName(), d.Fields().Len(), len(tt.fields))
		}
		for _, want := range tt.fields {
			f := d.Fields().ByName(protoreflect.Name(want.name))
			if f == nil {
				t.Errorf("%s has no field %s", d.FullName(), want.name)
				continue
			}
			if f.Number() != want.number || f.Kind() != want.kind {
				t.Errorf("%s.%s is field %d of kind %v, want %d of kind %v", d.FullName(), want.name, f.Number(), f.Kind(), want.number, want.kind)
			}
		}
	}
}

// TestEnumValues pins the enum numbers that the importer relies on.
func TestEnumValues(t *testing.T) {
	dataTypes := map[TensorProto_DataType]int32{
		TensorProto_UNDEFINED: 0, TensorProto_FLOAT: 1, TensorProto_UINT8: 2, TensorProto_INT8: 3,
		TensorProto_INT32: 6, TensorProto_INT64: 7, TensorProto_BOOL: 9, TensorProto_FLOAT16: 10,
		TensorProto_DOUBLE: 11, TensorProto_BFLOAT16: 16,
	}
	for v, want := range dataTypes {
		if int32(v) != want {
			t.Errorf("TensorProto.%v = %d, want %d", v, int32(v), want)
		}
	}
	attributeTypes := map[AttributeProto_AttributeType]int32{
		AttributeProto_FLOAT: 1, AttributeProto_INT: 2, AttributeProto_STRING: 3, AttributeProto_TENSOR: 4,
		AttributeProto_GRAPH: 5, AttributeProto_FLOATS: 6, AttributeProto_INTS: 7, AttributeProto_STRINGS: 8,
		AttributeProto_SPARSE_TENSOR: 11, AttributeProto_TYPE_PROTOS: 14,
	}
	for v, want := range attributeTypes {
		if int32(v) != want {
			t.Errorf("AttributeProto.%v = %d, want %d", v, int32(v), want)
		}
	}
	if TensorProto_EXTERNAL != 1 {
		t.Errorf("TensorProto.EXTERNAL = %d, want 1", TensorProto_EXTERNAL)
	}
}
