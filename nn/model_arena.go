package nn

import (
	"fmt"
	"slices"
	"unsafe"
)

// arena is the memory of one run of a plan: the buffers of the values
// computed into the arena, tensor headers for them, and the slice of the
// tensor of every value. Runs take arenas from the plan's free list, so
// a steady stream of runs allocates nothing once each concurrent run has
// one.
type arena struct {
	floats  []float32
	ints    []int64
	scratch []float32

	headers []Tensor  // per value placed in the arena or shared
	slots   []*Tensor // per value: its tensor during the run
	args    []*Tensor // the inputs of the current node
	outs    []*Tensor // the outputs of the current node
}

// newArena allocates an arena for p.
func (p *plan) newArena() *arena {
	a := &arena{
		floats:  alignedFloats(p.floatSize),
		ints:    make([]int64, p.intSize),
		scratch: alignedFloats(p.scratchSize),
		headers: make([]Tensor, len(p.place)),
		slots:   make([]*Tensor, len(p.place)),
		args:    make([]*Tensor, p.maxInputs),
		outs:    make([]*Tensor, p.maxOutputs),
	}
	for id, place := range p.place {
		t := p.types[id]
		switch place {
		case placeKnown:
			a.slots[id] = p.known[id]
		case placeArena:
			n, _ := NumElements(t.Shape) // checked when the plan was built
			h := &a.headers[id]
			h.Shape, h.DType = t.Shape, t.DType
			off := p.offset[id]
			if t.DType == Int64 {
				h.Int64 = a.ints[off : off+n : off+n]
			} else {
				h.Data = a.floats[off : off+n : off+n]
			}
			a.slots[id] = h
		case placeShared:
			h := &a.headers[id]
			h.Shape, h.DType = t.Shape, t.DType
			a.slots[id] = h
		}
	}
	return a
}

// alignedFloats returns n zeroed float32s whose first element is 64-byte
// aligned.
func alignedFloats(n int) []float32 {
	const align = 64 / 4
	buf := make([]float32, n+align)
	offset := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % 64 / 4)
	if offset != 0 {
		offset = align - offset
	}
	return buf[offset : offset+n : offset+n]
}

// takeArena returns an arena of p from its free list, or a new one, with
// the graph inputs given (in graph order) in their slots.
func (m *Model) takeArena(p *plan, given []*Tensor) *arena {
	a := p.arenas.Get()
	if a == nil {
		a = p.newArena()
	}
	for i, id := range m.inputIDs {
		if p.place[id] == placeInput {
			a.slots[id] = given[i]
		}
	}
	return a
}

// runPlanned executes p on the graph inputs given, in graph order. On
// success the arena's slots contain every value. The caller reads the
// graph outputs and then returns the arena with p.release.
func (m *Model) runPlanned(p *plan, given []*Tensor) (*arena, error) {
	a := m.takeArena(p, given)
	for _, step := range p.steps {
		if err := m.runStep(p, a, step); err != nil {
			p.release(a)
			return nil, err
		}
	}
	return a, nil
}

// runStep executes one step of a plan.
func (m *Model) runStep(p *plan, a *arena, step planStep) error {
	if step.kind == stepConstant || step.kind == stepJoined {
		return nil
	}
	inputs, outputs := m.nodeInputs[step.node], m.nodeOutputs[step.node]
	if step.source >= 0 {
		src := a.slots[inputs[step.source]]
		h := a.slots[outputs[0]]
		h.Data, h.Int64 = src.Data, src.Int64
	}
	if step.kind == stepView {
		return nil
	}

	args := a.args[:len(inputs)]
	for j, id := range inputs {
		args[j] = nil
		if id >= 0 {
			args[j] = a.slots[id]
		}
	}
	layer := m.nodes[step.node].Layer

	if step.kind == stepInto {
		outs := a.outs[:len(outputs)]
		for j, id := range outputs {
			outs[j] = a.slots[id]
		}
		if err := step.into.ForwardInto(outs, args, a.scratch); err != nil {
			return fmt.Errorf("node %q: %w", layer.Name(), err)
		}
		return nil
	}

	results, err := layer.Forward(args)
	if err != nil {
		return fmt.Errorf("node %q: %w", layer.Name(), err)
	}
	if err := m.checkOutputCount(step.node, len(results)); err != nil {
		return err
	}
	for j, id := range outputs {
		if id < 0 {
			continue
		}
		t, want := results[j], p.types[id]
		if t == nil || t.DType != want.DType || !slices.Equal(t.Shape, want.Shape) {
			return fmt.Errorf("node %q: %s returned output %d as %v, but the model's plan expects a %v tensor of shape %v for these input shapes",
				layer.Name(), layer.OpType(), j, describeTensor(t), want.DType, want.Shape)
		}
		a.slots[id] = t
	}
	return nil
}

// describeTensor returns the element type and shape of t for messages.
func describeTensor(t *Tensor) string {
	if t == nil {
		return "nil"
	}
	return fmt.Sprintf("a %v tensor of shape %v", t.DType, t.Shape)
}

// release drops the run's references to tensors it does not own, so they
// can be collected, and returns the arena to the plan's free list.
func (p *plan) release(a *arena) {
	for id, place := range p.place {
		switch place {
		case placeInput, placeForward:
			a.slots[id] = nil
		case placeShared:
			a.headers[id].Data, a.headers[id].Int64 = nil, nil
		}
	}
	clear(a.args)
	clear(a.outs)
	p.arenas.Put(a)
}
