package nn

import (
	"errors"
	"fmt"
	"slices"

	"github.com/simdnn/simdnn/internal/freelist"
)

// planConstantBudget bounds the elements of the values that a plan
// computes before any run: shapes, and tensors computed from shapes and
// constants alone. A model with huge declared shapes therefore cannot make
// NewModel allocate them, because a larger value is computed during each
// run instead.
const planConstantBudget = 1 << 22

// errNotInferable stops type inference at a layer that does not implement
// TypeInferrer. The model then learns the types from its first run.
var errNotInferable = errors.New("a layer cannot infer its output types")

// stepKind selects how a run executes one node.
type stepKind uint8

const (
	stepConstant stepKind = iota // outputs computed when the plan was built
	stepView                     // output 0 shares the elements of an input
	stepInto                     // ForwardInto into the run's buffers
	stepForward                  // Forward, which allocates the outputs
	stepJoined                   // a Concat whose inputs were computed into its output
)

// planStep is one node of a plan.
type planStep struct {
	node int
	kind stepKind

	// source is the position in the node's inputs of the input whose
	// elements output 0 shares, for a view or an in-place step, and -1
	// otherwise.
	source int

	// into is the layer that a stepInto step runs: the layer prepared for the
	// plan's input types when it is a Preparer, else the layer itself.
	into IntoLayer
}

// placement is the location where a run finds a value.
type placement uint8

const (
	placeUnused  placement = iota // no node reads or writes the value
	placeInput                    // the caller's tensor, or an input's default
	placeKnown                    // plan.known, computed before any run
	placeArena                    // the arena's buffers, at plan.offset
	placeShared                   // the elements of another value
	placeForward                  // the tensor that a layer's Forward returned
)

// plan is the execution of a model for one set of input shapes: the type
// of every value, the values known before the run, and where each value
// lives during a run. It is not modified after it is built.
type plan struct {
	shapes [][]int // of the graph inputs, in graph order
	types  []TensorType
	known  []*Tensor
	place  []placement
	offset []int
	steps  []planStep

	floatSize, intSize, scratchSize int
	maxInputs, maxOutputs           int

	// writable is set for each graph output, in graph order, that a run
	// may compute straight into the caller's tensor (see
	// markWritableOutputs and writeIntoCaller).
	writable []bool

	// arenas contains the buffers of runs that have finished, for reuse.
	// It keeps them as long as the plan lives: as many arenas as runs
	// of the plan have ever been in flight at once.
	arenas freelist.List[arena]
}

// valueTypes is the type of every value of a model for one set of input
// shapes, and the value itself where it is known before the run. It is
// what a plan is built from, found by inference or by a run.
type valueTypes struct {
	types  []TensorType
	known  []*Tensor
	budget int // elements that known may still take
}

// newValueTypes starts a valueTypes with the constant initializers known
// and the graph inputs of the given types.
func (m *Model) newValueTypes(inputTypes []TensorType) *valueTypes {
	v := &valueTypes{
		types:  make([]TensorType, len(m.valueNames)),
		known:  make([]*Tensor, len(m.valueNames)),
		budget: planConstantBudget,
	}
	for name, t := range m.initializers {
		id := m.valueIDs[name]
		v.types[id] = TypeOf(t)
		if m.constant[id] {
			v.known[id] = t
		}
	}
	for i, id := range m.inputIDs {
		v.types[id] = TensorType{DType: inputTypes[i].DType, Shape: slices.Clone(inputTypes[i].Shape)}
	}
	return v
}

// nodeArgs returns the input types and known values of node i, and
// whether every present input is known.
func (v *valueTypes) nodeArgs(ids []int) (types []*TensorType, values []*Tensor, allKnown bool) {
	types = make([]*TensorType, len(ids))
	values = make([]*Tensor, len(ids))
	allKnown = true
	for j, id := range ids {
		if id < 0 {
			continue
		}
		types[j] = &v.types[id]
		values[j] = v.known[id]
		allKnown = allKnown && values[j] != nil
	}
	return types, values, allKnown
}

// keep records value t, known before the run, if the budget allows. The
// plan keeps a copy, because callers may modify tensors that a run
// returned.
func (v *valueTypes) keep(id int, t *Tensor) {
	n := t.Len()
	if n > v.budget {
		return
	}
	v.budget -= n
	v.known[id] = copyWithShape(t, t.Shape)
}

// inferTypes computes the types of every value for graph inputs of the
// given types, without running the model. It returns errNotInferable when
// a layer cannot infer its output types, an error wrapping ErrValueNeeded
// when a shape depends on a value not known before the run, and otherwise
// the error of the first layer that rejects its inputs.
func (m *Model) inferTypes(inputTypes []TensorType) (*valueTypes, error) {
	v := m.newValueTypes(inputTypes)
	for i, node := range m.nodes {
		types, values, allKnown := v.nodeArgs(m.nodeInputs[i])

		if shapeOnly, ok := node.Layer.(ShapeOnlyLayer); ok {
			results, err := shapeOnly.ForwardTypes(types)
			if err != nil {
				return nil, fmt.Errorf("node %q: %w", node.Layer.Name(), err)
			}
			if err := m.recordResults(v, i, results, true); err != nil {
				return nil, err
			}
			continue
		}

		inferrer, ok := node.Layer.(TypeInferrer)
		if !ok {
			return nil, errNotInferable
		}
		outTypes, err := inferrer.InferTypes(types, values)
		if err != nil {
			return nil, fmt.Errorf("node %q: %w", node.Layer.Name(), err)
		}
		if allKnown && typesSize(outTypes) <= v.budget && LinearCost(node.Layer.OpType()) {
			results, err := node.Layer.Forward(values)
			if err != nil {
				return nil, fmt.Errorf("node %q: %w", node.Layer.Name(), err)
			}
			if err := m.recordResults(v, i, results, true); err != nil {
				return nil, err
			}
			continue
		}
		if err := m.checkOutputCount(i, len(outTypes)); err != nil {
			return nil, err
		}
		for j, id := range m.nodeOutputs[i] {
			if id >= 0 {
				v.types[id] = outTypes[j]
			}
		}
	}
	return v, nil
}

