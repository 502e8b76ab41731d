package nn

import (
	"fmt"
	"slices"
)

// Memory planning: every value computed by ForwardInto gets a region of
// the run's arena. Regions are reused once no later node reads their
// value, outputs of view steps share their input's region, and an
// InPlaceLayer may write over an input that no later node reads.

// storage is a set of values that share elements: a value with the views
// and in-place results computed from it.
type storage struct {
	// writable is set for elements that the run owns: arena buffers and
	// tensors that a layer's Forward returned. Graph inputs and known
	// values are never written.
	writable bool
	buffer   int // index in memoryPlanner.buffers, or -1 outside the arena
	lastRead int // last step that reads any of the values
}

// buffer is a region of the arena, reused by values whose lifetimes do
// not overlap.
type buffer struct {
	dtype DType
	size  int
	free  bool
}

type memoryPlanner struct {
	m         *Model
	p         *plan
	storageOf []int // per value, index in storages or -1
	storages  []storage
	buffers   []buffer
	bufferOf  []int // per value placed in the arena, its buffer
	within    []int // per value placed in the arena, its offset in the buffer
	joined    map[int]concatSlot
}

// placeValues decides where each value lives during a run and lays out
// the arena.
func (m *Model) placeValues(p *plan) error {
	n := len(m.valueNames)
	mp := &memoryPlanner{m: m, p: p, storageOf: make([]int, n), bufferOf: make([]int, n), within: make([]int, n)}
	p.place = make([]placement, n)
	p.offset = make([]int, n)
	for i := range mp.storageOf {
		mp.storageOf[i] = -1
	}

	for _, id := range m.inputIDs {
		p.place[id] = placeInput
		mp.storageOf[id] = mp.newStorage(false, -1, m.lastRead[id])
	}
	for id, t := range p.known {
		if t != nil && p.place[id] == placeUnused {
			p.place[id] = placeKnown
			mp.storageOf[id] = mp.newStorage(false, -1, m.lastRead[id])
		}
	}

	mp.joined = mp.joinConcats()
	for i := range p.steps {
		if err := mp.placeStep(i); err != nil {
			return err
		}
		mp.release(i)
	}
	mp.layout()
	mp.markWritableOutputs()
	return nil
}

// markWritableOutputs sets p.writable for each graph output that one
// layer computes into an arena buffer of its own: no view, in-place
// result or joined Concat shares its elements, and the model lists it
// once. Pointing that one header at the caller's tensor then redirects
// every write and read of the value. A layer run with Forward may return
// its input's header as its output, which would then be emitted from the
// arena after the run restores the header, so no such layer may read the
// value.
func (mp *memoryPlanner) markWritableOutputs() {
	m := mp.m
	mp.p.writable = make([]bool, len(m.outputIDs))
	readByForward := make(map[int]bool)
	for _, step := range mp.p.steps {
		if step.kind == stepForward {
			for _, id := range m.nodeInputs[step.node] {
				readByForward[id] = true
			}
		}
	}
	for k, id := range m.outputIDs {
		if readByForward[id] {
			continue
		}
		listed := 0
		for _, other := range m.outputIDs {
			if other == id {
				listed++
			}
		}
		if mp.p.place[id] != placeArena || listed != 1 {
			continue
		}
		sharers := 0
		for _, s := range mp.storageOf {
			if s == mp.storageOf[id] {
				sharers++
			}
		}
		mp.p.writable[k] = sharers == 1
	}
}

func (mp *memoryPlanner) newStorage(writable bool, buf, lastRead int) int {
	mp.storages = append(mp.storages, storage{writable: writable, buffer: buf, lastRead: lastRead})
	return len(mp.storages) - 1
}

// lastRead returns the last step that reads value id, or step when no
// step does.
func (mp *memoryPlanner) lastRead(id, step int) int {
	return max(mp.m.lastRead[id], step)
}

