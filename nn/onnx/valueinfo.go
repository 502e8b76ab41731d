package onnx

import (
	"fmt"
	"math"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

// declaredValue is a graph input or output as the file declares it.
type declaredValue struct {
	name     string
	elemType onnxpb.TensorProto_DataType // UNDEFINED when not declared
	shape    []int                       // nil when not declared
}

// readValueInfo reads a graph input or output, which role names in errors. A
// dimension given by name (dim_param) or not at all becomes -1.
func readValueInfo(vi *onnxpb.ValueInfoProto, role string) (declaredValue, error) {
	v := declaredValue{name: vi.GetName()}
	if v.name == "" {
		return v, fmt.Errorf("a %s has no name", role)
	}
	if vi.GetType() == nil {
		return v, nil
	}

	tensorType := vi.GetType().GetTensorType()
	if tensorType == nil {
		return v, fmt.Errorf("%s %q is not a dense tensor; sequence, map, optional and sparse tensor values are not supported", role, v.name)
	}
	v.elemType = onnxpb.TensorProto_DataType(tensorType.GetElemType())

	shape := tensorType.GetShape()
	if shape == nil {
		return v, nil
	}
	v.shape = make([]int, len(shape.GetDim()))
	for i, d := range shape.GetDim() {
		v.shape[i] = -1
		dim, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue)
		if !ok {
			continue
		}
		if dim.DimValue < 0 || int64(int(dim.DimValue)) != dim.DimValue {
			return v, fmt.Errorf("%s %q: dimension %d is %d, want a size between 0 and %d", role, v.name, i, dim.DimValue, math.MaxInt)
		}
		v.shape[i] = int(dim.DimValue)
	}
	return v, nil
}

// valueDType maps a declared element type to the nn element type.
func valueDType(role string, v declaredValue) (nn.DType, error) {
	switch v.elemType {
	case onnxpb.TensorProto_FLOAT:
		return nn.Float32, nil
	case onnxpb.TensorProto_INT64:
		return nn.Int64, nil
	case onnxpb.TensorProto_UNDEFINED:
		return 0, fmt.Errorf("%s %q declares no element type; want FLOAT or INT64", role, v.name)
	}
	return 0, fmt.Errorf("%s %q has element type %s; simdnn runs FLOAT and INT64 tensors only", role, v.name, dataTypeName(int32(v.elemType)))
}

// inputInfo converts a graph input that has no initializer. nn checks the
// tensors given to Run against its element type and rank, so both must be
// declared.
func inputInfo(v declaredValue) (nn.ValueInfo, error) {
	dtype, err := valueDType("graph input", v)
	if err != nil {
		return nn.ValueInfo{}, err
	}
	if v.shape == nil {
		return nn.ValueInfo{}, fmt.Errorf("graph input %q has no shape; simdnn needs at least its rank, so export the model with input shapes", v.name)
	}
	return nn.ValueInfo{Name: v.name, Shape: v.shape, DType: dtype}, nil
}

// defaultedInputInfo converts a graph input whose default value is the
// initializer init. The element type follows init, because DOUBLE and INT32
// initializers are converted when read, and a missing shape is taken from
// init.
func defaultedInputInfo(v declaredValue, init *nn.Tensor) (nn.ValueInfo, error) {
	info := nn.ValueInfo{Name: v.name, Shape: v.shape, DType: init.DType}
	if info.Shape == nil {
		info.Shape = append([]int{}, init.Shape...)
	}

	compatible := v.elemType == onnxpb.TensorProto_UNDEFINED
	switch init.DType {
	case nn.Float32:
		compatible = compatible || v.elemType == onnxpb.TensorProto_FLOAT || v.elemType == onnxpb.TensorProto_DOUBLE
	case nn.Int64:
		compatible = compatible || v.elemType == onnxpb.TensorProto_INT64 || v.elemType == onnxpb.TensorProto_INT32
	}
	if !compatible {
		return info, fmt.Errorf("graph input %q is declared %s, but its initializer is read as %v", v.name, dataTypeName(int32(v.elemType)), init.DType)
	}
	return info, nil
}

// outputInfo converts a graph output. An output without a declared element
// type is reported as float32 and one without a declared shape gets a nil
// Shape. nn does not check outputs against either.
func outputInfo(v declaredValue) (nn.ValueInfo, error) {
	info := nn.ValueInfo{Name: v.name, Shape: v.shape}
	if v.elemType == onnxpb.TensorProto_UNDEFINED {
		return info, nil
	}
	dtype, err := valueDType("graph output", v)
	if err != nil {
		return info, err
	}
	info.DType = dtype
	return info, nil
}
