package nn

// ValueInfo names a graph input or output and gives its shape; a
// dimension of -1 is not fixed by the model.
type ValueInfo struct {
	Name  string
	Shape []int
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
