package nn

// Joined concatenations: when a Concat joins along an axis with only
// dimensions of 1 before it (channels of one image, as in SqueezeNet's
// fire modules), each input is one contiguous range of the output. The
// memory plan then places every input inside the output's buffer, so the
// layers that compute the inputs write the joined tensor directly and the
// Concat step copies nothing.

// concatSlot is the place of a value inside the output of a joined
// Concat: that output's value id and the offset in elements.
type concatSlot struct {
	out    int
	offset int
}

// joinConcats marks as stepJoined each Concat step whose inputs can be
// computed into its output, and returns the slot of every such input.
func (mp *memoryPlanner) joinConcats() map[int]concatSlot {
	m, p := mp.m, mp.p
	producer := make([]int, len(m.valueNames))
	readers := make([]int, len(m.valueNames))
	for i := range producer {
		producer[i] = -1
	}
	for i := range m.nodes {
		for _, id := range m.nodeOutputs[i] {
			if id >= 0 {
				producer[id] = i
			}
		}
		for _, id := range m.nodeInputs[i] {
			if id >= 0 {
				readers[id]++
			}
		}
	}

	var slots map[int]concatSlot
	for i := range p.steps {
		members, ok := mp.joinable(i, producer, readers)
		if !ok {
			continue
		}
		if slots == nil {
			slots = make(map[int]concatSlot)
		}
		out := m.nodeOutputs[i][0]
		offset := 0
		for _, id := range members {
			slots[id] = concatSlot{out: out, offset: offset}
			n, _ := NumElements(p.types[id].Shape) // checked by joinable
			offset += n
		}
		p.steps[i].kind = stepJoined
	}
	return slots
}

// joinable returns the inputs of step i when it is a Concat that can be
// joined. The Concat must join float32 values along an axis with only
// dimensions of 1 before it. Each input must come from a ForwardInto step
// of a layer other than Concat and be read once, by this Concat alone.
func (mp *memoryPlanner) joinable(i int, producer, readers []int) ([]int, bool) {
	m, p := mp.m, mp.p
	step := p.steps[i]
	concat, ok := m.nodes[step.node].Layer.(Concat)
	outputs, inputs := m.nodeOutputs[step.node], m.nodeInputs[step.node]
	if !ok || step.kind != stepInto || len(outputs) != 1 || outputs[0] < 0 || len(inputs) == 0 {
		return nil, false
	}
	t := p.types[outputs[0]]
	if t.DType != Float32 {
		return nil, false
	}
	axis, err := concat.resolveAxis(len(t.Shape), t.Shape)
	if err != nil {
		return nil, false
	}
	for _, d := range t.Shape[:axis] {
		if d != 1 {
			return nil, false
		}
	}

	for _, id := range inputs {
		if id < 0 || readers[id] != 1 || m.lastRead[id] != i || producer[id] < 0 || m.constant[id] {
			return nil, false
		}
		if id < len(p.known) && p.known[id] != nil {
			return nil, false
		}
		if _, err := NumElements(p.types[id].Shape); err != nil {
			return nil, false
		}
		from := p.steps[producer[id]]
		if from.kind != stepInto {
			return nil, false
		}
		if _, isConcat := m.nodes[from.node].Layer.(Concat); isConcat {
			return nil, false
		}
	}
	return inputs, true
}

// placeJoined places value id, an output of step i, in its slot of a
// joined Concat's output. The first input placed allocates the output's
// buffer, which the output's storage owns until its last reader. The
// inputs share that storage.
func (mp *memoryPlanner) placeJoined(i, id int, slot concatSlot) error {
	p := mp.p
	out := slot.out
	if mp.storageOf[out] < 0 {
		n, err := NumElements(p.types[out].Shape)
		if err != nil {
			return err
		}
		buf := mp.allocate(p.types[out].DType, n)
		p.place[out] = placeArena
		mp.bufferOf[out] = buf
		mp.storageOf[out] = mp.newStorage(true, buf, mp.lastRead(out, i))
	}
	p.place[id] = placeArena
	mp.bufferOf[id] = mp.bufferOf[out]
	mp.within[id] = slot.offset
	mp.storageOf[id] = mp.storageOf[out]
	return nil
}
