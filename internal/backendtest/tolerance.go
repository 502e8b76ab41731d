package backendtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// ToleranceFile is the name of the optional file in a test folder that
// overrides the tolerances, as a JSON object such as
// {"rtol": 1e-3, "atol": 1e-5}. Either key may be left out.
const ToleranceFile = "tolerance.json"

// readTolerance returns rtol and atol, replaced by the values that dir's
// tolerance file sets, if it has one.
func readTolerance(dir string, rtol, atol float64) (float64, float64, error) {
	path := filepath.Join(dir, ToleranceFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return rtol, atol, nil
	}
	if err != nil {
		return 0, 0, err
	}

	var file struct {
		RTol *float64 `json:"rtol"`
		ATol *float64 `json:"atol"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return 0, 0, fmt.Errorf("%s: %w; want a JSON object with keys \"rtol\" and \"atol\"", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, 0, fmt.Errorf("%s: data after the JSON object; want a single object", path)
	}

	if file.RTol != nil {
		rtol = *file.RTol
	}
	if file.ATol != nil {
		atol = *file.ATol
	}
	if err := checkTolerance(rtol, atol); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return rtol, atol, nil
}

func checkTolerance(rtol, atol float64) error {
	for _, t := range []struct {
		name  string
		value float64
	}{{"rtol", rtol}, {"atol", atol}} {
		if math.IsNaN(t.value) || math.IsInf(t.value, 0) || t.value < 0 {
			return fmt.Errorf("%s is %v, want a finite value ≥ 0", t.name, t.value)
		}
	}
	return nil
}
