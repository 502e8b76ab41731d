package breaktest

import (
	"testing"

	"github.com/simdnn/simdnn/models/mnist"
	"github.com/simdnn/simdnn/nn"
	"github.com/simdnn/simdnn/nn/onnx"
)

// TestModelAPIMisuse calls the Model methods with nil, invalid and
// mismatched arguments: each must return an error, not panic.
func TestModelAPIMisuse(t *testing.T) {
	m, err := onnx.Load(mnist.ModelONNX())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := nn.New(2, 1, 28, 28)
	y, _ := nn.New(2, 10)
	short := &nn.Tensor{Shape: []int{2, 1, 28, 28}, Data: make([]float32, 10)}
	ints, _ := nn.FromInt64(make([]int64, 784), 1, 1, 28, 28)
	wrongRank, _ := nn.New(1, 28, 28)
	wrongDim, _ := nn.New(1, 3, 28, 28)
	empty, _ := nn.New(0, 1, 28, 28)
	calls := map[string]func() error{
		"Predict nil":         func() error { _, err := m.Predict(nil); return err },
		"Predict short data":  func() error { _, err := m.Predict(short); return err },
		"Predict int64":       func() error { _, err := m.Predict(ints); return err },
		"Predict wrong rank":  func() error { _, err := m.Predict(wrongRank); return err },
		"Predict wrong dim":   func() error { _, err := m.Predict(wrongDim); return err },
		"Run nil map":         func() error { _, err := m.Run(nil); return err },
		"Run unknown input":   func() error { _, err := m.Run(map[string]*nn.Tensor{"input": good, "extra": good}); return err },
		"Run nil tensor":      func() error { _, err := m.Run(map[string]*nn.Tensor{"input": nil}); return err },
		"RunInto nil outputs": func() error { return m.RunInto(nil, map[string]*nn.Tensor{"input": good}) },
		"RunInto nil tensor": func() error {
			return m.RunInto(map[string]*nn.Tensor{"logits": nil}, map[string]*nn.Tensor{"input": good})
		},
		"RunInto wrong shape": func() error {
			return m.RunInto(map[string]*nn.Tensor{"logits": good}, map[string]*nn.Tensor{"input": good})
		},
		"RunInto short output": func() error {
			return m.RunInto(map[string]*nn.Tensor{"logits": {Shape: []int{2, 10}, Data: make([]float32, 3)}}, map[string]*nn.Tensor{"input": good})
		},
		"PredictInto nil y":   func() error { return m.PredictInto(nil, good) },
		"PredictInto nil x":   func() error { return m.PredictInto(y, nil) },
		"PredictInto wrong y": func() error { return m.PredictInto(good, good) },
		"PredictInto short x": func() error { return m.PredictInto(y, short) },
	}
	for name, f := range calls {
		err, panicked := call(f)
		if panicked {
			t.Errorf("%s panics:\n%s", name, headOf(err.Error(), 1200))
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// An empty batch is valid and gives an empty output.
	out, err := m.Predict(empty)
	if err != nil || len(out.Shape) != 2 || out.Shape[0] != 0 {
		t.Errorf("Predict on an empty batch: %v, %v", out, err)
	}

	// NewModel on malformed graphs.
	relu := nn.Relu{NodeName: "r"}
	graphs := map[string]nn.Graph{
		"nil layer":           {Inputs: []nn.ValueInfo{{Name: "x"}}, Outputs: []nn.ValueInfo{{Name: "y"}}, Nodes: []nn.Node{{Inputs: []string{"x"}, Outputs: []string{"y"}}}},
		"nil initializer":     {Outputs: []nn.ValueInfo{{Name: "c"}}, Initializers: map[string]*nn.Tensor{"c": nil}},
		"empty input name":    {Inputs: []nn.ValueInfo{{Name: ""}}, Outputs: []nn.ValueInfo{{Name: "y"}}, Nodes: []nn.Node{{Layer: relu, Inputs: []string{""}, Outputs: []string{"y"}}}},
		"bad input dim":       {Inputs: []nn.ValueInfo{{Name: "x", Shape: []int{-2}}}, Outputs: []nn.ValueInfo{{Name: "x"}}},
		"no outputs":          {Inputs: []nn.ValueInfo{{Name: "x"}}, Nodes: []nn.Node{{Layer: relu, Inputs: []string{"x"}, Outputs: []string{"y"}}}},
		"output undefined":    {Inputs: []nn.ValueInfo{{Name: "x"}}, Outputs: []nn.ValueInfo{{Name: "z"}}},
		"initializer twice":   {Inputs: []nn.ValueInfo{{Name: "x", Shape: []int{1}}}, Outputs: []nn.ValueInfo{{Name: "x"}}, Initializers: map[string]*nn.Tensor{"x": {Shape: []int{2}, Data: make([]float32, 2)}}},
		"invalid initializer": {Outputs: []nn.ValueInfo{{Name: "c"}}, Initializers: map[string]*nn.Tensor{"c": {Shape: []int{3}, Data: make([]float32, 2)}}},
		"node output is input": {Inputs: []nn.ValueInfo{{Name: "x"}}, Outputs: []nn.ValueInfo{{Name: "x"}},
			Nodes: []nn.Node{{Layer: relu, Inputs: []string{"x"}, Outputs: []string{"x"}}}},
	}
	for name, graph := range graphs {
		err, panicked := call(func() error { _, err := nn.NewModel(graph); return err })
		if panicked {
			t.Errorf("NewModel %s panics:\n%s", name, headOf(err.Error(), 1200))
			continue
		}
		if err == nil && name != "no outputs" {
			t.Errorf("NewModel %s: no error", name)
		}
	}
}
