package nn

import (
	"container/heap"
	"fmt"
	"maps"
	"slices"
)

// ValueInfo names a graph input or output and gives its shape; a
// dimension of -1 is not fixed by the model.
type ValueInfo struct {
	Name  string
	Shape []int
	DType DType // element type, Float32 when left zero
}

// Node is one Layer in a Graph with the names of the values it reads and
// writes. An empty input name is an absent optional input.
type Node struct {
	Layer   Layer
	Inputs  []string
	Outputs []string
}

// Graph describes a model before it is checked: its inputs, outputs,
// constant tensors (ONNX initializers) and nodes in any order. An
// initializer whose name is also an input is that input's default value.
type Graph struct {
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	Initializers map[string]*Tensor
	Nodes        []Node
}

// Model is a checked graph with its nodes in execution order. It is not
// modified after NewModel, except for the cache of memory plans, so Run
// may be called from several goroutines at once (the package documentation
// describes the concurrency contract).
type Model struct {
	inputs       []ValueInfo
	outputs      []ValueInfo
	initializers map[string]*Tensor
	nodes        []Node // topologically sorted

	// Every value (graph input, initializer or node output) has an index,
	// its value id, into valueNames and the per-value slices below.
	valueIDs   map[string]int
	valueNames []string

	// nodeInputs and nodeOutputs give, for each node, the value ids it
	// reads and writes, with -1 for an absent input or unused output.
	nodeInputs, nodeOutputs [][]int

	// inputIDs and outputIDs are the value ids of the graph inputs and
	// outputs, in graph order.
	inputIDs, outputIDs []int

	// constant marks the initializers that are not graph inputs, whose
	// values no call can replace.
	constant []bool

	// lastRead is, for each value, the index in nodes of the last node
	// that reads it, len(nodes) for a graph output, or -1 if nothing reads
	// it.
	lastRead []int

	plans planCache
}

// NewModel checks g and orders its nodes for execution. It returns an error
// if a name is empty or defined twice, or if the nodes form a cycle. It
// also rejects a node input or graph output that no graph input,
// initializer or node defines, and an initializer that is inconsistent with
// its shape or with the graph input it is the default for.
//
// When every graph input without a default has a fixed shape and every
// layer can infer its output types (see TypeInferrer), NewModel also
// infers the shape of every value and plans the memory of a run. A layer
// that rejects those shapes then makes NewModel return its error.
//
// The model keeps the initializer tensors without copying them; they must
// not be modified afterwards.
func NewModel(g Graph) (*Model, error) {
	m := &Model{
		inputs:       cloneValueInfos(g.Inputs),
		outputs:      cloneValueInfos(g.Outputs),
		initializers: make(map[string]*Tensor, len(g.Initializers)),
	}

	// defined maps every value name to what defines it, for error messages.
	defined := make(map[string]string)
	for _, in := range m.inputs {
		if in.Name == "" {
			return nil, fmt.Errorf("graph input with shape %v has an empty name", in.Shape)
		}
		if _, ok := defined[in.Name]; ok {
			return nil, fmt.Errorf("graph input %q is listed twice", in.Name)
		}
		for _, d := range in.Shape {
			if d < -1 {
				return nil, fmt.Errorf("graph input %q has shape %v, want dimensions of at least 0, or -1 for a free dimension", in.Name, in.Shape)
			}
		}
		defined[in.Name] = "graph input"
	}
	for _, name := range slices.Sorted(maps.Keys(g.Initializers)) {
		t := g.Initializers[name]
		if name == "" {
			return nil, fmt.Errorf("an initializer has an empty name")
		}
		if t == nil {
			return nil, fmt.Errorf("initializer %q is nil", name)
		}
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("initializer %q: %w", name, err)
		}
		m.initializers[name] = t
		if _, ok := defined[name]; !ok {
			defined[name] = "initializer"
		}
	}
	for _, in := range m.inputs {
		if t, ok := m.initializers[in.Name]; ok {
			if err := checkValue(in, t); err != nil {
				return nil, fmt.Errorf("initializer for graph input %q: %w", in.Name, err)
			}
		}
	}

	producer := make(map[string]int) // value name to the index in g.Nodes of the node that writes it
	for i, node := range g.Nodes {
		if node.Layer == nil {
			return nil, fmt.Errorf("node %d has no layer", i)
		}
		for _, out := range node.Outputs {
			if out == "" {
				continue // an optional output that the model does not use
			}
			if definer, ok := defined[out]; ok {
				return nil, fmt.Errorf("node %q: output %q is already defined by %s", node.Layer.Name(), out, definer)
			}
			defined[out] = fmt.Sprintf("node %q", node.Layer.Name())
			producer[out] = i
		}
	}

	order, err := sortNodes(g.Nodes, defined, producer)
	if err != nil {
		return nil, err
	}
	for _, i := range order {
		m.nodes = append(m.nodes, cloneNode(g.Nodes[i]))
	}

	seen := make(map[string]bool)
	for _, out := range m.outputs {
		if _, ok := defined[out.Name]; !ok {
			return nil, fmt.Errorf("graph output %q is not defined by any input, initializer or node", out.Name)
		}
		if seen[out.Name] {
			return nil, fmt.Errorf("graph output %q is listed twice", out.Name)
		}
		seen[out.Name] = true
	}

	isInput := make(map[string]bool)
	for _, in := range m.inputs {
		isInput[in.Name] = true
	}
	m.nodes = fuseActivations(m.nodes, m.outputs, func(name string) *Tensor {
		if isInput[name] {
			return nil
		}
		return m.initializers[name]
	})
	m.nodes = fuseMaxPools(m.nodes, m.outputs)
	m.indexValues()
	if err := m.planDeclaredShapes(); err != nil {
		return nil, err
	}
	return m, nil
}

