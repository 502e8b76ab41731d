package backendtest

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/simdnn/simdnn/internal/onnxpb"
)

// writeFile writes data to dir/name, creating folders as needed.
func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func floatTensor(t *testing.T, name string, dims []int64, values ...float32) []byte {
	return marshal(t, &onnxpb.TensorProto{
		Name:      proto.String(name),
		Dims:      dims,
		DataType:  proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
		FloatData: values,
	})
}

func floatValue(name string, dims ...int64) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: shape},
	}}}
}

// identityFolder writes a test folder whose model is y = Identity(x) with
// x and y of shape [4], and returns its path. The model also lists an
// initializer "unused" as its first graph input, so input_0 must map past it.
func identityFolder(t *testing.T) string {
	dir := t.TempDir()
	model := &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(13)}},
		Graph: &onnxpb.GraphProto{
			Node: []*onnxpb.NodeProto{{OpType: proto.String("Identity"), Name: proto.String("id"), Input: []string{"x"}, Output: []string{"y"}}},
			Initializer: []*onnxpb.TensorProto{{Name: proto.String("unused"), Dims: []int64{1},
				DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: []float32{0}}},
			Input:  []*onnxpb.ValueInfoProto{floatValue("unused", 1), floatValue("x", 4)},
			Output: []*onnxpb.ValueInfoProto{floatValue("y", 4)},
		},
	}
	writeFile(t, dir, "model.onnx", marshal(t, model))
	return dir
}

// writeDataSet writes input x and expected output y as data set n.
func writeDataSet(t *testing.T, dir string, n int, x, y []float32) {
	set := filepath.Join(dir, "test_data_set_"+string(rune('0'+n)))
	writeFile(t, set, "input_0.pb", floatTensor(t, "x", []int64{int64(len(x))}, x...))
	writeFile(t, set, "output_0.pb", floatTensor(t, "y", []int64{int64(len(y))}, y...))
}

func TestRunDirSpecialValues(t *testing.T) {
	dir := identityFolder(t)
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	writeDataSet(t, dir, 0, []float32{1, nan, -inf, float32(math.Copysign(0, -1))}, []float32{1, nan, -inf, 0})

	r, err := RunDir(dir, 1e-3, 1e-7)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Pass || r.Message != "" {
		t.Errorf("result = %+v, want a pass", r)
	}
	if r.DataSets != 1 || r.RTol != 1e-3 || r.ATol != 1e-7 {
		t.Errorf("result = %+v, want 1 data set and the given tolerances", r)
	}
}

func TestRunDirMismatch(t *testing.T) {
	dir := identityFolder(t)
	writeDataSet(t, dir, 0, []float32{1, 2, 3, 4}, []float32{1, 2, 3, 4})
	writeDataSet(t, dir, 1, []float32{1, 2, 3, 4.5}, []float32{1, 2, 3, 4})

	r, err := RunDir(dir, 1e-3, 1e-7)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pass {
		t.Fatalf("result = %+v, want a failure", r)
	}
	want := `test_data_set_1, output 0 ("y"): element 3 (index [3]) is 4.5, want 4`
	if !strings.HasPrefix(r.Message, want) {
		t.Errorf("message = %q, want one starting with %q", r.Message, want)
	}
	if r.MaxAbsError != 0.5 || r.MaxRelError != 0.125 {
		t.Errorf("max errors = %v abs, %v rel, want 0.5 and 0.125", r.MaxAbsError, r.MaxRelError)
	}
	if r.DataSets != 2 {
		t.Errorf("data sets = %d, want 2", r.DataSets)
	}
}

func TestRunDirNaNRequired(t *testing.T) {
	dir := identityFolder(t)
	writeDataSet(t, dir, 0, []float32{1, 2, 3, 4}, []float32{1, float32(math.NaN()), 3, 4})

	r, err := RunDir(dir, 1e-3, 1e-7)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pass || !strings.Contains(r.Message, "element 1 (index [1]) is 2, want NaN") {
		t.Errorf("result = %+v, want a failure at element 1", r)
	}
	if !math.IsInf(r.MaxAbsError, 1) {
		t.Errorf("max absolute error = %v, want +Inf for a missing NaN", r.MaxAbsError)
	}
}

