package nn

import (
	"math"
	"slices"
)

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
	readers, isOutput := graphReaders(nodes, outputs)

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

	return withoutNodes(nodes, dropped)
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

// fuseMaxPools folds into a Conv the MaxPool node that reads its output,
// when that output is no graph output and has no other reader. The
// pooling must be 3×3 with stride 2, no dilation and the same padding of 0
// or 1 before both axes, as in the stems of ResNet and SqueezeNet. The
// Conv gets FuseMaxPool and writes the pooling's output, and the MaxPool
// node is dropped. Shapes are not known here, so Conv checks at planning time
// whether the pair can run fused and otherwise runs them one after the
// other. nodes must be in execution order, and the result keeps that
// order.
func fuseMaxPools(nodes []Node, outputs []ValueInfo) []Node {
	readers, isOutput := graphReaders(nodes, outputs)

	dropped := make(map[int]bool)
	for i, node := range nodes {
		conv, ok := node.Layer.(Conv)
		if !ok || conv.FuseMaxPool != nil || len(node.Outputs) != 1 || isOutput[node.Outputs[0]] {
			continue
		}
		r := readers[node.Outputs[0]]
		if len(r) != 1 {
			continue
		}
		next := nodes[r[0]]
		pool, ok := next.Layer.(MaxPool)
		if !ok || !fusablePool(pool) || len(next.Inputs) != 1 || len(next.Outputs) != 1 {
			continue
		}
		conv.FuseMaxPool = &pool
		nodes[i] = Node{Layer: conv, Inputs: node.Inputs, Outputs: next.Outputs}
		dropped[r[0]] = true
	}

	return withoutNodes(nodes, dropped)
}

// fusablePool reports whether fuseMaxPools folds p into a Conv.
func fusablePool(p MaxPool) bool {
	pads := len(p.Pads) == 0 || (len(p.Pads) == 4 && p.Pads[0] == p.Pads[1] && (p.Pads[0] == 0 || p.Pads[0] == 1))
	dilations := len(p.Dilations) == 0 || slices.Equal(p.Dilations, []int{1, 1})
	return !p.OutputIndices && pads && dilations && (p.AutoPad == "" || p.AutoPad == "NOTSET") &&
		slices.Equal(p.KernelShape, []int{3, 3}) && slices.Equal(p.Strides, []int{2, 2})
}

// graphReaders returns, for each value, the indices of the nodes that read
// it, and the set of graph outputs.
func graphReaders(nodes []Node, outputs []ValueInfo) (readers map[string][]int, isOutput map[string]bool) {
	readers = make(map[string][]int)
	for i, node := range nodes {
		for _, in := range node.Inputs {
			if in != "" {
				readers[in] = append(readers[in], i)
			}
		}
	}
	isOutput = make(map[string]bool)
	for _, out := range outputs {
		isOutput[out.Name] = true
	}
	return readers, isOutput
}

// withoutNodes returns the nodes whose index is not in dropped, in order,
// in a new slice.
func withoutNodes(nodes []Node, dropped map[int]bool) []Node {
	remaining := nodes[:0:0]
	for i, node := range nodes {
		if !dropped[i] {
			remaining = append(remaining, node)
		}
	}
	return remaining
}
