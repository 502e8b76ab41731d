package nn

import (
	"fmt"
	"maps"
	"slices"
)

// Run executes the model and returns the graph outputs keyed by name.
// inputs maps graph input names to tensors. Every graph input without an
// initializer is required, and an input with an initializer may be given to
// replace that default. Each input must have the declared element type and
// rank and match every dimension that is not -1. Run does not modify the
// inputs. It returns a copy of any output that is a graph input or an
// initializer, so callers may modify the outputs.
func (m *Model) Run(inputs map[string]*Tensor) (map[string]*Tensor, error) {
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		if !slices.ContainsFunc(m.inputs, func(in ValueInfo) bool { return in.Name == name }) {
			return nil, fmt.Errorf("unknown input %q, want one of the model's inputs %v", name, m.inputNames())
		}
	}

	values := maps.Clone(m.initializers)
	for _, in := range m.inputs {
		t, ok := inputs[in.Name]
		if !ok {
			if _, hasDefault := m.initializers[in.Name]; hasDefault {
				continue
			}
			return nil, fmt.Errorf("missing input %q (shape %v, %v)", in.Name, in.Shape, in.DType)
		}
		if err := checkValue(in, t); err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		values[in.Name] = t
	}

	for i, node := range m.nodes {
		args := make([]*Tensor, len(node.Inputs))
		for j, name := range node.Inputs {
			if name != "" {
				args[j] = values[name]
			}
		}

		results, err := node.Layer.Forward(args)
		if err != nil {
			return nil, fmt.Errorf("node %q: %w", node.Layer.Name(), err)
		}
		for j, name := range node.Outputs {
			if name == "" {
				continue
			}
			if j >= len(results) || results[j] == nil {
				return nil, fmt.Errorf("node %q: %s produced %d outputs, but the graph reads output %d as %q",
					node.Layer.Name(), node.Layer.OpType(), len(results), j, name)
			}
			values[name] = results[j]
		}

		// Release values that no later node reads, so the garbage
		// collector can reclaim them during the run.
		for _, name := range node.Inputs {
			if m.lastUse[name] == i && !m.isOutput(name) {
				delete(values, name)
			}
		}
	}

	outputs := make(map[string]*Tensor, len(m.outputs))
	for _, out := range m.outputs {
		t := values[out.Name]
		if !m.computed[out.Name] {
			t = copyWithShape(t, t.Shape)
		}
		outputs[out.Name] = t
	}
	return outputs, nil
}

// Predict runs a model with one required input and one output on x and
// returns the output. Inputs that have an initializer keep their default.
func (m *Model) Predict(x *Tensor) (*Tensor, error) {
	var required []string
	for _, in := range m.inputs {
		if _, hasDefault := m.initializers[in.Name]; !hasDefault {
			required = append(required, in.Name)
		}
	}
	if len(required) != 1 || len(m.outputs) != 1 {
		return nil, fmt.Errorf("predict needs a model with 1 required input and 1 output, but this one has required inputs %v and %d outputs, so call Run instead",
			required, len(m.outputs))
	}

	outputs, err := m.Run(map[string]*Tensor{required[0]: x})
	if err != nil {
		return nil, err
	}
	return outputs[m.outputs[0].Name], nil
}

// checkValue returns an error unless t is a valid tensor with the element
// type and rank of info and equal to every dimension of info that is not -1.
func checkValue(info ValueInfo, t *Tensor) error {
	if t == nil {
		return fmt.Errorf("tensor is nil")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if t.DType != info.DType {
		return fmt.Errorf("element type %v, want %v", t.DType, info.DType)
	}
	if len(t.Shape) != len(info.Shape) {
		return fmt.Errorf("shape %v has rank %d, want rank %d (shape %v, -1 is free)", t.Shape, len(t.Shape), len(info.Shape), info.Shape)
	}
	for i, d := range info.Shape {
		if d != -1 && t.Shape[i] != d {
			return fmt.Errorf("shape %v, want %v (-1 is free)", t.Shape, info.Shape)
		}
	}
	return nil
}

func (m *Model) isOutput(name string) bool {
	return slices.ContainsFunc(m.outputs, func(out ValueInfo) bool { return out.Name == name })
}

func (m *Model) inputNames() []string {
	names := make([]string, len(m.inputs))
	for i, in := range m.inputs {
		names[i] = in.Name
	}
	return names
}
