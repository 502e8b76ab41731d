package breaktest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/simdnn/simdnn/nn"
)

// Random multi-node graphs: the memory plan reuses buffers once no later
// node reads them, runs elementwise layers in place, shares the elements
// of views and fuses Conv with a following Relu. Each graph here is run
// with Run, RunInto and, where it fits, PredictInto, and compared bit for
// bit with the same layers' Forward called one by one.

// graphValue is a value of a random graph and its shape.
type graphValue struct {
	name  string
	shape []int
}

// randomGraph builds a DAG on x [b, 3, 4, 4] whose nodes keep shapes that
// later nodes can combine. It returns the graph and the nodes in the order
// they were made, which is a valid execution order.
func randomGraph(g *gen, batchFree bool) (nn.Graph, []nn.Node) {
	base := []int{2, 3, 4, 4}
	graph := nn.Graph{Initializers: map[string]*nn.Tensor{}}
	inShape := slices.Clone(base)
	if batchFree {
		inShape[0] = -1
	}
	graph.Inputs = []nn.ValueInfo{{Name: "x", Shape: inShape}}
	vals := []graphValue{{"x", base}}
	count := 0
	fresh := func(prefix string) string {
		count++
		return fmt.Sprintf("%s%d", prefix, count)
	}
	constant := func(shape ...int) string {
		name := fresh("c")
		graph.Initializers[name] = g.finiteTensor(shape...)
		return name
	}
	int64Const := func(values ...int64) string {
		name := fresh("i")
		t, _ := nn.FromInt64(values, len(values))
		graph.Initializers[name] = t
		return name
	}
	// pick returns a value, favouring recent ones, with the given shape
	// when want is not nil.
	pick := func(want []int) (graphValue, bool) {
		var candidates []graphValue
		for _, v := range vals {
			if want == nil || slices.Equal(v.shape, want) {
				candidates = append(candidates, v)
			}
		}
		if len(candidates) == 0 {
			return graphValue{}, false
		}
		if g.chance(0.6) {
			return candidates[len(candidates)-1-g.intn(min(3, len(candidates)))], true
		}
		return candidates[g.intn(len(candidates))], true
	}
	var nodes []nn.Node
	add := func(layer nn.Layer, inputs []string, shape []int) {
		out := fresh("v")
		n := nn.Node{Layer: layer, Inputs: inputs, Outputs: []string{out}}
		nodes = append(nodes, n)
		vals = append(vals, graphValue{out, shape})
	}

	steps := 3 + g.intn(12)
	for range steps {
		a, _ := pick(nil)
		name := fresh("n")
		switch g.intn(14) {
		case 0:
			add(nn.Relu{NodeName: name}, []string{a.name}, a.shape)
		case 1:
			add(nn.Sigmoid{NodeName: name}, []string{a.name}, a.shape)
		case 2:
			add(nn.Clip{NodeName: name, Min: -0.5, Max: 0.5}, []string{a.name}, a.shape)
		case 3:
			add(nn.LeakyRelu{NodeName: name, Alpha: 0.1}, []string{a.name}, a.shape)
		case 4, 5:
			b, _ := pick(a.shape)
			var layer nn.Layer = nn.Add{NodeName: name}
			if g.chance(0.5) {
				layer = nn.Mul{NodeName: name}
			}
			inputs := []string{a.name, b.name}
			if g.chance(0.3) {
				inputs[1] = constant(a.shape[len(a.shape)-1])
			}
			if g.chance(0.3) {
				inputs[0], inputs[1] = inputs[1], inputs[0]
			}
			add(layer, inputs, a.shape)
		case 6:
			b, _ := pick(a.shape)
			c, _ := pick(a.shape)
			add(nn.Sum{NodeName: name}, []string{a.name, b.name, c.name}, a.shape)
		case 7:
			add(nn.Identity{NodeName: name}, []string{a.name}, a.shape)
		case 8:
			// Flatten, or Reshape back to the base shape.
			if len(a.shape) == 4 {
				add(nn.Flatten{NodeName: name, Axis: 1}, []string{a.name}, []int{a.shape[0], a.shape[1] * a.shape[2] * a.shape[3]})
			} else {
				add(nn.Reshape{NodeName: name}, []string{a.name, int64Const(-1, 3, 4, 4)}, base)
			}
		case 9:
			// Swap the last two axes, which have the same length.
			perm := make([]int, len(a.shape))
			for i := range perm {
				perm[i] = i
			}
			if r := len(perm); r >= 3 {
				perm[r-1], perm[r-2] = perm[r-2], perm[r-1]
			}
			add(nn.Transpose{NodeName: name, Perm: perm}, []string{a.name}, a.shape)
		case 10:
			if len(a.shape) == 4 {
				// Conv 3 -> 3 channels, 3×3 with padding 1: the same shape.
				inputs := []string{a.name, constant(3, 3, 3, 3)}
				if g.chance(0.5) {
					inputs = append(inputs, constant(3))
				}
				add(nn.Conv{NodeName: name, Pads: []int{1, 1, 1, 1}}, inputs, a.shape)
				if g.chance(0.6) {
					// A Relu right after, which the model may fuse.
					add(nn.Relu{NodeName: fresh("relu")}, []string{nodes[len(nodes)-1].Outputs[0]}, a.shape)
				}
			} else {
				add(nn.Tanh{NodeName: name}, []string{a.name}, a.shape)
			}
		case 11:
			if len(a.shape) == 4 {
				add(nn.Unsqueeze{NodeName: name, Axes: []int{0}}, []string{a.name}, append([]int{1}, a.shape...))
			} else {
				add(nn.Relu{NodeName: name}, []string{a.name}, a.shape)
			}
		case 12:
			if len(a.shape) == 5 {
				add(nn.Squeeze{NodeName: name, Axes: []int{0}}, []string{a.name}, a.shape[1:])
			} else {
				add(nn.Sigmoid{NodeName: name}, []string{a.name}, a.shape)
			}
		default:
			if len(a.shape) == 4 {
				add(nn.MaxPool{NodeName: name, KernelShape: []int{3, 3}, Pads: []int{1, 1, 1, 1}}, []string{a.name}, a.shape)
			} else {
				add(nn.Softmax{NodeName: name, Axis: -1}, []string{a.name}, a.shape)
			}
		}
	}

	// Outputs: the last value and a few others, sometimes x itself.
	outs := []string{vals[len(vals)-1].name}
	for range g.intn(3) {
		v := vals[g.intn(len(vals))]
		if !slices.Contains(outs, v.name) {
			outs = append(outs, v.name)
		}
	}
	for _, o := range outs {
		graph.Outputs = append(graph.Outputs, nn.ValueInfo{Name: o})
	}
	// Hand the nodes over in a shuffled order: NewModel sorts them.
	graph.Nodes = slices.Clone(nodes)
	g.r.Shuffle(len(graph.Nodes), func(i, j int) { graph.Nodes[i], graph.Nodes[j] = graph.Nodes[j], graph.Nodes[i] })
	return graph, nodes
}

