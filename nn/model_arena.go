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

	// direct is, per graph output, the caller's tensor that this run
	// computes the output into, or nil when the output is in slots.
	direct []*Tensor
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
		direct:  make([]*Tensor, len(p.writable)),
	}
	for id, place := range p.place {
		t := p.types[id]
		switch place {
		case placeKnown:
			a.slots[id] = p.known[id]
		case placeArena:
			h := &a.headers[id]
			h.Shape, h.DType = t.Shape, t.DType
			p.bindArena(a, id)
			a.slots[id] = h
		case placeShared:
			h := &a.headers[id]
			h.Shape, h.DType = t.Shape, t.DType
			a.slots[id] = h
		}
	}
	return a
}

// bindArena points the header of value id, placed in the arena, at its
// elements in a.
func (p *plan) bindArena(a *arena, id int) {
	n, _ := NumElements(p.types[id].Shape) // checked when the plan was built
	h := &a.headers[id]
	off := p.offset[id]
	if h.DType == Int64 {
		h.Int64 = a.ints[off : off+n : off+n]
	} else {
		h.Data = a.floats[off : off+n : off+n]
	}
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

// runPlanned executes p on the graph inputs given, in graph order. When
// into is not nil and writeIntoCaller allows it, each graph output k that
// p marks writable is computed straight into into(k) and listed in
// a.direct. On success the arena's slots contain every other value. The
// caller reads the graph outputs and then returns the arena with
// p.release.
func (m *Model) runPlanned(p *plan, given []*Tensor, into func(k int) *Tensor) (*arena, error) {
	a := m.takeArena(p, given)
	if into != nil && m.writeIntoCaller(p, given, into) {
		for k, ok := range p.writable {
			if ok {
				t, id := into(k), m.outputIDs[k]
				a.direct[k] = t
				a.headers[id].Data, a.headers[id].Int64 = t.Data, t.Int64
			}
		}
	}

	var err error
	for _, step := range p.steps {
		if err = m.runStep(p, a, step); err != nil {
			break
		}
	}

	// The arena goes back to the free list with its own elements.
	for k, t := range a.direct {
		if t != nil {
			p.bindArena(a, m.outputIDs[k])
		}
	}
	if err != nil {
		p.release(a)
		return nil, err
	}
	return a, nil
}

// writeIntoCaller reports whether a run of p may compute graph outputs
// straight into the caller's tensors into(k). Each must have its output's
// type and shape, so that no such error can come after the run started.
// None may share memory with another or with an input, because a layer
// could then overwrite an input that a later layer reads.
//
// NOTE: initializers are not checked. NewModel keeps the caller's weight
// tensors, so an output tensor laid over one is written during the run.
func (m *Model) writeIntoCaller(p *plan, given []*Tensor, into func(k int) *Tensor) bool {
	for k, id := range m.outputIDs {
		t, want := into(k), p.types[id]
		if checkOutputTensor(m.outputs[k].Name, t, want.DType, want.Shape) != nil {
			return false
		}
		for _, in := range given {
			if sharesMemory(t, in) {
				return false
			}
		}
		for j := range k {
			if sharesMemory(t, into(j)) {
				return false
			}
		}
	}
	return true
}

// sharesMemory reports whether the elements of a and b overlap.
func sharesMemory(a, b *Tensor) bool {
	alo, ahi := elementRange(a)
	blo, bhi := elementRange(b)
	return alo < bhi && blo < ahi
}

// elementRange returns the addresses of the first byte of t's elements
// and of the byte after them, equal when t has none.
func elementRange(t *Tensor) (lo, hi uintptr) {
	if len(t.Data) > 0 {
		lo = uintptr(unsafe.Pointer(unsafe.SliceData(t.Data)))
		return lo, lo + uintptr(len(t.Data))*4
	}
	if len(t.Int64) > 0 {
		lo = uintptr(unsafe.Pointer(unsafe.SliceData(t.Int64)))
		return lo, lo + uintptr(len(t.Int64))*8
	}
	return 0, 0
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
	clear(a.direct)
	p.arenas.Put(a)
}
