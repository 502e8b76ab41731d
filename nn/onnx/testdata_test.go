package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdnn/simdnn/nn"
)

// backendDir is the folder of ONNX backend node tests copied into the
// repository.
const backendDir = "../../testdata/onnx"

// rejectedBackendModels are the copied models that the importer rejects on
// purpose, with a phrase its error must contain.
var rejectedBackendModels = map[string]string{
	"node/test_dropout_default_mask":       `output 1 (mask) "z" is not supported`,
	"node/test_dropout_default_mask_ratio": `output 1 (mask) "z" is not supported`,

	"node/test_batchnorm_epsilon_training_mode": `output 1 (mean) "output_mean" is not supported`,
	"node/test_batchnorm_example_training_mode": `output 1 (mean) "output_mean" is not supported`,
}

func backendModelDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(backendDir, "*", "test_*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatalf("no test folders under %s", backendDir)
	}
	return dirs
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLoadBackendModels(t *testing.T) {
	for _, dir := range backendModelDirs(t) {
		key, err := filepath.Rel(backendDir, dir)
		if err != nil {
			t.Fatal(err)
		}
		key = filepath.ToSlash(key)
		t.Run(key, func(t *testing.T) {
			data := readFile(t, filepath.Join(dir, "model.onnx"))
			g, err := LoadGraph(data)

			if phrase, rejected := rejectedBackendModels[key]; rejected {
				if err == nil || !strings.Contains(err.Error(), phrase) {
					t.Fatalf("LoadGraph error = %v, want one containing %q", err, phrase)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadGraph: %v", err)
			}
			if len(g.Nodes) != 1 {
				t.Errorf("graph has %d nodes, want 1", len(g.Nodes))
			}
			if _, err := nn.NewModel(*g); err != nil {
				t.Errorf("nn.NewModel: %v", err)
			}
		})
	}
}

func TestReadTensorBackendData(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(backendDir, "*", "test_*", "test_data_set_*", "*.pb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .pb files under %s", backendDir)
	}
	for _, path := range files {
		data := readFile(t, path)
		tensor, err := ReadTensor(data)

		// The Dropout mask outputs are BOOL, which ReadTensor rejects.
		if strings.Contains(path, "_mask") && strings.HasSuffix(path, "output_1.pb") {
			if err == nil || !strings.Contains(err.Error(), "data type BOOL") {
				t.Errorf("%s: ReadTensor error = %v, want one naming data type BOOL", path, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: ReadTensor: %v", path, err)
			continue
		}
		if err := tensor.Validate(); err != nil {
			t.Errorf("%s: tensor is invalid: %v", path, err)
		}
		if _, err := TensorName(data); err != nil {
			t.Errorf("%s: TensorName: %v", path, err)
		}
	}
}

// TestBackendInputShapes checks input shapes and dtypes from graph.input,
// on a model of IR version 3, which lists its initializers as inputs too.
// Those inputs are left out, because the initializers are constants.
func TestBackendInputShapes(t *testing.T) {
	g, err := LoadGraph(readFile(t, filepath.Join(backendDir, "node-pytorch/test_Linear/model.onnx")))
	if err != nil {
		t.Fatal(err)
	}
	want := []nn.ValueInfo{
		{Name: "0", Shape: []int{4, 10}},
	}
	if len(g.Inputs) != len(want) {
		t.Fatalf("inputs = %v, want %v", g.Inputs, want)
	}
	for i := range want {
		if g.Inputs[i].Name != want[i].Name || !equalInts(g.Inputs[i].Shape, want[i].Shape) || g.Inputs[i].DType != nn.Float32 {
			t.Errorf("input %d = %+v, want %+v", i, g.Inputs[i], want[i])
		}
	}
	for _, name := range []string{"1", "2"} {
		if g.Initializers[name] == nil {
			t.Errorf("initializer %q is missing", name)
		}
	}

	g, err = LoadGraph(readFile(t, filepath.Join(backendDir, "node/test_reshape_zero_dim/model.onnx")))
	if err != nil {
		t.Fatal(err)
	}
	if g.Inputs[1].DType != nn.Int64 {
		t.Errorf("Reshape shape input has dtype %v, want int64", g.Inputs[1].DType)
	}
}

// TestBackendDefaults checks the attribute defaults the importer fills.
func TestBackendDefaults(t *testing.T) {
	tests := []struct {
		model string
		want  nn.Layer
	}{
		{"node/test_gemm_default_no_bias", nn.Gemm{Alpha: 1, Beta: 1}},
		{"node/test_gemm_all_attributes", nn.Gemm{Alpha: 0.25, Beta: 0.35, TransA: true, TransB: true}},
		{"node/test_flatten_default_axis", nn.Flatten{Axis: 1}},
		{"node/test_flatten_negative_axis2", nn.Flatten{Axis: -2}},
		{"node/test_softmax_default_axis", nn.Softmax{Axis: -1}},
		{"node/test_softmax_axis_0", nn.Softmax{Axis: 0}},
		{"node-pytorch/test_Softmax", nn.Softmax{Axis: 1, Coerce2D: true}},
		{"node/test_reshape_allowzero_reordered", nn.Reshape{AllowZero: true}},
		{"node/test_dropout_default", nn.Identity{}},
		{"node/test_basic_conv_with_padding", nn.Conv{KernelShape: []int{3, 3}, Pads: []int{1, 1, 1, 1}, Group: 1}},
		{"node/test_conv_with_autopad_same", nn.Conv{KernelShape: []int{3, 3}, Strides: []int{2, 2}, Group: 1, AutoPad: "SAME_LOWER"}},
		{"node-pytorch/test_Conv2d_groups", nn.Conv{KernelShape: []int{3, 2}, Strides: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilations: []int{1, 1}, Group: 2}},
		{"node/test_maxpool_2d_ceil", nn.MaxPool{KernelShape: []int{3, 3}, Strides: []int{2, 2}, CeilMode: true}},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			g, err := LoadGraph(readFile(t, filepath.Join(backendDir, tt.model, "model.onnx")))
			if err != nil {
				t.Fatal(err)
			}
			got := withoutName(g.Nodes[0].Layer)
			if !layersEqual(got, tt.want) {
				t.Errorf("layer = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// withoutName clears the node name, which the defaults tests do not check.
func withoutName(l nn.Layer) nn.Layer {
	switch l := l.(type) {
	case nn.Gemm:
		l.NodeName = ""
		return l
	case nn.Flatten:
		l.NodeName = ""
		return l
	case nn.Softmax:
		l.NodeName = ""
		return l
	case nn.Reshape:
		l.NodeName = ""
		return l
	case nn.Identity:
		l.NodeName = ""
		return l
	case nn.Conv:
		l.NodeName = ""
		return l
	case nn.MaxPool:
		l.NodeName = ""
		return l
	}
	return l
}

func layersEqual(a, b nn.Layer) bool {
	switch a := a.(type) {
	case nn.Conv:
		b, ok := b.(nn.Conv)
		return ok && equalInts(a.KernelShape, b.KernelShape) && equalInts(a.Strides, b.Strides) &&
			equalInts(a.Pads, b.Pads) && equalInts(a.Dilations, b.Dilations) && a.Group == b.Group && a.AutoPad == b.AutoPad
	case nn.MaxPool:
		b, ok := b.(nn.MaxPool)
		return ok && equalInts(a.KernelShape, b.KernelShape) && equalInts(a.Strides, b.Strides) &&
			equalInts(a.Pads, b.Pads) && equalInts(a.Dilations, b.Dilations) && a.CeilMode == b.CeilMode &&
			a.AutoPad == b.AutoPad && a.StorageOrder == b.StorageOrder
	}
	return a == b
}

// equalInts compares slices and, unlike slices.Equal, distinguishes nil
// (attribute absent) from empty.
func equalInts(a, b []int) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
