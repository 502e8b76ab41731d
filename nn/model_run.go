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
// inputs, and the outputs are new tensors that the caller may modify.
//
// The first run for a new set of input shapes may run every layer with
// Forward to learn the shapes. Later runs with those shapes use a memory
// plan (see RunInto).
func (m *Model) Run(inputs map[string]*Tensor) (map[string]*Tensor, error) {
	var buf [4]*Tensor
	given, err := m.givenInputs(inputs, buf[:0])
	if err != nil {
		return nil, err
	}
	outputs := make(map[string]*Tensor, len(m.outputs))
	err = m.run(given, nil, func(k int, t *Tensor, owned bool) error {
		if !owned {
			t = copyWithShape(t, t.Shape)
		}
		outputs[m.outputs[k].Name] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return outputs, nil
}

// RunInto executes the model like Run but writes each graph output into
// the tensor of the same name in outputs, which must have the output's
// element type and shape. Once the model has a plan for the input shapes,
// and when every layer implements IntoLayer, RunInto allocates nothing.
//
// With a plan, the layer that produces an output computes it straight
// into the caller's tensor where it can, so that a large output is not
// written twice. That needs output tensors that share no memory with each
// other or with the inputs. Otherwise the outputs are copied after the
// run in the graph's order, so an output copied over an input's memory
// changes a later output that reads that memory, such as a view of the
// input. If RunInto returns an error, the contents of the output tensors
// are undefined.
func (m *Model) RunInto(outputs, inputs map[string]*Tensor) error {
	var buf [4]*Tensor
	given, err := m.givenInputs(inputs, buf[:0])
	if err != nil {
		return err
	}
	for _, out := range m.outputs {
		if _, ok := outputs[out.Name]; !ok {
			return fmt.Errorf("outputs has no tensor for graph output %q", out.Name)
		}
	}
	into := func(k int) *Tensor { return outputs[m.outputs[k].Name] }
	return m.run(given, into, func(k int, t *Tensor, _ bool) error {
		return copyOutput(m.outputs[k].Name, outputs[m.outputs[k].Name], t)
	})
}

// Predict runs a model with one required input and one output on x and
// returns the output. Inputs that have an initializer keep their default.
func (m *Model) Predict(x *Tensor) (*Tensor, error) {
	name, err := m.predictInput()
	if err != nil {
		return nil, err
	}
	outputs, err := m.Run(map[string]*Tensor{name: x})
	if err != nil {
		return nil, err
	}
	return outputs[m.outputs[0].Name], nil
}

// PredictInto runs a model with one required input and one output on x and
// writes the output into y, which must have the output's element type and
// shape, such as the shape Predict returns for an input of x's shape. It
// allocates nothing under the conditions of RunInto, and like RunInto it
// computes the output straight into y when y shares no memory with x.
func (m *Model) PredictInto(y, x *Tensor) error {
	if _, err := m.predictInput(); err != nil {
		return err
	}
	var buf [4]*Tensor
	given := buf[:0]
	for _, in := range m.inputs {
		t, hasDefault := m.initializers[in.Name]
		if !hasDefault {
			if err := checkValue(in, x); err != nil {
				return fmt.Errorf("input %q: %w", in.Name, err)
			}
			t = x
		}
		given = append(given, t)
	}
	into := func(int) *Tensor { return y }
	return m.run(given, into, func(_ int, t *Tensor, _ bool) error {
		return copyOutput(m.outputs[0].Name, y, t)
	})
}

// predictInput returns the name of the one required input, or an error if
// the model does not have exactly one required input and one output.
func (m *Model) predictInput() (string, error) {
	count, name := 0, ""
	for _, in := range m.inputs {
		if _, hasDefault := m.initializers[in.Name]; !hasDefault {
			count, name = count+1, in.Name
		}
	}
	if count == 1 && len(m.outputs) == 1 {
		return name, nil
	}

	var required []string
	for _, in := range m.inputs {
		if _, hasDefault := m.initializers[in.Name]; !hasDefault {
			required = append(required, in.Name)
		}
	}
	return "", fmt.Errorf("predict needs a model with 1 required input and 1 output, but this one has required inputs %v and %d outputs, so call Run instead",
		required, len(m.outputs))
}

// givenInputs checks the inputs of a call and returns the tensor of every
// graph input in graph order, with the default of an input that is not
// given.
// The tensors are appended to given, so that a caller can pass stack
// space.
func (m *Model) givenInputs(inputs map[string]*Tensor, given []*Tensor) ([]*Tensor, error) {
	for name := range inputs {
		if _, ok := m.valueIDs[name]; !ok || !slices.Contains(m.inputIDs, m.valueIDs[name]) {
			return nil, m.unknownInputError(inputs)
		}
	}

	for _, in := range m.inputs {
		t, ok := inputs[in.Name]
		if !ok {
			if init, hasDefault := m.initializers[in.Name]; hasDefault {
				given = append(given, init)
				continue
			}
			return nil, fmt.Errorf("missing input %q (shape %v, %v)", in.Name, in.Shape, in.DType)
		}
		if err := checkValue(in, t); err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		given = append(given, t)
	}
	return given, nil
}

// unknownInputError names the first key of inputs, in sorted order, that
// is not a graph input.
func (m *Model) unknownInputError(inputs map[string]*Tensor) error {
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		if !slices.ContainsFunc(m.inputs, func(in ValueInfo) bool { return in.Name == name }) {
			return fmt.Errorf("unknown input %q, want one of the model's inputs %v", name, m.inputNames())
		}
	}
	return nil
}

// outputFunc receives graph output k of a run. owned is set when t was
// computed by this run for the caller and is not kept by the model.
type outputFunc func(k int, t *Tensor, owned bool) error

// run executes the model on the given graph inputs and passes each graph
// output to emit. It uses the plan for the input shapes and builds one by
// type inference if it can. Otherwise it runs every layer with Forward
// and builds the plan from the types that this run produced.
//
// When into is not nil, into(k) is the caller's tensor for graph output
// k, and a planned run may compute the output straight into it instead of
// passing it to emit (see writeIntoCaller).
func (m *Model) run(given []*Tensor, into func(k int) *Tensor, emit outputFunc) error {
	p, err := m.planFor(given)
	if err != nil {
		return err
	}
	if p != nil {
		a, err := m.runPlanned(p, given, into)
		if err != nil {
			return err
		}
		defer p.release(a)
		for k, id := range m.outputIDs {
			if a.direct[k] != nil {
				continue
			}
			if err := emit(k, a.slots[id], false); err != nil {
				return err
			}
		}
		return nil
	}

	var record *valueTypes
	if !m.plans.dynamic.Load() {
		types := make([]TensorType, len(given))
		for i, t := range given {
			types[i] = TypeOf(t)
		}
		record = m.newValueTypes(types)
	}
	values, err := m.runForward(given, record)
	if err != nil {
		return err
	}
	for k, id := range m.outputIDs {
		owned := m.producedByNode(id)
		if err := emit(k, values[id], owned); err != nil {
			return err
		}
	}
	if record != nil {
		if _, err := m.storePlan(given, record); err != nil {
			return err
		}
	}
	return nil
}

// producedByNode reports whether a node writes value id.
func (m *Model) producedByNode(id int) bool {
	for _, outputs := range m.nodeOutputs {
		if slices.Contains(outputs, id) {
			return true
		}
	}
	return false
}

// runForward executes every node with Forward and returns the tensor of
// every value that a graph output needs. When record is not nil it also
// records the type of every value and keeps the values known before the
// run: those computed from constants and input shapes alone.
func (m *Model) runForward(given []*Tensor, record *valueTypes) ([]*Tensor, error) {
	values := make([]*Tensor, len(m.valueNames))
	for name, t := range m.initializers {
		values[m.valueIDs[name]] = t
	}
	for i, id := range m.inputIDs {
		values[id] = given[i]
	}

	for i, node := range m.nodes {
		args := make([]*Tensor, len(m.nodeInputs[i]))
		for j, id := range m.nodeInputs[i] {
			if id >= 0 {
				args[j] = values[id]
			}
		}

		results, err := node.Layer.Forward(args)
		if err != nil {
			return nil, fmt.Errorf("node %q: %w", node.Layer.Name(), err)
		}
		if err := m.checkOutputCount(i, len(results)); err != nil {
			return nil, err
		}
		for j, id := range m.nodeOutputs[i] {
			if id < 0 {
				continue
			}
			if results[j] == nil {
				return nil, m.checkOutputCount(i, j)
			}
			values[id] = results[j]
		}
		if record != nil {
			_, _, allKnown := record.nodeArgs(m.nodeInputs[i])
			_, shapeOnly := node.Layer.(ShapeOnlyLayer)
			if err := m.recordResults(record, i, results, allKnown || shapeOnly); err != nil {
				return nil, err
			}
		}

		// Release values that no later node reads, so the garbage
		// collector can reclaim them during the run.
		for _, id := range m.nodeInputs[i] {
			if id >= 0 && m.lastRead[id] == i {
				values[id] = nil
			}
		}
	}
	return values, nil
}

// copyOutput copies the graph output src into dst, which must have its
// element type and shape.
func copyOutput(name string, dst, src *Tensor) error {
	if err := checkOutputTensor(name, dst, src.DType, src.Shape); err != nil {
		return err
	}
	copy(dst.Data, src.Data)
	copy(dst.Int64, src.Int64)
	return nil
}

// checkOutputTensor returns an error unless dst is a valid tensor of the
// element type and shape of graph output name.
func checkOutputTensor(name string, dst *Tensor, dtype DType, shape []int) error {
	if dst == nil {
		return fmt.Errorf("output %q: tensor is nil", name)
	}
	if err := dst.Validate(); err != nil {
		return fmt.Errorf("output %q: %w", name, err)
	}
	if dst.DType != dtype || !slices.Equal(dst.Shape, shape) {
		return fmt.Errorf("output %q: got a %v tensor of shape %v to fill, want %v of shape %v", name, dst.DType, dst.Shape, dtype, shape)
	}
	return nil
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

func (m *Model) inputNames() []string {
	names := make([]string, len(m.inputs))
	for i, in := range m.inputs {
		names[i] = in.Name
	}
	return names
}
