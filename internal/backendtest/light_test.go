package backendtest

import (
	"os"
	"path/filepath"
	"testing"
)

// lightDir contains the ONNX backend tests' whole architectures with constant
// weights (see testdata/onnx/light/README.md).
const lightDir = "../../testdata/onnx/light"

// lightModels are the folders under lightDir that must pass.
var lightModels = []string{
	"bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50",
	"shufflenet", "squeezenet", "vgg19", "zfnet512",
}

// TestLightModels runs the nine architectures with the tolerances of the
// ONNX runner. They are skipped in short mode, because loading them
// unpacks about 1.2 GB of constant weights.
func TestLightModels(t *testing.T) {
	if testing.Short() {
		t.Skip("the light models unpack about 1.2 GB of weights; run without -short")
	}
	entries, err := os.ReadDir(lightDir)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		if e.IsDir() {
			found++
		}
	}
	if found != len(lightModels) {
		t.Errorf("%s has %d folders, want the %d listed in lightModels", lightDir, found, len(lightModels))
	}

	for _, name := range lightModels {
		t.Run(name, func(t *testing.T) {
			r, err := RunDir(filepath.Join(lightDir, name), 1e-3, 1e-7)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Pass {
				t.Errorf("%s (max abs error %.3g, max rel error %.3g)", r.Message, r.MaxAbsError, r.MaxRelError)
			}
		})
	}
}