// recordResults stores the types of the outputs of node i, and their
// values when known is set.
func (m *Model) recordResults(v *valueTypes, i int, results []*Tensor, known bool) error {
	if err := m.checkOutputCount(i, len(results)); err != nil {
		return err
	}
	for j, id := range m.nodeOutputs[i] {
		if id < 0 {
			continue
		}
		t := results[j]
		if t == nil {
			return m.checkOutputCount(i, j)
		}
		v.types[id] = TensorType{DType: t.DType, Shape: slices.Clone(t.Shape)}
		if known {
			v.keep(id, t)
		}
	}
	return nil
}

// checkOutputCount returns an error if node i produced fewer than count
// outputs but the graph reads a later one.
func (m *Model) checkOutputCount(i, count int) error {
	for j, id := range m.nodeOutputs[i] {
		if id >= 0 && j >= count {
			layer := m.nodes[i].Layer
			return fmt.Errorf("node %q: %s produced %d outputs, but the graph reads output %d as %q",
				layer.Name(), layer.OpType(), count, j, m.valueNames[id])
		}
	}
	return nil
}

// typesSize returns the total element count of types, or a number above
// any budget if a shape is invalid.
func typesSize(types []TensorType) int {
	total := 0
	for _, t := range types {
		n, err := NumElements(t.Shape)
		if err != nil || n > maxElements-total {
			return maxElements
		}
		total += n
	}
	return total
}

// newPlan builds the plan for graph inputs of the given shapes from the
// types of every value. It returns an error wrapping ErrValueNeeded when a
// node computed during the run reads an int64 value that is not known
// before it, since such a value may give a shape.
func (m *Model) newPlan(shapes [][]int, v *valueTypes) (*plan, error) {
	p := &plan{shapes: shapes, types: v.types, known: v.known}
	for i, node := range m.nodes {
		step, err := m.chooseStep(i, node, v)
		if err != nil {
			return nil, err
		}
		if err := p.addScratch(step, node, m.nodeInputs[i], v); err != nil {
			return nil, err
		}
		p.steps = append(p.steps, step)
		p.maxInputs = max(p.maxInputs, len(m.nodeInputs[i]))
		p.maxOutputs = max(p.maxOutputs, len(m.nodeOutputs[i]))
	}
	if err := m.placeValues(p); err != nil {
		return nil, err
	}
	return p, nil
}

// addScratch grows the scratch space of p to what a ScratchLayer run by
// step needs.
func (p *plan) addScratch(step planStep, node Node, inputIDs []int, v *valueTypes) error {
	layer, ok := node.Layer.(ScratchLayer)
	if !ok || step.kind != stepInto {
		return nil
	}
	types, _, _ := v.nodeArgs(inputIDs)
	n, err := layer.ScratchSize(types)
	if err != nil {
		return fmt.Errorf("node %q: %w", node.Layer.Name(), err)
	}
	p.scratchSize = max(p.scratchSize, n)
	return nil
}

// chooseStep decides how a run executes node i.
func (m *Model) chooseStep(i int, node Node, v *valueTypes) (planStep, error) {
	step := planStep{node: i, kind: stepForward, source: -1}
	outputs := m.nodeOutputs[i]
	allKnown := true
	for _, id := range outputs {
		allKnown = allKnown && (id < 0 || v.known[id] != nil)
	}
	if allKnown {
		step.kind = stepConstant
		return step, nil
	}

	for _, id := range m.nodeInputs[i] {
		if id >= 0 && v.known[id] == nil && v.types[id].DType == Int64 {
			return step, fmt.Errorf("node %q: int64 input %q: %w", node.Layer.Name(), m.valueNames[id], ErrValueNeeded)
		}
	}
	if _, ok := node.Layer.(TypeInferrer); !ok {
		return step, nil
	}
	named := !slices.Contains(outputs, -1)
	if view, ok := node.Layer.(ViewLayer); ok && len(outputs) == 1 && named {
		source := view.ViewInput()
		if source >= 0 && source < len(m.nodeInputs[i]) && m.nodeInputs[i][source] >= 0 {
			step.kind, step.source = stepView, source
			return step, nil
		}
	}
	if into, ok := node.Layer.(IntoLayer); ok && named {
		step.kind, step.into = stepInto, into
		if p, ok := node.Layer.(Preparer); ok {
			prepared, err := p.Prepare(typesAt(v.types, m.nodeInputs[i]))
			if err != nil {
				return step, fmt.Errorf("node %q: %w", node.Layer.Name(), err)
			}
			if conv, ok := prepared.(*preparedConv); ok {
				conv.constantWeights = m.isConstant(v, m.nodeInputs[i], 1)
			}
			step.into = prepared
		}
	}
	return step, nil
}

// isConstant reports whether input k of a node, given as value ids, has
// the same elements in every run of a plan built from v: an initializer
// that no input replaces, or a value that planning computed in advance.
func (m *Model) isConstant(v *valueTypes, ids []int, k int) bool {
	if k >= len(ids) || ids[k] < 0 {
		return false
	}
	id := ids[k]
	return m.constant[id] || (id < len(v.known) && v.known[id] != nil)
}
