package backendtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/simdnn/simdnn/kernels"
	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// BenchmarkZooPredictInto measures one steady-state inference of each zoo
// model that is present, at batch 1, with the allocations per inference.
// The threads=1 runs show the allocations without the kernels' worker
// pool.
func BenchmarkZooPredictInto(b *testing.B) {
	dirs := []string{filepath.Join(zooDir, "resnet8_cifar")}
	for _, name := range []string{"resnet18", "mobilenet_v2", "squeezenet1_1"} {
		dirs = append(dirs, filepath.Join(zooDir, "imagenet", name))
	}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "model.onnx")); err != nil {
			continue
		}
		model, err := onnx.LoadFile(filepath.Join(dir, "model.onnx"))
		if err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
		if err != nil {
			b.Fatal(err)
		}
		x, err := onnx.ReadTensor(data)
		if err != nil {
			b.Fatal(err)
		}
		want, err := model.Predict(x)
		if err != nil {
			b.Fatal(err)
		}
		y, err := nn.New(want.Shape...)
		if err != nil {
			b.Fatal(err)
		}

		for _, threads := range []int{0, 1} {
			b.Run(filepath.Base(dir)+"/threads="+map[int]string{0: "default", 1: "1"}[threads], func(b *testing.B) {
				kernels.SetThreads(threads)
				defer kernels.SetThreads(0)
				b.ReportAllocs()
				for b.Loop() {
					if err := model.PredictInto(y, x); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
