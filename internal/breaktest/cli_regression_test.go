package breaktest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/simdnn/simdnn/internal/onnxpb"
)

// TestCLICrashes runs command lines that used to end in a Go panic or
// fatal error trace. Each must now exit with a message, with any status:
//
//   - classify -batch 1000000000000 (make([]float32, batch*784));
//   - bench -runs 100000000000000 (make([]time.Duration, runs));
//   - bench -batch 1000000000 and -shape 100000,100000,1,1 (nn.New of
//     7.8e11 and 1e10 elements);
//   - bench on a model whose first input is a scalar (Shape[0]) and on a
//     model without graph inputs (model.Inputs()[0]);
//   - onnx-test on a folder whose Conv has strides and pads of 2^31-1;
//   - classify on a 72-byte PNG whose header says 65535×65535 RGBA, which
//     image.Decode allocates before it reads the data;
//   - classify -model M.onnx IMAGE where M declares an input of
//     [1, 1, 100000, 100000] (40 GB in imageToCHW).
//
// The command runs under a 4 GiB address-space limit (prlimit --as), so
// that huge allocations fail at once. Without the limit the 16 GiB PNG
// reservation succeeds on a machine that overcommits memory, and decoding
// then fails cleanly. A fully populated bomb of about 17 MB would touch
// all 16 GiB, though.
func TestCLICrashes(t *testing.T) {
	dir := t.TempDir()

	scalar := filepath.Join(dir, "scalar.onnx")
	writeFile(t, scalar, marshal(t, model(13, &onnxGraph{
		Node:   []*onnxNode{node("Relu", "relu", []string{"x"}, []string{"y"})},
		Input:  []*onnxValueInfo{floatValueInfo("x")},
		Output: []*onnxValueInfo{floatValueInfo("y")},
	})))
	noInputs := filepath.Join(dir, "noinputs.onnx")
	writeFile(t, noInputs, marshal(t, model(13, &onnxGraph{
		Node:        []*onnxNode{node("Relu", "relu", []string{"c"}, []string{"y"})},
		Initializer: []*onnxTensor{floats("c", []int64{2}, []float32{-1, 1})},
		Output:      []*onnxValueInfo{floatValueInfo("y", 2)},
	})))

	conv := filepath.Join(dir, "conv")
	backendFolder(t, conv, model(13, &onnxGraph{
		Node: []*onnxNode{node("Conv", "conv", []string{"x", "w"}, []string{"y"},
			attrInts("strides", maxAttr, maxAttr), attrInts("pads", maxAttr, maxAttr, maxAttr, maxAttr))},
		Initializer: []*onnxTensor{floats("w", []int64{1, 4, 1, 1}, []float32{1, 1, 1, 1})},
		Input:       []*onnxValueInfo{floatValueInfo("x", 1, 4, 1, 1)},
		Output:      []*onnxValueInfo{floatValueInfo("y", 1, 1, 3, 3)},
	}), []*onnxTensor{floats("x", []int64{1, 4, 1, 1}, []float32{1, 2, 3, 4})},
		[]*onnxTensor{floats("y", []int64{1, 1, 3, 3}, []float32{0, 0, 0, 0, 10, 0, 0, 0, 0})})

	bomb := writeFile(t, filepath.Join(dir, "bomb.png"), pngWithSize(65535, 65535))
	smallPNG := writeFile(t, filepath.Join(dir, "small.png"), pngWithSize(4, 1))
	bigInput := filepath.Join(dir, "biginput.onnx")
	writeFile(t, bigInput, marshal(t, model(13, &onnxGraph{
		Node:   []*onnxNode{node("Relu", "relu", []string{"x"}, []string{"y"})},
		Input:  []*onnxValueInfo{floatValueInfo("x", 1, 1, 100000, 100000)},
		Output: []*onnxValueInfo{floatValueInfo("y", 1, 1, 100000, 100000)},
	})))

	checkCLINoCrash(t, []cliCase{
		{"classify huge batch", []string{"classify", "-batch", "1000000000000"}},
		{"bench huge runs", []string{"bench", "-runs", "100000000000000", "-warmup", "0", "-peak=false"}},
		{"bench huge batch", []string{"bench", "-batch", "1000000000", "-warmup", "0", "-runs", "1", "-peak=false"}},
		{"bench huge shape", []string{"bench", "-shape", "100000,100000,1,1", "-warmup", "0", "-runs", "1", "-peak=false"}},
		{"bench scalar input", []string{"bench", "-warmup", "0", "-runs", "1", "-peak=false", scalar}},
		{"bench no inputs", []string{"bench", "-warmup", "0", "-runs", "1", "-peak=false", noInputs}},
		{"onnx-test huge conv strides", []string{"onnx-test", conv}},
		{"classify decompression bomb", []string{"classify", bomb}},
		{"classify model with huge input", []string{"classify", "-model", bigInput, smallPNG}},
	})
}

// TestCLIOnnxTestInt64Tolerance checks that onnx-test compares int64
// outputs exactly. It used to compare them through float64 with the float
// tolerances, so a Shape output of [1000] passed against an expected
// [1001] at the default rtol 1e-3.
func TestCLIOnnxTestInt64Tolerance(t *testing.T) {
	dir := t.TempDir()
	m := model(15, &onnxGraph{
		Node:   []*onnxNode{node("Shape", "shape", []string{"x"}, []string{"y"})},
		Input:  []*onnxValueInfo{floatValueInfo("x", 1000)},
		Output: []*onnxValueInfo{value("y", onnxpb.TensorProto_INT64, 1)},
	})
	folder := backendFolder(t, filepath.Join(dir, "shape"), m,
		[]*onnxTensor{floats("x", []int64{1000}, make([]float32, 1000))},
		[]*onnxTensor{int64s("y", []int64{1}, []int64{1001})})
	r := runCLI(t, time.Minute, "onnx-test", folder)
	if r.code == 0 {
		t.Errorf("onnx-test passes a Shape output of [1000] against an expected [1001]:\n%s", r.output)
	}
}
