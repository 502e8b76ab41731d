package nn

// fuseConvRelu rewrites every Conv whose output is read by one Relu and
// nothing else (and is no graph output) into a Conv with FuseReLU set that
// writes the Relu's output, and drops the Relu. The output is then written
// once, with ReLU applied while each tile is in cache, instead of being
// written, read and written again. nodes must be in execution order; the
// result keeps that order.
func fuseConvRelu(nodes []Node, outputs []ValueInfo) []Node {
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
		conv, ok := node.Layer.(Conv)
		if !ok || conv.FuseReLU || len(node.Outputs) != 1 || isOutput[node.Outputs[0]] {
			continue
		}
		r := readers[node.Outputs[0]]
		if len(r) != 1 {
			continue
		}
		relu := nodes[r[0]]
		if _, ok := relu.Layer.(Relu); !ok || len(relu.Inputs) != 1 || len(relu.Outputs) != 1 {
			continue
		}
		conv.FuseReLU = true
		nodes[i] = Node{Layer: conv, Inputs: node.Inputs, Outputs: relu.Outputs}
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
