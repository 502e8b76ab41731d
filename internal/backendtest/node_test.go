package backendtest

import (
	"path/filepath"
	"strings"
	"testing"
)

// nodeTestDir is the folder of ONNX backend node tests copied into the repository
// (see testdata/onnx/README.md).
const nodeTestDir = "../../testdata/onnx"

// unsupportedOutput is the importer's error for Dropout's mask output,
// which simdnn does not compute.
const unsupportedOutput = `output 1 (mask) "z" is not supported; remove "z"`

// trainingOutput is the importer's error for the running statistics that
// BatchNormalization outputs in training mode, which simdnn does not run.
const trainingOutput = `output 1 (mean) "output_mean" is not supported`

// expectedErrors lists the folders that RunDir cannot compare, with a
// phrase of the error it must return. A folder that starts to pass must be
// removed from the list, so the list stays true.
var expectedErrors = map[string]string{
	"node/test_dropout_default_mask":       unsupportedOutput,
	"node/test_dropout_default_mask_ratio": unsupportedOutput,

	"node/test_batchnorm_epsilon_training_mode": trainingOutput,
	"node/test_batchnorm_example_training_mode": trainingOutput,
}

// TestNodeTests runs every copied backend node test with the ONNX runner's
// default tolerances.
func TestNodeTests(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(nodeTestDir, "*", "test_*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatalf("no test folders under %s", nodeTestDir)
	}

	seen := make(map[string]bool)
	for _, dir := range dirs {
		key, err := filepath.Rel(nodeTestDir, dir)
		if err != nil {
			t.Fatal(err)
		}
		key = filepath.ToSlash(key)
		seen[key] = true

		t.Run(key, func(t *testing.T) {
			r, err := RunDir(dir, 1e-3, 1e-7)

			if phrase, ok := expectedErrors[key]; ok {
				if err == nil {
					t.Fatalf("RunDir returned no error (pass=%v); remove %s from expectedErrors", r.Pass, key)
				}
				if !strings.Contains(err.Error(), phrase) {
					t.Fatalf("RunDir error = %v, want one containing %q", err, phrase)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !r.Pass {
				t.Errorf("%s (max abs error %.3g, max rel error %.3g)", r.Message, r.MaxAbsError, r.MaxRelError)
			}
		})
	}

	for key := range expectedErrors {
		if !seen[key] {
			t.Errorf("expectedErrors lists %s, which is not under %s", key, nodeTestDir)
		}
	}
}
