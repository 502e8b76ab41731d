package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

// ReadTensor decodes a serialized TensorProto, such as the input_N.pb and
// output_N.pb files of the ONNX backend tests. FLOAT and INT64 tensors are
// read as they are, DOUBLE is rounded to float32 and INT32 is widened to
// int64. Any other data type is an error that names it.
func ReadTensor(data []byte) (*nn.Tensor, error) {
	tp, err := unmarshalTensor(data)
	if err != nil {
		return nil, err
	}
	t, err := tensorFromProto(tp)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return t, nil
}

// TensorName returns the name stored in a serialized TensorProto. The
// backend tests store there the name of the graph value the tensor feeds or
// checks, and some tensors have no name.
func TensorName(data []byte) (string, error) {
	tp, err := unmarshalTensor(data)
	if err != nil {
		return "", err
	}
	return tp.GetName(), nil
}

func unmarshalTensor(data []byte) (*onnxpb.TensorProto, error) {
	tp := new(onnxpb.TensorProto)
	if err := proto.Unmarshal(data, tp); err != nil {
		return nil, fmt.Errorf("onnx: decoding tensor: %w (want a serialized onnx.TensorProto)", err)
	}
	return tp, nil
}

// tensorFromProto converts tp to an nn.Tensor after checking that its
// element count matches its dims. The check happens before anything is
// allocated, so hostile dims cannot make it allocate more than the data
// the message actually contains.
func tensorFromProto(tp *onnxpb.TensorProto) (*nn.Tensor, error) {
	name := tp.GetName()
	if err := checkInlineData(tp); err != nil {
		return nil, err
	}

	shape, err := tensorShape(tp)
	if err != nil {
		return nil, err
	}
	n, err := nn.NumElements(shape)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}

	dataType := onnxpb.TensorProto_DataType(tp.GetDataType())
	if err := checkDataFields(tp, dataType); err != nil {
		return nil, err
	}

	switch dataType {
	case onnxpb.TensorProto_FLOAT:
		values, err := decodeFloat32(tp, n)
		if err != nil {
			return nil, err
		}
		return nn.FromSlice(values, shape...)
	case onnxpb.TensorProto_DOUBLE:
		values, err := decodeFloat64(tp, n)
		if err != nil {
			return nil, err
		}
		return nn.FromSlice(values, shape...)
	case onnxpb.TensorProto_INT64:
		values, err := decodeInt64(tp, n)
		if err != nil {
			return nil, err
		}
		return nn.FromInt64(values, shape...)
	case onnxpb.TensorProto_INT32:
		values, err := decodeInt32(tp, n)
		if err != nil {
			return nil, err
		}
		return nn.FromInt64(values, shape...)
	}
	return nil, fmt.Errorf("tensor %q has data type %s, which simdnn cannot read; supported: FLOAT, DOUBLE (rounded to float32), INT32 (widened to int64), INT64", name, dataTypeName(tp.GetDataType()))
}

// checkInlineData rejects tensors whose elements live in another file.
func checkInlineData(tp *onnxpb.TensorProto) error {
	if tp.GetDataLocation() != onnxpb.TensorProto_EXTERNAL && len(tp.GetExternalData()) == 0 {
		return nil
	}
	location := ""
	for _, entry := range tp.GetExternalData() {
		if entry.GetKey() == "location" {
			location = entry.GetValue()
		}
	}
	return fmt.Errorf("tensor %q stores its data in an external file (location %q); external data is not supported, so save the model with its tensors inside the .onnx file", tp.GetName(), location)
}

// tensorShape converts dims to ints, rejecting negative dimensions and ones
// that do not fit in int.
func tensorShape(tp *onnxpb.TensorProto) ([]int, error) {
	dims := tp.GetDims()
	shape := make([]int, len(dims))
	for i, d := range dims {
		if d < 0 || int64(int(d)) != d {
			return nil, fmt.Errorf("tensor %q: dimension %d of dims %v is %d, want a size between 0 and %d", tp.GetName(), i, dims, d, math.MaxInt)
		}
		shape[i] = int(d)
	}
	return shape, nil
}

// checkDataFields rejects a tensor that fills a typed data field its data
// type does not use, or fills both raw_data and a typed field. Either mistake
// would otherwise leave the elements to whichever field is read first.
func checkDataFields(tp *onnxpb.TensorProto, dataType onnxpb.TensorProto_DataType) error {
	fields := []struct {
		name   string
		filled bool
		owner  onnxpb.TensorProto_DataType
	}{
		{"float_data", len(tp.GetFloatData()) > 0, onnxpb.TensorProto_FLOAT},
		{"double_data", len(tp.GetDoubleData()) > 0, onnxpb.TensorProto_DOUBLE},
		{"int64_data", len(tp.GetInt64Data()) > 0, onnxpb.TensorProto_INT64},
		{"int32_data", len(tp.GetInt32Data()) > 0, onnxpb.TensorProto_INT32},
	}
	for _, f := range fields {
		if !f.filled {
			continue
		}
		if f.owner != dataType && !(f.name == "int32_data" && usesInt32Data(dataType)) {
			return fmt.Errorf("tensor %q has data type %s but stores elements in %s, which belongs to %s", tp.GetName(), dataTypeName(int32(dataType)), f.name, f.owner)
		}
		if len(tp.GetRawData()) > 0 {
			return fmt.Errorf("tensor %q stores elements in both raw_data and %s; want exactly one of them", tp.GetName(), f.name)
		}
	}
	return nil
}

