package onnx

import (
	"fmt"
	"math"

	"github.com/simdnn/simdnn/nn"
)

// foldLimit bounds the bytes of the tensors that foldConstants computes
// while loading: 4 GiB, or the largest int where int has 32 bits.
// ConstantOfShape is the operator whose output can be far larger than the
// file, while the weights of real models stay well below the limit
// (VGG-19 has 1.4e8 float32s, 0.56 GB).
var foldLimit = min(1<<32, math.MaxInt)

// foldConstants replaces every node whose inputs are all constants, or
// computed from constants, with initializers that hold its outputs. A
// constant is an initializer that is not a graph input, so no call can
// replace it. Exporters emit such nodes for weights (ConstantOfShape) and
// shapes, and folding them at load keeps runs on float tensors.
//
// Only operators whose work is linear in their sizes (nn.LinearCost) and
// whose layers implement nn.TypeInferrer are folded, so that the limit on
// sizes bounds the work as well, and so that the size of each result is known
// before it is computed. The results may take at most limit bytes in all,
// and a larger one is an error that names the node. Initializers that
// nothing reads any more are dropped.
func foldConstants(g *nn.Graph, limit int) error {
	inputs := make(map[string]bool, len(g.Inputs))
	for _, in := range g.Inputs {
		inputs[in.Name] = true
	}
	isConstant := func(name string) bool {
		_, ok := g.Initializers[name]
		return ok && !inputs[name]
	}

	// pending counts the inputs of each node that are not constant yet,
	// and readers lists the nodes that read each such value.
	pending := make([]int, len(g.Nodes))
	readers := make(map[string][]int)
	var ready []int
	for i, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != "" && !isConstant(in) {
				pending[i]++
				readers[in] = append(readers[in], i)
			}
		}
		if pending[i] == 0 {
			ready = append(ready, i)
		}
	}

	folded := make([]bool, len(g.Nodes))
	used := 0
	for len(ready) > 0 {
		i := ready[0]
		ready = ready[1:]
		n := g.Nodes[i]
		size, ok, err := foldNode(g, n, limit-used, limit)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		folded[i] = true
		used += size
		for _, out := range n.Outputs {
			for _, r := range readers[out] {
				pending[r]--
				if pending[r] == 0 {
					ready = append(ready, r)
				}
			}
		}
	}

	kept := g.Nodes[:0]
	for i, n := range g.Nodes {
		if !folded[i] {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
	dropUnreadInitializers(g)
	return nil
}

// foldNode computes the outputs of n, whose inputs are initializers, and
// stores them as initializers. It reports false, without error, for a
// layer that is not foldable, and returns an error if the outputs would
// take more than budget bytes, what is left of limit, or the layer rejects
// its inputs.
func foldNode(g *nn.Graph, n nn.Node, budget, limit int) (int, bool, error) {
	inferrer, ok := n.Layer.(nn.TypeInferrer)
	if !ok || !nn.LinearCost(n.Layer.OpType()) {
		return 0, false, nil
	}
	args := make([]*nn.Tensor, len(n.Inputs))
	types := make([]*nn.TensorType, len(n.Inputs))
	for j, in := range n.Inputs {
		if in == "" {
			continue
		}
		args[j] = g.Initializers[in]
		t := nn.TypeOf(args[j])
		types[j] = &t
	}

	outTypes, err := inferrer.InferTypes(types, args)
	if err != nil {
		return 0, false, fmt.Errorf("node %q: %w", n.Layer.Name(), err)
	}
	size := 0
	for _, t := range outTypes {
		count, err := nn.NumElements(t.Shape)
		elementSize := 4
		if t.DType == nn.Int64 {
			elementSize = 8
		}
		if err != nil || count > (budget-size)/elementSize {
			return 0, false, fmt.Errorf("node %q (%s) computes constant outputs of shape %v from constant inputs, more than the %d bytes that loading may compute; the file is likely corrupt",
				n.Layer.Name(), n.Layer.OpType(), t.Shape, limit)
		}
		size += count * elementSize
	}

	results, err := n.Layer.Forward(args)
	if err != nil {
		return 0, false, fmt.Errorf("node %q: %w", n.Layer.Name(), err)
	}
	for j, out := range n.Outputs {
		if out == "" {
			continue
		}
		if j >= len(results) || results[j] == nil {
			return 0, false, fmt.Errorf("node %q: %s produced %d outputs, but the graph reads output %d as %q", n.Layer.Name(), n.Layer.OpType(), len(results), j, out)
		}
		g.Initializers[out] = results[j]
	}
	return size, true, nil
}

// dropUnreadInitializers removes the initializers that no node, graph
// input or graph output refers to.
func dropUnreadInitializers(g *nn.Graph) {
	read := make(map[string]bool)
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			read[in] = true
		}
	}
	for _, v := range g.Inputs {
		read[v.Name] = true
	}
	for _, v := range g.Outputs {
		read[v.Name] = true
	}
	for name := range g.Initializers {
		if !read[name] {
			delete(g.Initializers, name)
		}
	}
}
