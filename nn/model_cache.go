package nn

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
)

// maxPlans is the number of input shapes whose plans a model keeps. A
// model that runs on more distinct shapes drops the oldest plan.
const maxPlans = 8

// planCache contains the plans of a model, keyed by the shapes of the graph
// inputs. Readers load the list without locking, and writers replace it
// under the lock.
type planCache struct {
	mu    sync.Mutex
	plans atomic.Pointer[[]*plan]

	// dynamic is set once a plan could not be built because a shape
	// depends on a value computed during the run. Every run then executes
	// the nodes with Forward.
	dynamic atomic.Bool
}

// find returns the plan for the shapes of given, or nil.
func (c *planCache) find(given []*Tensor) *plan {
	list := c.plans.Load()
	if list == nil {
		return nil
	}
	for _, p := range *list {
		if p.matches(given) {
			return p
		}
	}
	return nil
}

func (p *plan) matches(given []*Tensor) bool {
	for i, t := range given {
		if !slices.Equal(p.shapes[i], t.Shape) {
			return false
		}
	}
	return true
}

// add stores p unless a plan for the same shapes is already there, and
// returns the plan to use.
func (c *planCache) add(p *plan, given []*Tensor) *plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	if existing := c.find(given); existing != nil {
		return existing
	}
	var list []*plan
	if old := c.plans.Load(); old != nil {
		list = slices.Clone(*old)
	}
	if len(list) == maxPlans {
		list = list[1:]
	}
	list = append(list, p)
	c.plans.Store(&list)
	return p
}

// planFor returns the plan for the shapes of given, building it by type
// inference if every layer can infer its types. It returns nil, with no
// error, when the model must run with Forward, either to learn its types
// or because its shapes depend on values. An error means that a layer
// rejects these input shapes.
func (m *Model) planFor(given []*Tensor) (*plan, error) {
	if p := m.plans.find(given); p != nil {
		return p, nil
	}
	if m.plans.dynamic.Load() {
		return nil, nil
	}
	types := make([]TensorType, len(given))
	for i, t := range given {
		types[i] = TypeOf(t)
	}
	v, err := m.inferTypes(types)
	if err != nil {
		return nil, m.planError(err)
	}
	return m.storePlan(given, v)
}

// storePlan builds the plan for the shapes of given from v and caches it.
// It returns nil, with no error, for a model whose shapes depend on
// values.
func (m *Model) storePlan(given []*Tensor, v *valueTypes) (*plan, error) {
	shapes := make([][]int, len(given))
	for i, t := range given {
		shapes[i] = slices.Clone(t.Shape)
	}
	p, err := m.newPlan(shapes, v)
	if err != nil {
		return nil, m.planError(err)
	}
	return m.plans.add(p, given), nil
}

// planError turns the errors that only mean "no plan" into nil, and marks
// the model dynamic when a shape depends on a value.
func (m *Model) planError(err error) error {
	switch {
	case errors.Is(err, errNotInferable):
		return nil
	case errors.Is(err, ErrValueNeeded):
		m.plans.dynamic.Store(true)
		return nil
	}
	return err
}

// planDeclaredShapes builds the plan for the declared input shapes when
// they are all fixed, so that NewModel reports shape errors and later runs
// start with a plan.
func (m *Model) planDeclaredShapes() error {
	given := make([]*Tensor, len(m.inputs))
	for i, in := range m.inputs {
		if t, ok := m.initializers[in.Name]; ok {
			given[i] = t
			continue
		}
		if slices.Contains(in.Shape, -1) {
			return nil
		}
		// A tensor without elements represents the declared type: planning
		// reads only shapes and element types of graph inputs.
		given[i] = &Tensor{Shape: in.Shape, DType: in.DType}
	}
	_, err := m.planFor(given)
	return err
}