// evalGraph runs nodes in order with Forward.
func evalGraph(graph nn.Graph, nodes []nn.Node, x *nn.Tensor) (map[string]*nn.Tensor, error) {
	values := map[string]*nn.Tensor{"x": x}
	for name, t := range graph.Initializers {
		values[name] = t
	}
	for _, n := range nodes {
		args := make([]*nn.Tensor, len(n.Inputs))
		for i, in := range n.Inputs {
			args[i] = values[in]
		}
		out, err := n.Layer.Forward(args)
		if err != nil {
			return nil, err
		}
		values[n.Outputs[0]] = out[0]
	}
	return values, nil
}

func describeGraph(nodes []nn.Node, outputs []nn.ValueInfo) string {
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "  %s %s %v -> %v\n", n.Layer.OpType(), n.Layer.Name(), n.Inputs, n.Outputs)
	}
	fmt.Fprintf(&b, "  outputs %v", outputs)
	return b.String()
}

func TestRandomGraphsPlannedRunsMatchForward(t *testing.T) {
	g := newGen(31)
	p := newProblems()
	for it := range layerIterations(t, 3000) {
		graph, nodes := randomGraph(g, g.chance(0.5))
		detail := fmt.Sprintf("graph %d:\n%s", it, describeGraph(nodes, graph.Outputs))
		m, err := nn.NewModel(graph)
		if err != nil {
			p.add("NewModel rejects a valid graph", detail+"\n"+err.Error())
			continue
		}
		for run := range 4 {
			batch := 2
			if graph.Inputs[0].Shape[0] == -1 && run >= 2 {
				batch = 1 + run
			}
			x := g.finiteTensor(batch, 3, 4, 4)
			xCopy := cloneTensors([]*nn.Tensor{x})[0]
			want, err := evalGraph(graph, nodes, x)
			if err != nil {
				// Only possible when a Reshape meets a batch other than 2.
				continue
			}
			var got map[string]*nn.Tensor
			err, panicked := call(func() error {
				var err error
				got, err = m.Run(map[string]*nn.Tensor{"x": x})
				return err
			})
			if panicked {
				p.add("Run panics: "+firstLine(err.Error()), detail+"\n"+err.Error())
				break
			}
			if err != nil {
				p.add("Run fails where Forward succeeds", detail+"\n"+err.Error())
				break
			}
			if !sameTensor(x, xCopy) {
				p.add("Run modifies its input", detail)
			}
			for _, o := range graph.Outputs {
				if !sameTensor(got[o.Name], want[o.Name]) {
					p.add(fmt.Sprintf("Run output differs from Forward (run %d)", run), fmt.Sprintf("%s\noutput %q: got %v, want %v", detail, o.Name, summary(got[o.Name]), summary(want[o.Name])))
				}
			}
			// RunInto into caller tensors of the right types.
			into := map[string]*nn.Tensor{}
			for _, o := range graph.Outputs {
				w := want[o.Name]
				into[o.Name] = &nn.Tensor{Shape: slices.Clone(w.Shape), DType: w.DType, Data: make([]float32, len(w.Data))}
			}
			err, panicked = call(func() error { return m.RunInto(into, map[string]*nn.Tensor{"x": x}) })
			if panicked || err != nil {
				p.add("RunInto fails: "+firstLine(fmt.Sprint(err)), detail+"\n"+fmt.Sprint(err))
				break
			}
			for _, o := range graph.Outputs {
				if !sameTensor(into[o.Name], want[o.Name]) {
					p.add("RunInto output differs from Forward", fmt.Sprintf("%s\noutput %q", detail, o.Name))
				}
			}
		}
	}
	p.report(t)
}

