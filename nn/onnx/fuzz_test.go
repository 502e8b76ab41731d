package onnx

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader, which must return a model
// or an error and never panic. The committed corpus in
// testdata/fuzz/FuzzLoad contains small real models, truncated copies of
// them, and models that use constant folding, BatchNormalization folding
// and the shape operators. The fold limit is lowered to 2^20 elements so
// that a mutated ConstantOfShape cannot make an iteration fill gigabytes.
func FuzzLoad(f *testing.F) {
	defer func(limit int) { foldLimit = limit }(foldLimit)
	foldLimit = 1 << 20

	for _, model := range []string{"node/test_relu", "node-pytorch/test_Linear", "node/test_basic_conv_with_padding"} {
		data, err := readModelForFuzz(model)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(data)
		if err == nil && m == nil {
			t.Fatal("Load returned neither a model nor an error")
		}
		g, graphErr := LoadGraph(data)
		if graphErr == nil && g == nil {
			t.Fatal("LoadGraph returned neither a graph nor an error")
		}
		if err == nil && graphErr != nil {
			t.Fatalf("Load succeeded but LoadGraph failed: %v", graphErr)
		}
	})
}

// FuzzReadTensor feeds arbitrary bytes to ReadTensor, whose tensors must be
// valid whenever it returns no error.
func FuzzReadTensor(f *testing.F) {
	f.Add(marshal(f, floatTensorProto("x", []int64{2, 2}, []float32{1, 2, 3, 4})))
	f.Add(marshal(f, int64TensorProto("shape", []int64{2}, []int64{3, -1})))

	f.Fuzz(func(t *testing.T, data []byte) {
		tensor, err := ReadTensor(data)
		if err != nil {
			return
		}
		if err := tensor.Validate(); err != nil {
			t.Fatalf("ReadTensor returned an invalid tensor: %v", err)
		}
	})
}

func readModelForFuzz(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(backendDir, name, "model.onnx"))
}
