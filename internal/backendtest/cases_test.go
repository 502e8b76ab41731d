package backendtest

import (
	"path/filepath"
	"testing"
)

// casesDir holds regression cases of faults that shipped in other
// inference libraries, one folder per fault (testdata/cases/README.md
// describes each kind), with their own tolerance.json files.
const casesDir = "../../testdata/cases"

func TestRegressionCases(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(casesDir, "test_*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 11 {
		t.Fatalf("found %d case folders under %s, want at least 11", len(dirs), casesDir)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			result, err := RunDir(dir, 1e-3, 1e-7)
			if err != nil {
				t.Fatal(err)
			}
			if !result.Pass {
				t.Fatalf("max abs error %.3g, max rel error %.3g: %s", result.MaxAbsError, result.MaxRelError, result.Message)
			}
		})
	}
}