func TestRunDirShapeMismatch(t *testing.T) {
	dir := identityFolder(t)
	set := filepath.Join(dir, "test_data_set_0")
	writeFile(t, set, "input_0.pb", floatTensor(t, "x", []int64{4}, 1, 2, 3, 4))
	writeFile(t, set, "output_0.pb", floatTensor(t, "y", []int64{2, 2}, 1, 2, 3, 4))

	r, err := RunDir(dir, 1e-3, 1e-7)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pass || !strings.Contains(r.Message, "shape [4], want [2 2]") {
		t.Errorf("result = %+v, want a shape mismatch", r)
	}
}

func TestRunDirToleranceFile(t *testing.T) {
	dir := identityFolder(t)
	writeDataSet(t, dir, 0, []float32{1, 2, 3, 4.02}, []float32{1, 2, 3, 4})

	r, err := RunDir(dir, 1e-3, 1e-7)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pass {
		t.Fatal("passed at rtol 1e-3, want a failure before the tolerance file exists")
	}

	writeFile(t, dir, ToleranceFile, []byte(`{"rtol": 0.01}`))
	r, err = RunDir(dir, 1e-3, 1e-7)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Pass || r.RTol != 0.01 || r.ATol != 1e-7 {
		t.Errorf("result = %+v, want a pass at rtol 0.01 and the default atol", r)
	}
}

func TestRunDirErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"no data sets", func(t *testing.T, dir string) {}, "has no test_data_set_N folders"},
		{"missing input file", func(t *testing.T, dir string) {
			writeFile(t, dir, "test_data_set_0/output_0.pb", floatTensor(t, "y", []int64{4}, 1, 2, 3, 4))
		}, `has 0 input_K.pb files, want 1, one per graph input without initializer ["x"]`},
		{"gap in numbering", func(t *testing.T, dir string) {
			writeDataSet(t, dir, 0, []float32{1, 2, 3, 4}, []float32{1, 2, 3, 4})
			writeFile(t, dir, "test_data_set_0/output_2.pb", floatTensor(t, "z", []int64{1}, 1))
		}, "has no output_1.pb but has output_2.pb"},
		{"invalid tensor file", func(t *testing.T, dir string) {
			writeDataSet(t, dir, 0, []float32{1, 2, 3, 4}, []float32{1, 2, 3, 4})
			writeFile(t, dir, "test_data_set_0/input_0.pb", []byte{0x0a, 0xff})
		}, "input_0.pb: onnx: decoding tensor"},
		{"wrong input shape", func(t *testing.T, dir string) {
			writeDataSet(t, dir, 0, []float32{1, 2}, []float32{1, 2})
		}, "running the model"},
		{"bad tolerance file", func(t *testing.T, dir string) {
			writeFile(t, dir, ToleranceFile, []byte(`{"rtol": 0.01, "atl": 1}`))
		}, `unknown field "atl"`},
		{"negative tolerance", func(t *testing.T, dir string) {
			writeFile(t, dir, ToleranceFile, []byte(`{"atol": -1}`))
		}, "atol is -1, want a finite value ≥ 0"},
		{"two JSON objects", func(t *testing.T, dir string) {
			writeFile(t, dir, ToleranceFile, []byte(`{} {}`))
		}, "data after the JSON object"},
		{"missing model", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "model.onnx")); err != nil {
				t.Fatal(err)
			}
		}, "model.onnx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := identityFolder(t)
			tt.setup(t, dir)
			_, err := RunDir(dir, 1e-3, 1e-7)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("RunDir error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRunDirInvalidTolerance(t *testing.T) {
	if _, err := RunDir(identityFolder(t), math.NaN(), 0); err == nil {
		t.Error("RunDir with rtol NaN returned no error")
	}
}
