package onnx

import (
	"fmt"

	"github.com/simdnn/simdnn/internal/onnxpb"
	"github.com/simdnn/simdnn/nn"
)

// graphBuilder converts a GraphProto and checks that every value has
// exactly one producer: a graph input, an initializer or a node output.
// Cycles are left to nn.NewModel, which orders the nodes.
type graphBuilder struct {
	opset     int64
	irVersion int64
	graph     *nn.Graph

	// producers maps each value name to a description of what produces it,
	// for messages about duplicates.
	producers map[string]string
}

func buildGraph(gp *onnxpb.GraphProto, opset, irVersion int64) (*nn.Graph, error) {
	b := &graphBuilder{
		opset:     opset,
		irVersion: irVersion,
		graph:     &nn.Graph{Initializers: make(map[string]*nn.Tensor)},
		producers: make(map[string]string),
	}
	if n := len(gp.GetSparseInitializer()); n > 0 {
		return nil, fmt.Errorf("graph has %d sparse initializers; sparse tensors are not supported, so store them dense", n)
	}

	steps := []func(*onnxpb.GraphProto) error{
		b.addInitializers,
		b.addInputs,
		b.addNodes,
		b.checkNodeInputs,
		b.addOutputs,
	}
	for _, step := range steps {
		if err := step(gp); err != nil {
			return nil, err
		}
	}
	return b.graph, nil
}

// produce records that producer writes name.
func (b *graphBuilder) produce(name, producer string) error {
	if earlier, ok := b.producers[name]; ok {
		return fmt.Errorf("value %q is produced twice, by %s and by %s; ONNX requires exactly one producer per value", name, earlier, producer)
	}
	b.producers[name] = producer
	return nil
}

func (b *graphBuilder) addInitializers(gp *onnxpb.GraphProto) error {
	for i, tp := range gp.GetInitializer() {
		name := tp.GetName()
		if name == "" {
			return fmt.Errorf("initializer %d has no name", i)
		}
		t, err := tensorFromProto(tp)
		if err != nil {
			return err
		}
		if err := b.produce(name, "an initializer"); err != nil {
			return err
		}
		b.graph.Initializers[name] = t
	}
	return nil
}

// addInputs adds the graph inputs. An input that shares its name with an
// initializer takes the initializer as its default value, so it produces
// nothing new. Before IR version 4, ONNX required every initializer to be
// listed as a graph input, so there such an input is left out: the
// initializer is a constant that no call can replace.
func (b *graphBuilder) addInputs(gp *onnxpb.GraphProto) error {
	listed := make(map[string]bool)
	for _, vi := range gp.GetInput() {
		v, err := readValueInfo(vi, "graph input")
		if err != nil {
			return err
		}
		if listed[v.name] {
			return fmt.Errorf("graph input %q is listed twice", v.name)
		}
		listed[v.name] = true

		var info nn.ValueInfo
		if init, ok := b.graph.Initializers[v.name]; ok {
			info, err = defaultedInputInfo(v, init)
			if err == nil && b.irVersion < 4 {
				continue
			}
		} else {
			info, err = inputInfo(v)
			if err == nil {
				err = b.produce(v.name, "a graph input")
			}
		}
		if err != nil {
			return err
		}
		b.graph.Inputs = append(b.graph.Inputs, info)
	}
	return nil
}

func (b *graphBuilder) addNodes(gp *onnxpb.GraphProto) error {
	read := make(map[string]bool)
	for _, node := range gp.GetNode() {
		for _, input := range node.GetInput() {
			read[input] = true
		}
	}
	for _, vi := range gp.GetOutput() {
		read[vi.GetName()] = true
	}
	for i, node := range gp.GetNode() {
		c, err := newNodeContext(i, node, b.opset)
		if err != nil {
			return err
		}
		c.read = read
		if err := checkDomain(c); err != nil {
			return err
		}

		if node.GetOpType() == "Constant" {
			if err := b.addConstant(c); err != nil {
				return err
			}
			continue
		}

		n, err := convertNode(c)
		if err != nil {
			return err
		}
		for _, output := range n.Outputs {
			if err := b.produce(output, fmt.Sprintf("node %s (%s)", c.label(), node.GetOpType())); err != nil {
				return err
			}
		}
		b.graph.Nodes = append(b.graph.Nodes, n)
	}
	return nil
}

func (b *graphBuilder) addConstant(c *nodeContext) error {
	t, err := constantTensor(c)
	if err != nil {
		return err
	}
	output := c.node.GetOutput()[0]
	if err := b.produce(output, fmt.Sprintf("node %s (Constant)", c.label())); err != nil {
		return err
	}
	b.graph.Initializers[output] = t
	return nil
}

// checkNodeInputs runs after every node is added, because ONNX does not
// require nodes to be sorted.
func (b *graphBuilder) checkNodeInputs(gp *onnxpb.GraphProto) error {
	for i, node := range gp.GetNode() {
		for k, input := range node.GetInput() {
			if input == "" {
				continue
			}
			if _, ok := b.producers[input]; !ok {
				c := &nodeContext{index: i, node: node}
				return c.errorf("input %d %q is not produced by any node, graph input or initializer", k, input)
			}
		}
	}
	return nil
}

func (b *graphBuilder) addOutputs(gp *onnxpb.GraphProto) error {
	listed := make(map[string]bool)
	for _, vi := range gp.GetOutput() {
		v, err := readValueInfo(vi, "graph output")
		if err != nil {
			return err
		}
		if listed[v.name] {
			return fmt.Errorf("graph output %q is listed twice", v.name)
		}
		listed[v.name] = true
		if _, ok := b.producers[v.name]; !ok {
			return fmt.Errorf("graph output %q is not produced by any node, graph input or initializer", v.name)
		}
		info, err := outputInfo(v)
		if err != nil {
			return err
		}
		b.graph.Outputs = append(b.graph.Outputs, info)
	}
	if len(b.graph.Outputs) == 0 {
		return fmt.Errorf("graph has no outputs")
	}
	return nil
}