// indexValues numbers the values and fills the per-value slices.
func (m *Model) indexValues() {
	m.valueIDs = make(map[string]int)
	add := func(name string) int {
		if id, ok := m.valueIDs[name]; ok {
			return id
		}
		id := len(m.valueNames)
		m.valueIDs[name] = id
		m.valueNames = append(m.valueNames, name)
		return id
	}
	for _, in := range m.inputs {
		m.inputIDs = append(m.inputIDs, add(in.Name))
	}
	for _, name := range slices.Sorted(maps.Keys(m.initializers)) {
		add(name)
	}
	lookup := func(names []string) []int {
		ids := make([]int, len(names))
		for i, name := range names {
			ids[i] = -1
			if name != "" {
				ids[i] = add(name)
			}
		}
		return ids
	}
	for _, node := range m.nodes {
		m.nodeInputs = append(m.nodeInputs, lookup(node.Inputs))
		m.nodeOutputs = append(m.nodeOutputs, lookup(node.Outputs))
	}
	for _, out := range m.outputs {
		m.outputIDs = append(m.outputIDs, m.valueIDs[out.Name])
	}

	m.constant = make([]bool, len(m.valueNames))
	for name := range m.initializers {
		m.constant[m.valueIDs[name]] = true
	}
	for _, id := range m.inputIDs {
		m.constant[id] = false
	}
	m.lastRead = make([]int, len(m.valueNames))
	for i := range m.lastRead {
		m.lastRead[i] = -1
	}
	for i, ids := range m.nodeInputs {
		for _, id := range ids {
			if id >= 0 {
				m.lastRead[id] = i
			}
		}
	}
	for _, id := range m.outputIDs {
		m.lastRead[id] = len(m.nodes)
	}
}

// sortNodes returns the indices of nodes in an order where every node comes
// after the nodes whose outputs it reads, using Kahn's algorithm. Among
// nodes that are ready at the same time, the earlier in nodes runs first.
func sortNodes(nodes []Node, defined map[string]string, producer map[string]int) ([]int, error) {
	// pending counts the inputs of each node that another node still has
	// to produce; readers lists the nodes that read each node's outputs.
	pending := make([]int, len(nodes))
	readers := make([][]int, len(nodes))
	for i, node := range nodes {
		for _, in := range node.Inputs {
			if in == "" {
				continue
			}
			if _, ok := defined[in]; !ok {
				return nil, fmt.Errorf("node %q: input %q is not a graph input, initializer or node output", node.Layer.Name(), in)
			}
			if p, ok := producer[in]; ok {
				pending[i]++
				readers[p] = append(readers[p], i)
			}
		}
	}

	// ready is a min-heap of node indices, so that the lowest ready index
	// comes first and the order is deterministic, in n log n time.
	ready := &indexHeap{}
	for i := range nodes {
		if pending[i] == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]int, 0, len(nodes))
	for ready.Len() > 0 {
		next := heap.Pop(ready).(int)
		order = append(order, next)
		for _, r := range readers[next] {
			pending[r]--
			if pending[r] == 0 {
				heap.Push(ready, r)
			}
		}
	}

	if len(order) < len(nodes) {
		var stuck []string
		for i, node := range nodes {
			if pending[i] > 0 {
				stuck = append(stuck, fmt.Sprintf("%q", node.Layer.Name()))
			}
		}
		return nil, fmt.Errorf("graph has a cycle: nodes %v wait on each other or on a node in a cycle", stuck)
	}
	return order, nil
}

// Inputs returns the graph inputs, including those with an initializer as
// default value.
func (m *Model) Inputs() []ValueInfo { return cloneValueInfos(m.inputs) }

// Outputs returns the graph outputs in the order of the graph.
func (m *Model) Outputs() []ValueInfo { return cloneValueInfos(m.outputs) }

func cloneValueInfos(infos []ValueInfo) []ValueInfo {
	out := make([]ValueInfo, len(infos))
	for i, info := range infos {
		out[i] = info
		out[i].Shape = slices.Clone(info.Shape)
	}
	return out
}

func cloneNode(n Node) Node {
	return Node{Layer: n.Layer, Inputs: slices.Clone(n.Inputs), Outputs: slices.Clone(n.Outputs)}
}

// indexHeap is a min-heap of ints for container/heap.
type indexHeap []int

func (h indexHeap) Len() int           { return len(h) }
func (h indexHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h indexHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *indexHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *indexHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