// placeStep places the outputs of step i.
func (mp *memoryPlanner) placeStep(i int) error {
	p, m := mp.p, mp.m
	step := &p.steps[i]
	inputs, outputs := m.nodeInputs[step.node], m.nodeOutputs[step.node]

	switch step.kind {
	case stepConstant, stepJoined:
		return nil
	case stepView:
		mp.share(i, outputs[0], inputs[step.source])
		return nil
	case stepForward:
		for _, id := range outputs {
			if id >= 0 {
				p.place[id] = placeForward
				mp.storageOf[id] = mp.newStorage(true, -1, mp.lastRead(id, i))
			}
		}
		return nil
	}

	// An output with a place in a joined Concat's output stays there.
	_, joined := mp.joined[outputs[0]]
	first := 0
	if source := mp.inPlaceSource(i); source >= 0 && !joined {
		step.source = source
		mp.share(i, outputs[0], inputs[source])
		first = 1
	}
	for _, id := range outputs[first:] {
		if slot, ok := mp.joined[id]; ok {
			if err := mp.placeJoined(i, id, slot); err != nil {
				return fmt.Errorf("node %q: output %q: %w", m.nodes[step.node].Layer.Name(), m.valueNames[slot.out], err)
			}
			continue
		}
		n, err := NumElements(p.types[id].Shape)
		if err != nil {
			return fmt.Errorf("node %q: output %q: %w", m.nodes[step.node].Layer.Name(), m.valueNames[id], err)
		}
		buf := mp.allocate(p.types[id].DType, n)
		p.place[id] = placeArena
		mp.bufferOf[id] = buf
		mp.storageOf[id] = mp.newStorage(true, buf, mp.lastRead(id, i))
	}
	return nil
}

// share makes value out, written at step i, use the elements of value
// source.
func (mp *memoryPlanner) share(i, out, source int) {
	mp.p.place[out] = placeShared
	s := mp.storageOf[source]
	mp.storageOf[out] = s
	mp.storages[s].lastRead = max(mp.storages[s].lastRead, mp.lastRead(out, i))
}

// inPlaceSource returns the position of an input that output 0 of step i
// can overwrite, or -1. The input must be writable, have the output's
// type, be read by no later step through any value sharing its elements,
// and share no elements with another input of the node.
func (mp *memoryPlanner) inPlaceSource(i int) int {
	p, m := mp.p, mp.m
	step := p.steps[i]
	inPlace, ok := m.nodes[step.node].Layer.(InPlaceLayer)
	if !ok {
		return -1
	}
	inputs := m.nodeInputs[step.node]
	out := m.nodeOutputs[step.node][0]
	for _, j := range inPlace.InPlaceInputs() {
		if j < 0 || j >= len(inputs) || inputs[j] < 0 {
			continue
		}
		id := inputs[j]
		s := mp.storageOf[id]
		if s < 0 || !mp.storages[s].writable || mp.storages[s].lastRead != i {
			continue
		}
		if p.types[id].DType != p.types[out].DType || !slices.Equal(p.types[id].Shape, p.types[out].Shape) {
			continue
		}
		shared := false
		for k, other := range inputs {
			shared = shared || (k != j && other >= 0 && mp.storageOf[other] == s)
		}
		if !shared {
			return j
		}
	}
	return -1
}

// allocate returns a free buffer of the element type for n elements: the
// smallest that is large enough, else the largest, which grows, else a new
// one.
func (mp *memoryPlanner) allocate(dtype DType, n int) int {
	best := -1
	for b, buf := range mp.buffers {
		if !buf.free || buf.dtype != dtype {
			continue
		}
		switch {
		case best < 0:
			best = b
		case buf.size >= n && (mp.buffers[best].size < n || buf.size < mp.buffers[best].size):
			best = b
		case mp.buffers[best].size < n && buf.size > mp.buffers[best].size:
			best = b
		}
	}
	if best < 0 {
		mp.buffers = append(mp.buffers, buffer{dtype: dtype})
		best = len(mp.buffers) - 1
	}
	mp.buffers[best].free = false
	mp.buffers[best].size = max(mp.buffers[best].size, n)
	return best
}

// release frees the buffers whose values no step after step i reads.
func (mp *memoryPlanner) release(i int) {
	m := mp.m
	node := mp.p.steps[i].node
	for _, ids := range [][]int{m.nodeInputs[node], m.nodeOutputs[node]} {
		for _, id := range ids {
			if id < 0 || mp.storageOf[id] < 0 {
				continue
			}
			s := &mp.storages[mp.storageOf[id]]
			if s.buffer >= 0 && s.lastRead <= i {
				mp.buffers[s.buffer].free = true
				s.buffer = -1
			}
		}
	}
}

// layout gives each buffer its offset in the arena, 64-byte aligned, and
// each arena value the offset of its buffer.
func (mp *memoryPlanner) layout() {
	offsets := make([]int, len(mp.buffers))
	for b, buf := range mp.buffers {
		if buf.dtype == Int64 {
			offsets[b] = mp.p.intSize
			mp.p.intSize += roundUp(buf.size, 8)
		} else {
			offsets[b] = mp.p.floatSize
			mp.p.floatSize += roundUp(buf.size, 16)
		}
	}
	for id, place := range mp.p.place {
		if place == placeArena {
			mp.p.offset[id] = offsets[mp.bufferOf[id]] + mp.within[id]
		}
	}
}

func roundUp(x, multiple int) int { return (x + multiple - 1) / multiple * multiple }