// TestRandomGraphsConcurrent runs random graphs with a free batch from
// several goroutines at once, with batch sizes that make plans be built,
// shared and evicted concurrently. Run it with -race.
func TestRandomGraphsConcurrent(t *testing.T) {
	g := newGen(32)
	graphs := layerIterations(t, 60)
	for it := range graphs {
		graph, nodes := randomGraph(g, true)
		m, err := nn.NewModel(graph)
		if err != nil {
			t.Fatal(err)
		}
		type job struct {
			x    *nn.Tensor
			want map[string]*nn.Tensor
		}
		var jobs []job
		for batch := 1; batch <= 10; batch++ {
			x := g.finiteTensor(batch, 3, 4, 4)
			want, err := evalGraph(graph, nodes, x)
			if err != nil {
				continue
			}
			jobs = append(jobs, job{x, want})
		}
		errs := make(chan error, 64)
		done := make(chan struct{})
		for w := range 8 {
			go func() {
				defer func() { done <- struct{}{} }()
				for r := range 12 {
					j := jobs[(w*7+r*3)%len(jobs)]
					got, err := m.Run(map[string]*nn.Tensor{"x": j.x})
					if err != nil {
						errs <- err
						return
					}
					for _, o := range graph.Outputs {
						if !sameTensor(got[o.Name], j.want[o.Name]) {
							errs <- fmt.Errorf("graph %d batch %d output %q differs when run concurrently:\n%s", it, j.x.Shape[0], o.Name, describeGraph(nodes, graph.Outputs))
							return
						}
					}
				}
			}()
		}
		for range 8 {
			<-done
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
}
