package mnist_test

import (
	"bytes"
	"compress/gzip"
	"math"
	"testing"

	"github.com/simdnn/simdnn/kernels"
	"github.com/simdnn/simdnn/models/mnist"
	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// batchInput returns images [first, first+n) as an [n, 1, rows, cols] tensor.
func batchInput(t *testing.T, images *mnist.Images, first, n int) *nn.Tensor {
	t.Helper()
	pixels := images.Rows * images.Cols
	data := make([]float32, n*pixels)
	for i := 0; i < n; i++ {
		images.Normalize(data[i*pixels:(i+1)*pixels], first+i)
	}
	x, err := nn.FromSlice(data, n, 1, images.Rows, images.Cols)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func loadModel(t *testing.T) *nn.Model {
	t.Helper()
	model, err := onnx.Load(mnist.ModelONNX())
	if err != nil {
		t.Fatalf("loading the embedded model: %v", err)
	}
	return model
}

func TestLogitsMatchPyTorch(t *testing.T) {
	model := loadModel(t)
	images, _, err := mnist.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	want := mnist.TorchLogits()
	n := len(want) / mnist.Classes
	if n < 1000 {
		t.Fatalf("PyTorch logits cover %d images, want at least 1000", n)
	}

	got, err := model.Predict(batchInput(t, images, 0, n))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != len(want) {
		t.Fatalf("output shape %v, want [%d %d]", got.Shape, n, mnist.Classes)
	}
	var worst float64
	for i, w := range want {
		diff := math.Abs(float64(got.Data[i]) - float64(w))
		worst = max(worst, diff)
		if diff > 1e-4 {
			t.Fatalf("image %d class %d: logit %v, PyTorch %v (difference %.3g > 1e-4)", i/mnist.Classes, i%mnist.Classes, got.Data[i], w, diff)
		}
	}
	t.Logf("largest difference from PyTorch over %d logits: %.3g", len(want), worst)
}

func TestAccuracyOnTestSet(t *testing.T) {
	model := loadModel(t)
	images, labels, err := mnist.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	if images.Count != 10000 || images.Rows != 28 || images.Cols != 28 {
		t.Fatalf("test set has %d images of %dx%d, want 10000 of 28x28", images.Count, images.Rows, images.Cols)
	}

	const batch = 500
	correct := 0
	for first := 0; first < images.Count; first += batch {
		out, err := model.Predict(batchInput(t, images, first, batch))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < batch; i++ {
			row := out.Data[i*mnist.Classes : (i+1)*mnist.Classes]
			best := 0
			for c, v := range row {
				if v > row[best] {
					best = c
				}
			}
			if best == int(labels[first+i]) {
				correct++
			}
		}
	}
	accuracy := float64(correct) / float64(images.Count)
	t.Logf("accuracy %.2f %% (%d/%d)", 100*accuracy, correct, images.Count)
	if accuracy < 0.985 {
		t.Fatalf("accuracy %.2f %%, want at least 98.5 %%", 100*accuracy)
	}
}

func TestReadImagesRejectsCorruptFiles(t *testing.T) {
	header := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2}
	cases := map[string][]byte{
		"empty":          {},
		"short header":   header[:10],
		"wrong magic":    append([]byte{0, 0, 8, 1}, header[4:]...),
		"truncated data": append(append([]byte(nil), header...), 1, 2, 3),
		"huge count":     {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28},
		"truncated gzip": gzipped(t, header)[:12],
	}
	for name, data := range cases {
		if _, err := mnist.ReadImages(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: ReadImages returned no error", name)
		}
	}

	good := append(append([]byte(nil), header...), make([]byte, 8)...)
	for name, data := range map[string][]byte{"plain": good, "gzip": gzipped(t, good)} {
		images, err := mnist.ReadImages(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if images.Count != 2 || images.Rows != 2 || images.Cols != 2 {
			t.Errorf("%s: got %d images of %dx%d, want 2 of 2x2", name, images.Count, images.Rows, images.Cols)
		}
	}
}

func TestReadLabelsRejectsCorruptFiles(t *testing.T) {
	cases := map[string][]byte{
		"empty":          {},
		"wrong magic":    {0, 0, 8, 3, 0, 0, 0, 1, 5},
		"truncated data": {0, 0, 8, 1, 0, 0, 0, 3, 5},
		"huge count":     {0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff},
	}
	for name, data := range cases {
		if _, err := mnist.ReadLabels(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: ReadLabels returned no error", name)
		}
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPredictIntoAllocatesNothing checks the steady state of inference on
// the real model: once the plan and the buffer pools are warm, a batch
// runs without a heap allocation, with one thread and with the default.
func TestPredictIntoAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	model := loadModel(t)
	images, _, err := mnist.TestSet()
	if err != nil {
		t.Fatal(err)
	}
	x := batchInput(t, images, 0, 8)
	y, err := nn.New(8, mnist.Classes)
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{1, 0} {
		kernels.SetThreads(threads)
		for range 3 {
			if err := model.PredictInto(y, x); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(20, func() {
			if err := model.PredictInto(y, x); err != nil {
				t.Fatal(err)
			}
		})
		if threads == 1 && allocs != 0 {
			t.Errorf("PredictInto with 1 thread allocates %v times per call, want 0", allocs)
		}
		t.Logf("threads=%d: %v allocations per call", threads, allocs)
	}
	kernels.SetThreads(0)
}
