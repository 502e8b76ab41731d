package onnx

import (
	"math"
	"strconv"

	"github.com/simdnn/simdnn/nn"
)

// foldBatchNorm folds each BatchNormalization that reads the output of a
// Conv into that Conv, which then writes the BatchNormalization's output.
// For output channel m, with a = scale[m] / sqrt(var[m] + epsilon), the
// Conv's weights W[m] become W[m]*a and its bias B[m] (0 when absent)
// becomes (B[m] - mean[m])*a + bias[m], computed in float64 and rounded
// once. The folded Conv differs from the two layers by float32 rounding
// only.
//
// A pair is folded only when the Conv output has no other reader and is
// not a graph output, and when the weights, the Conv bias and the four
// BatchNormalization parameters are constant float32 initializers of
// matching shapes. The new weights get new names, so initializers that
// other nodes share are left unchanged.
func foldBatchNorm(g *nn.Graph) {
	inputs := make(map[string]bool, len(g.Inputs))
	for _, in := range g.Inputs {
		inputs[in.Name] = true
	}
	readers := make(map[string]int)
	producer := make(map[string]int)
	for i, n := range g.Nodes {
		for _, in := range n.Inputs {
			readers[in]++
		}
		for _, out := range n.Outputs {
			producer[out] = i
		}
	}
	for _, out := range g.Outputs {
		readers[out.Name]++
	}
	constant := func(name string) *nn.Tensor {
		t, ok := g.Initializers[name]
		if !ok || inputs[name] || t.DType != nn.Float32 {
			return nil
		}
		return t
	}

	removed := make([]bool, len(g.Nodes))
	for i, n := range g.Nodes {
		bn, ok := n.Layer.(nn.BatchNormalization)
		if !ok || len(n.Inputs) != 5 || len(n.Outputs) != 1 {
			continue
		}
		x := n.Inputs[0]
		p, ok := producer[x]
		if !ok || readers[x] != 1 || removed[p] {
			continue
		}
		conv := &g.Nodes[p]
		if conv.Layer.OpType() != "Conv" || len(conv.Outputs) != 1 || len(conv.Inputs) < 2 {
			continue
		}
		folded := foldWeights(bn, conv.Inputs, n.Inputs[1:], constant)
		if folded == nil {
			continue
		}

		weightName := unusedName(g, conv.Inputs[1]+"/folded_"+bn.NodeName)
		g.Initializers[weightName] = folded[0]
		biasName := unusedName(g, weightName+"_bias")
		g.Initializers[biasName] = folded[1]
		conv.Inputs = []string{conv.Inputs[0], weightName, biasName}
		conv.Outputs = []string{n.Outputs[0]}
		removed[i] = true
	}

	kept := g.Nodes[:0]
	for i, n := range g.Nodes {
		if !removed[i] {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
	dropUnreadInitializers(g)
}

// foldWeights returns the folded weights and bias of a Conv with inputs
// convInputs followed by bn with parameters params (scale, B, mean, var),
// or nil when a tensor is not a constant of the expected shape.
func foldWeights(bn nn.BatchNormalization, convInputs, params []string, constant func(string) *nn.Tensor) []*nn.Tensor {
	w := constant(convInputs[1])
	if w == nil || len(w.Shape) < 2 || w.Shape[0] == 0 {
		return nil
	}
	channels := w.Shape[0]
	isVector := func(t *nn.Tensor) bool { return t != nil && len(t.Shape) == 1 && t.Shape[0] == channels }

	var p [4]*nn.Tensor
	for j, name := range params {
		if p[j] = constant(name); !isVector(p[j]) {
			return nil
		}
	}
	var convBias *nn.Tensor
	if len(convInputs) > 2 && convInputs[2] != "" {
		if convBias = constant(convInputs[2]); !isVector(convBias) {
			return nil
		}
	}

	scale, beta, mean, variance := p[0].Data, p[1].Data, p[2].Data, p[3].Data
	weights := make([]float32, len(w.Data))
	bias := make([]float32, channels)
	block := len(w.Data) / channels
	for m := range channels {
		a := float64(scale[m]) / math.Sqrt(float64(variance[m])+float64(bn.Epsilon))
		for k, v := range w.Data[m*block : (m+1)*block] {
			weights[m*block+k] = float32(float64(v) * a)
		}
		b := 0.0
		if convBias != nil {
			b = float64(convBias.Data[m])
		}
		bias[m] = float32((b-float64(mean[m]))*a + float64(beta[m]))
	}

	foldedW, _ := nn.FromSlice(weights, w.Shape...)
	foldedB, _ := nn.FromSlice(bias, channels)
	return []*nn.Tensor{foldedW, foldedB}
}

// unusedName returns name, or name with a numeric suffix, such that no
// initializer, input or node output has it.
func unusedName(g *nn.Graph, name string) string {
	taken := func(s string) bool {
		if _, ok := g.Initializers[s]; ok {
			return true
		}
		for _, in := range g.Inputs {
			if in.Name == s {
				return true
			}
		}
		for _, n := range g.Nodes {
			for _, out := range n.Outputs {
				if out == s {
					return true
				}
			}
		}
		return false
	}
	candidate := name
	for k := 1; taken(candidate); k++ {
		candidate = name + "_" + strconv.Itoa(k)
	}
	return candidate
}
