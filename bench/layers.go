package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// LayersDir is the folder, relative to the bench module, where
// layers/export.py writes the single-layer models and their manifest.
const LayersDir = "layers/out"

// ErrNoLayers is returned by ReadLayers when the manifest has not been
// exported yet.
var ErrNoLayers = errors.New("layers.json not found: run /usr/bin/python3 bench/layers/export.py first")

// Layer is one entry of layers.json, the manifest that layers/export.py
// writes beside the ONNX files.
type Layer struct {
	Name   string `json:"name"`  // identifier used in benchmark names and file names
	Title  string `json:"title"` // description for tables, such as "conv 3×3 64→64 @56×56 pad 1"
	File   string `json:"file"`  // ONNX file name, relative to the manifest's folder
	Input  []int  `json:"input"`
	Output []int  `json:"output"`

	// FLOPs counts a multiply-add as 2 floating-point operations; it is 0
	// for the memory-bound layers (pooling and ReLU).
	FLOPs int64 `json:"flops"`

	// Bytes is the input size plus the output size, the least memory
	// traffic one run can have; it is 0 for the compute-bound layers.
	Bytes int64 `json:"bytes"`
}

// ReadLayers reads dir/layers.json and returns its layers in table order,
// with File made a path that includes dir. It returns an error wrapping
// ErrNoLayers if the manifest does not exist.
func ReadLayers(dir string) ([]Layer, error) {
	data, err := os.ReadFile(filepath.Join(dir, "layers.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (looked in %s)", ErrNoLayers, dir)
	}
	if err != nil {
		return nil, err
	}

	var manifest struct {
		Layers []Layer `json:"layers"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "layers.json"), err)
	}
	if len(manifest.Layers) == 0 {
		return nil, fmt.Errorf("%s: no layers listed", filepath.Join(dir, "layers.json"))
	}
	for i := range manifest.Layers {
		manifest.Layers[i].File = filepath.Join(dir, manifest.Layers[i].File)
	}
	return manifest.Layers, nil
}

// Load loads the layer's ONNX file with simdnn and returns the model with
// the input that InputValue fills.
func (l Layer) Load() (*nn.Model, *nn.Tensor, error) {
	model, err := onnx.LoadFile(l.File)
	if err != nil {
		return nil, nil, err
	}

	n := 1
	for _, d := range l.Input {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = InputValue(i)
	}
	x, err := nn.FromSlice(data, l.Input...)
	if err != nil {
		return nil, nil, fmt.Errorf("layer %s: %w", l.Name, err)
	}
	return model, x, nil
}

// InputValue returns element i of every benchmark input, a sequence in
// [-1, 1] with mixed signs. The peer scripts compute the same formula, so
// all engines run on identical inputs and their output checksums can be
// compared. The division is done in float64 and rounded once to float32,
// as NumPy and JavaScript's Float32Array do.
func InputValue(i int) float32 {
	return float32(float64(i*7919%2001-1000) / 1000)
}
