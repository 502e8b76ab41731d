package backendtest

import (
	"path/filepath"
	"strings"
	"testing"
)

// nodeTestDir is the folder of ONNX backend node tests copied into the repository
// (see testdata/onnx/README.md).
const nodeTestDir = "../../testdata/onnx"

const (
	// unsupportedOutput is the importer's error for MaxPool's Indices and
	// Dropout's mask outputs, which simdnn does not compute.
	unsupportedOutput = "is not supported; simdnn computes only the first output"

	// only2D is the error of nn's Conv and MaxPool for 1-D and 3-D inputs,
	// since they take NCHW input only.
	only2D = "want rank 4"
)

// expectedErrors lists the folders that RunDir cannot compare, with a
// phrase of the error it must return. A folder that starts to pass must be
// removed from the list, so the list stays true.
var expectedErrors = map[string]string{
	"node/test_dropout_default_mask":                       unsupportedOutput,
	"node/test_dropout_default_mask_ratio":                 unsupportedOutput,
	"node/test_maxpool_with_argmax_2d_precomputed_pads":    unsupportedOutput,
	"node/test_maxpool_with_argmax_2d_precomputed_strides": unsupportedOutput,

	"node/test_maxpool_1d_default":                      only2D,
	"node/test_maxpool_3d_dilations":                    only2D,
	"node/test_maxpool_3d_dilations_use_ref_impl":       only2D,
	"node/test_maxpool_3d_dilations_use_ref_impl_large": only2D,
	"node-pytorch/test_Conv1d":                          only2D,
	"node-pytorch/test_Conv1d_dilated":                  only2D,
	"node-pytorch/test_Conv1d_groups":                   only2D,
	"node-pytorch/test_Conv1d_pad1":                     only2D,
	"node-pytorch/test_Conv1d_pad1size1":                only2D,
	"node-pytorch/test_Conv1d_pad2":                     only2D,
	"node-pytorch/test_Conv1d_pad2size1":                only2D,
	"node-pytorch/test_Conv1d_stride":                   only2D,
	"node-pytorch/test_Conv3d":                          only2D,
	"node-pytorch/test_Conv3d_dilated":                  only2D,
	"node-pytorch/test_Conv3d_dilated_strided":          only2D,
	"node-pytorch/test_Conv3d_groups":                   only2D,
	"node-pytorch/test_Conv3d_no_bias":                  only2D,
	"node-pytorch/test_Conv3d_stride":                   only2D,
	"node-pytorch/test_Conv3d_stride_padding":           only2D,
	"node-pytorch/test_MaxPool1d":                       only2D,
	"node-pytorch/test_MaxPool1d_stride":                only2D,
	"node-pytorch/test_MaxPool3d":                       only2D,
	"node-pytorch/test_MaxPool3d_stride":                only2D,
	"node-pytorch/test_MaxPool3d_stride_padding":        only2D,
	"node-pytorch/test_operator_maxpool":                only2D,
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
