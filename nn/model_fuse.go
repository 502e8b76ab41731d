package nn

import "math"

// fuseActivations folds activations into the Conv or Add before them. It
// takes a Conv whose output is no graph output and is read only by one
// Relu, or by one Clip with a lower bound of 0 and an upper bound above 0
// (ReLU6), and an Add read only by one Relu. That node gets FuseReLU (and
// FuseCap) and writes the activation's output, and the activation node is
// dropped. The output is then written once, with the activation applied
// while each part of it is in cache. constant returns the value of an
// initializer that no call can replace, for Clip's bound inputs. nodes
// must be in execution order, and the result keeps that order.
func fuseActivations(nodes []Node, outputs []ValueInfo, constant func(name string) *Tensor) []Node {
	readers := make(map[string][]int)
	for i, node := range nodes {
		for _, in := range node.Inputs {
			if in != "" {
				readers[in] = append(readers[in], i)
			}
		}
	}
	isOutput := make(map[string]bool)
	for _, out := range outputs {
		isOutput[out.Name] = true
	}

	dropped := make(map[int]bool)
	for i, node := range nodes {
		conv, isConv := node.Layer.(Conv)
		add, isAdd := node.Layer.(Add)
		fusable := (isConv && !conv.FuseReLU) || (isAdd && !add.FuseReLU)
		if !fusable || len(node.Outputs) != 1 || isOutput[node.Outputs[0]] {
			continue
		}
		r := readers[node.Outputs[0]]
		if len(r) != 1 {
			continue
		}
		act := nodes[r[0]]
		if len(act.Outputs) != 1 || len(act.Inputs) == 0 || act.Inputs[0] != node.Outputs[0] {
			continue
		}
		switch layer := act.Layer.(type) {
		case Relu:
			if len(act.Inputs) != 1 {
				continue
			}
		case Clip:
			if isAdd {
				continue
			}
			hi, ok := reluCap(layer, act.Inputs, constant)
			if !ok {
				continue
			}
			conv.FuseCap = hi
		default:
			continue
		}
		conv.FuseReLU, add.FuseReLU = true, true
		var fused Layer = add
		if isConv {
			fused = conv
		}
		nodes[i] = Node{Layer: fused, Inputs: node.Inputs, Outputs: act.Outputs}
		dropped[r[0]] = true
	}

	fused := nodes[:0:0]
	for i, node := range nodes {
		if !dropped[i] {
			fused = append(fused, node)
		}
	}
	return fused
}

// reluCap returns the upper bound of a Clip node that is a capped ReLU:
// lower bound 0 and upper bound above 0, each an attribute (opsets 6 to
// 10) or a constant float32 scalar input (opset 11 on). ok is false for
// any other Clip.
func reluCap(c Clip, inputs []string, constant func(name string) *Tensor) (hi float32, ok bool) {
	bound := func(i int, attribute float32) (float32, bool) {
		if i >= len(inputs) || inputs[i] == "" {
			return attribute, true
		}
		t := constant(inputs[i])
		if t == nil || t.DType != Float32 || len(t.Data) != 1 {
			return 0, false
		}
		return t.Data[0], true
	}
	lo, ok := bound(1, c.Min)
	if !ok || lo != 0 {
		return 0, false
	}
	hi, ok = bound(2, c.Max)
	if !ok || !(hi > 0) {
		return 0, false
	}
	if math.IsInf(float64(hi), 1) {
		// Clip(0, +Inf) is plain ReLU: FuseCap 0.
		return 0, true
	}
	return hi, true
}