// usesInt32Data reports whether ONNX stores elements of type t in
// int32_data. The narrow integer types, BOOL and FLOAT16 share it.
func usesInt32Data(t onnxpb.TensorProto_DataType) bool {
	switch t {
	case onnxpb.TensorProto_INT32, onnxpb.TensorProto_INT16, onnxpb.TensorProto_INT8,
		onnxpb.TensorProto_UINT16, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_BOOL,
		onnxpb.TensorProto_FLOAT16:
		return true
	}
	return false
}

// rawData returns raw_data after checking that it contains n elements of
// width bytes. typedField names the field that could have held the
// elements instead, for the message when both are empty. n is at most
// math.MaxInt64/16, so n*width cannot overflow.
func rawData(tp *onnxpb.TensorProto, n, width int, typedField string) ([]byte, error) {
	raw := tp.GetRawData()
	if len(raw) == 0 && n > 0 {
		return nil, fmt.Errorf("tensor %q has no elements (raw_data and %s are empty), want %d for dims %v", tp.GetName(), typedField, n, tp.GetDims())
	}
	if len(raw) != n*width {
		return nil, fmt.Errorf("tensor %q: raw_data has %d bytes, want %d (%d elements of %d bytes for dims %v)", tp.GetName(), len(raw), n*width, n, width, tp.GetDims())
	}
	return raw, nil
}

// checkTypedCount checks that a typed data field contains n elements.
func checkTypedCount(tp *onnxpb.TensorProto, field string, got, n int) error {
	if got != n {
		return fmt.Errorf("tensor %q: %s has %d elements, want %d for dims %v", tp.GetName(), field, got, n, tp.GetDims())
	}
	return nil
}

func decodeFloat32(tp *onnxpb.TensorProto, n int) ([]float32, error) {
	if typed := tp.GetFloatData(); len(typed) > 0 {
		if err := checkTypedCount(tp, "float_data", len(typed), n); err != nil {
			return nil, err
		}
		// The message is discarded after decoding, so the tensor can keep
		// the decoded slice without a copy.
		return typed, nil
	}

	raw, err := rawData(tp, n, 4, "float_data")
	if err != nil {
		return nil, err
	}
	values := make([]float32, n)
	for i := range values {
		values[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return values, nil
}

func decodeFloat64(tp *onnxpb.TensorProto, n int) ([]float32, error) {
	if typed := tp.GetDoubleData(); len(typed) > 0 {
		if err := checkTypedCount(tp, "double_data", len(typed), n); err != nil {
			return nil, err
		}
		values := make([]float32, n)
		for i, v := range typed {
			values[i] = float32(v)
		}
		return values, nil
	}

	raw, err := rawData(tp, n, 8, "double_data")
	if err != nil {
		return nil, err
	}
	values := make([]float32, n)
	for i := range values {
		values[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
	}
	return values, nil
}

func decodeInt64(tp *onnxpb.TensorProto, n int) ([]int64, error) {
	if typed := tp.GetInt64Data(); len(typed) > 0 {
		if err := checkTypedCount(tp, "int64_data", len(typed), n); err != nil {
			return nil, err
		}
		return typed, nil
	}

	raw, err := rawData(tp, n, 8, "int64_data")
	if err != nil {
		return nil, err
	}
	values := make([]int64, n)
	for i := range values {
		values[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return values, nil
}

func decodeInt32(tp *onnxpb.TensorProto, n int) ([]int64, error) {
	if typed := tp.GetInt32Data(); len(typed) > 0 {
		if err := checkTypedCount(tp, "int32_data", len(typed), n); err != nil {
			return nil, err
		}
		values := make([]int64, n)
		for i, v := range typed {
			values[i] = int64(v)
		}
		return values, nil
	}

	raw, err := rawData(tp, n, 4, "int32_data")
	if err != nil {
		return nil, err
	}
	values := make([]int64, n)
	for i := range values {
		values[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
	}
	return values, nil
}

// dataTypeName returns the TensorProto.DataType name of t, or its number
// marked unknown for a value this schema does not list.
func dataTypeName(t int32) string {
	if name, ok := onnxpb.TensorProto_DataType_name[t]; ok {
		return name
	}
	return fmt.Sprintf("%d (unknown)", t)
}
