package nn

import (
	"fmt"
	"time"
)

// NodeTime is the time that one node of a model took in Profile.
type NodeTime struct {
	Name, OpType string
	Duration     time.Duration // summed over the profiled runs

	// FLOPs is the node's floating-point operations per run as the
	// operator defines them, a multiply and an add counted as two: for
	// Conv, 2·(elements of Y)·(channels per group)·(kernel area), and
	// for Gemm and MatMul, 2·M·N·K. It is 0 for other operators. A Conv
	// computed with Winograd's method does fewer, so its rate
	// FLOPs/Duration is an effective one that can exceed the peak.
	FLOPs float64
}

// Profile runs the model runs times on inputs, as Run does, and returns the
// time each node took, summed over the runs, in execution order. A first
// run, not timed, builds the memory plan. Nodes that load-time
// optimisation removed are timed with the node that absorbed them (a Relu
// with its Conv), and nodes whose outputs the plan computed in advance
// take no time. Profiling needs a memory plan, so it returns an error for
// models whose shapes depend on values known only during a run.
func (m *Model) Profile(inputs map[string]*Tensor, runs int) ([]NodeTime, error) {
	if runs < 1 {
		return nil, fmt.Errorf("profile: runs is %d, want at least 1", runs)
	}
	given, err := m.givenInputs(inputs, nil)
	if err != nil {
		return nil, err
	}
	if err := m.run(given, nil, func(int, *Tensor, bool) error { return nil }); err != nil {
		return nil, err
	}
	p, err := m.planFor(given)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("profile: the model has no memory plan for these inputs, because its shapes depend on values computed during a run")
	}

	times := make([]NodeTime, len(m.nodes))
	for i, node := range m.nodes {
		times[i] = NodeTime{Name: node.Layer.Name(), OpType: node.Layer.OpType(), FLOPs: m.nodeFLOPs(p, i)}
	}
	for range runs {
		a := m.takeArena(p, given)
		for _, step := range p.steps {
			start := time.Now()
			err := m.runStep(p, a, step)
			times[step.node].Duration += time.Since(start)
			if err != nil {
				p.release(a)
				return nil, err
			}
		}
		p.release(a)
	}
	return times, nil
}

// nodeFLOPs returns NodeTime.FLOPs of node i for the value types of p.
func (m *Model) nodeFLOPs(p *plan, i int) float64 {
	shape := func(ids []int, k int) []int {
		if k >= len(ids) || ids[k] < 0 {
			return nil
		}
		return p.types[ids[k]].Shape
	}
	in, out := m.nodeInputs[i], m.nodeOutputs[i]
	a, w, y := shape(in, 0), shape(in, 1), shape(out, 0)
	if len(a) == 0 || len(y) == 0 {
		return 0
	}
	switch m.nodes[i].Layer.OpType() {
	case "Conv":
		// W is M × C/group × kernel: each output sums its last axes. A
		// fused MaxPool counts no operations, but the convolution's
		// output is its input, not the pooled Y.
		if len(w) < 2 {
			return 0
		}
		if c, ok := m.nodes[i].Layer.(Conv); ok && c.FuseMaxPool != nil {
			s, err := c.checkTypes(typesAt(p.types, in))
			if err != nil {
				return 0
			}
			y = append([]int{s.batch, s.outC}, s.outShape()...)
		}
		return 2 * float64(elementCount(y)) * float64(elementCount(w[1:]))
	case "Gemm":
		// A holds M·K elements and Y is M×N.
		return 2 * float64(elementCount(a)) * float64(y[len(y)-1])
	case "MatMul":
		// Y is (batch…)×M×N and K is A's last axis.
		return 2 * float64(elementCount(y)) * float64(a[len(a)-1])
	}
	return 0
}

// typesAt returns pointers to the types of the values ids, indices into
// all, with nil for an absent value (id -1).
func typesAt(all []TensorType, ids []int) []*TensorType {
	types := make([]*TensorType, len(ids))
	for k, id := range ids {
		if id >= 0 {
			types[k] = &all[id]
		}
	}
	return types
}
