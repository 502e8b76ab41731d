// Package backendtest runs test folders in the layout of the ONNX backend
// tests and compares simdnn's outputs with the expected ones.
//
// A folder contains model.onnx and one or more test_data_set_N folders with
// serialized TensorProto files input_K.pb and output_K.pb. input_K feeds
// the model's K-th graph input that has no initializer, and output_K is the
// expected value of the K-th graph output.
package backendtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// Result is the outcome of comparing every data set of one folder.
type Result struct {
	Dir  string
	Pass bool

	// DataSets is the number of test_data_set folders compared.
	DataSets int

	// RTol and ATol are the tolerances used, after any tolerance file.
	RTol, ATol float64

	// MaxAbsError and MaxRelError are the largest errors over all elements
	// of all outputs. The relative error leaves out elements whose expected
	// value is 0, and a NaN or infinity that does not match counts as +Inf.
	MaxAbsError, MaxRelError float64

	// Message describes the first mismatch, naming the data set, output and
	// element with the computed and expected values. It is empty on a pass.
	Message string
}

// RunDir loads dir/model.onnx, runs it on every data set in dir and compares
// the outputs. An element passes when |got-want| <= atol + rtol*|want|. A
// tolerance file in dir (see ToleranceFile) overrides rtol and atol.
//
// A mismatch makes Result.Pass false. RunDir returns an error instead when
// the comparison cannot happen at all: the folder or a file is missing or
// invalid, the model does not load, or running it fails.
func RunDir(dir string, rtol, atol float64) (Result, error) {
	result := Result{Dir: dir}
	if err := checkTolerance(rtol, atol); err != nil {
		return result, fmt.Errorf("backendtest: %w", err)
	}
	rtol, atol, err := readTolerance(dir, rtol, atol)
	if err != nil {
		return result, fmt.Errorf("backendtest: %w", err)
	}
	result.RTol, result.ATol = rtol, atol

	graph, model, err := loadModel(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return result, fmt.Errorf("backendtest: %w", err)
	}
	sets, err := dataSets(dir)
	if err != nil {
		return result, fmt.Errorf("backendtest: %w", err)
	}

	c := &comparison{rtol: rtol, atol: atol}
	for _, set := range sets {
		if err := runDataSet(set, graph, model, c); err != nil {
			return result, fmt.Errorf("backendtest: %s: %w", set, err)
		}
	}

	result.DataSets = len(sets)
	result.Pass = c.mismatch == ""
	result.MaxAbsError, result.MaxRelError = c.maxAbs, c.maxRel
	result.Message = c.mismatch
	return result, nil
}

// loadModel returns the graph as well as the model, because only the graph
// records which inputs have an initializer.
func loadModel(path string) (*nn.Graph, *nn.Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	graph, err := onnx.LoadGraph(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	model, err := nn.NewModel(*graph)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: building model: %w", path, err)
	}
	return graph, model, nil
}

// dataSets returns the test_data_set_N folders of dir in order of N.
func dataSets(dir string) ([]string, error) {
	paths, err := numberedPaths(dir, "test_data_set_", "")
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s has no test_data_set_N folders", dir)
	}
	return paths, nil
}

func runDataSet(set string, graph *nn.Graph, model *nn.Model, c *comparison) error {
	var required []string
	for _, in := range graph.Inputs {
		if _, hasDefault := graph.Initializers[in.Name]; !hasDefault {
			required = append(required, in.Name)
		}
	}

	inputs, err := readTensors(set, "input_", required, "graph input without initializer")
	if err != nil {
		return err
	}
	var outputNames []string
	for _, out := range graph.Outputs {
		outputNames = append(outputNames, out.Name)
	}
	want, err := readTensors(set, "output_", outputNames, "graph output")
	if err != nil {
		return err
	}

	got, err := model.Run(inputs)
	if err != nil {
		return fmt.Errorf("running the model: %w", err)
	}
	for k, name := range outputNames {
		label := fmt.Sprintf("%s, output %d (%q)", filepath.Base(set), k, name)
		c.tensor(label, got[name], want[name])
	}
	return nil
}

// readTensors reads prefix0.pb, prefix1.pb and so on from set and keys
// them by names, which must have one entry per file.
func readTensors(set, prefix string, names []string, role string) (map[string]*nn.Tensor, error) {
	paths, err := numberedPaths(set, prefix, ".pb")
	if err != nil {
		return nil, err
	}
	if len(paths) != len(names) {
		return nil, fmt.Errorf("has %d %sK.pb files, want %d, one per %s %q", len(paths), prefix, len(names), role, names)
	}

	tensors := make(map[string]*nn.Tensor, len(paths))
	for k, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		t, err := onnx.ReadTensor(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		tensors[names[k]] = t
	}
	return tensors, nil
}

// numberedPaths returns the entries of dir named prefix+N+suffix in order
// of N. The numbers must run from 0 without gaps, so a missing file is an
// error rather than a silently shifted mapping.
func numberedPaths(dir, prefix, suffix string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}

	var numbers []int
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) || len(name) < len(prefix)+len(suffix) {
			continue
		}
		n, err := strconv.Atoi(name[len(prefix) : len(name)-len(suffix)])
		if err != nil || n < 0 {
			continue
		}
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)

	paths := make([]string, len(numbers))
	for i, n := range numbers {
		if n != i {
			return nil, fmt.Errorf("%s has no %s%d%s but has %s%d%s; want numbers from 0 without gaps", dir, prefix, i, suffix, prefix, n, suffix)
		}
		paths[i] = filepath.Join(dir, prefix+strconv.Itoa(n)+suffix)
	}
	return paths, nil
}
