package backendtest

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// zooDir contains the models that models/zoo/export.py exports from PyTorch.
// The small one is committed. The torchvision models in its imagenet
// folder are too large to commit, so they are present only where the
// script has run.
const zooDir = "../../testdata/zoo"

// Zoo outputs are compared with rtol 1e-3 and atol 1e-4: the expected
// logits come from a float64 copy of each model, and float32 evaluation
// of a deep network differs from them by more than the node tests' 1e-7.
const zooRTol, zooATol = 1e-3, 1e-4

func TestZooSmallResNet(t *testing.T) {
	runZooModel(t, filepath.Join(zooDir, "resnet8_cifar"))
}

// TestZooImageNet runs the torchvision models when export.py has written
// them and skips each one that is missing.
func TestZooImageNet(t *testing.T) {
	for _, name := range []string{"resnet18", "mobilenet_v2", "squeezenet1_1"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(zooDir, "imagenet", name)
			if _, err := os.Stat(filepath.Join(dir, "model.onnx")); err != nil {
				t.Skipf("%s is missing; run /usr/bin/python3 models/zoo/export.py to create it", dir)
			}
			runZooModel(t, dir)
		})
	}
}

// runZooModel runs every data set of dir: a batch of 1 and a larger batch,
// which the models allow because their batch dimension is free.
func runZooModel(t *testing.T, dir string) {
	t.Helper()
	r, err := RunDir(dir, zooRTol, zooATol)
	if err != nil {
		t.Fatal(err)
	}
	if r.DataSets != 2 {
		t.Errorf("%s has %d data sets, want 2 (batch 1 and a larger batch)", dir, r.DataSets)
	}
	if !r.Pass {
		t.Errorf("%s (max abs error %.3g, max rel error %.3g)", r.Message, r.MaxAbsError, r.MaxRelError)
	}
}

// TestZooConcurrentRuns serves the small ResNet from several goroutines,
// with both batch sizes of its data sets, and checks that every output
// equals the serial run's bit for bit.
func TestZooConcurrentRuns(t *testing.T) {
	dir := filepath.Join(zooDir, "resnet8_cifar")
	model, err := onnx.LoadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	var inputs, serial []*nn.Tensor
	for _, set := range []string{"test_data_set_0", "test_data_set_1"} {
		data, err := os.ReadFile(filepath.Join(dir, set, "input_0.pb"))
		if err != nil {
			t.Fatal(err)
		}
		x, err := onnx.ReadTensor(data)
		if err != nil {
			t.Fatal(err)
		}
		y, err := model.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		inputs, serial = append(inputs, x), append(serial, y)
	}

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for g := range errs {
		wg.Go(func() {
			for run := range 10 {
				k := (g + run) % len(inputs)
				y, err := model.Predict(inputs[k])
				if err != nil {
					errs[g] = err
					return
				}
				if !slices.EqualFunc(y.Data, serial[k].Data, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
					errs[g] = fmt.Errorf("run %d on input %d differs from the serial run", run, k)
					return
				}
			}
		})
	}
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", g, err)
		}
	}
}
