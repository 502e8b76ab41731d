package breaktest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/simdnn/simdnn/nn"
)

// layerIterations is the number of random cases of the layer tests;
// BREAKTEST_N overrides it for longer hunts.
func layerIterations(t *testing.T, def int) int {
	if s := os.Getenv("BREAKTEST_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("BREAKTEST_N=%q: %v", s, err)
		}
		return n
	}
	if testing.Short() {
		return def / 10
	}
	return def
}

func cloneTensors(ts []*nn.Tensor) []*nn.Tensor {
	out := make([]*nn.Tensor, len(ts))
	for i, t := range ts {
		if t == nil {
			continue
		}
		c := *t
		c.Shape = append([]int(nil), t.Shape...)
		if t.Data != nil {
			c.Data = append([]float32(nil), t.Data...)
		}
		if t.Int64 != nil {
			c.Int64 = append([]int64(nil), t.Int64...)
		}
		out[i] = &c
	}
	return out
}

// layerCase is one random call of a layer.
type layerCase struct {
	layer  nn.Layer
	inputs []*nn.Tensor
}

func (c layerCase) String() string {
	return fmt.Sprintf("%#v on %s", c.layer, describe(c.inputs))
}

// problems collects distinct failures, keyed by a short signature, so
// that one bug does not flood the log.
type problems struct {
	seen  map[string]int
	first map[string]string
}

func newProblems() *problems {
	return &problems{seen: map[string]int{}, first: map[string]string{}}
}

func (p *problems) add(key, detail string) {
	p.seen[key]++
	if p.seen[key] == 1 {
		p.first[key] = detail
	}
}

func (p *problems) report(t *testing.T) {
	for key, n := range p.seen {
		t.Errorf("%s (%d cases), first:\n%s", key, n, p.first[key])
	}
}

// firstLine returns the first line of s, for signatures.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// checkLayerCase calls Forward twice and checks what the package doc
// promises: an error naming the layer or outputs that are valid, the same
// on both calls, and inputs left unmodified; never a panic.
func checkLayerCase(c layerCase, p *problems) ([]*nn.Tensor, bool) {
	op := c.layer.OpType()
	if needsHugeAllocation(c) {
		return nil, false
	}
	before := cloneTensors(c.inputs)
	var out []*nn.Tensor
	err, panicked := call(func() error {
		var err error
		out, err = c.layer.Forward(c.inputs)
		return err
	})
	if panicked {
		p.add(op+" Forward panics: "+firstLine(err.Error()), c.String()+"\n"+err.Error())
		return nil, false
	}
	for i := range c.inputs {
		if !sameTensor(before[i], c.inputs[i]) {
			p.add(op+" Forward modifies its input", c.String())
		}
	}
	if err != nil {
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", c.layer.Name())) {
			p.add(op+" error does not name the layer", c.String()+"\nerror: "+err.Error())
		}
		return nil, false
	}
	for i, o := range out {
		if o == nil {
			continue
		}
		if verr := o.Validate(); verr != nil {
			p.add(op+" Forward returns an invalid tensor", fmt.Sprintf("%v\noutput %d: %v", c, i, verr))
		}
	}
	again, err2, panicked := func() (o []*nn.Tensor, e error, pan bool) {
		e, pan = call(func() error {
			var err error
			o, err = c.layer.Forward(c.inputs)
			return err
		})
		return
	}()
	if panicked || err2 != nil || len(again) != len(out) {
		p.add(op+" second Forward differs in outcome", fmt.Sprintf("%v: %v", c, err2))
		return out, true
	}
	for i := range out {
		if !sameTensor(out[i], again[i]) {
			p.add(op+" Forward is not deterministic", c.String())
		}
	}
	return out, true
}

// TestRandomLayersForward throws random attributes and inputs at every
// layer's Forward.
func TestRandomLayersForward(t *testing.T) {
	g := newGen(1)
	p := newProblems()
	ok := 0
	for range layerIterations(t, 40000) {
		layer, count := g.layer()
		if g.chance(0.05) {
			count = g.intn(6)
		}
		c := layerCase{layer: layer, inputs: g.inputs(count)}
		if _, good := checkLayerCase(c, p); good {
			ok++
		}
	}
	t.Logf("%d cases ran without error", ok)
	p.report(t)
}

// TestRandomLayersInModel runs random single-layer models, where the
// model's memory plan (type inference, ForwardInto, views and in-place
// steps) replaces Forward, and compares each run with Forward: the same
// outcome and the same bits. Some inputs are graph inputs with fixed
// shapes, some with free dimensions, some constants.
func TestRandomLayersInModel(t *testing.T) {
	g := newGen(2)
	p := newProblems()
	ran := map[string]int{}
	for range layerIterations(t, 40000) {
		layer, count := g.layer()
		c := layerCase{layer: layer, inputs: g.inputs(count)}
		want, good := checkLayerCase(c, p)
		if !good && !g.chance(0.1) {
			continue
		}
		checkModelCase(g, c, want, good, p, ran)
	}
	t.Logf("model runs that succeeded, by operator: %v", ran)
	p.report(t)
}

func checkModelCase(g *gen, c layerCase, want []*nn.Tensor, good bool, p *problems, ran map[string]int) {
	op := c.layer.OpType()
	if needsHugeAllocation(c) {
		return
	}
	for _, in := range c.inputs {
		if in != nil && in.Validate() != nil {
			return // a graph cannot carry an invalid tensor
		}
	}
	graph := nn.Graph{Initializers: map[string]*nn.Tensor{}}
	feeds := map[string]*nn.Tensor{}
	names := make([]string, len(c.inputs))
	for i, in := range c.inputs {
		if in == nil || in.Validate() != nil {
			continue
		}
		name := fmt.Sprintf("in%d", i)
		names[i] = name
		switch {
		case g.chance(0.3):
			graph.Initializers[name] = in
		default:
			shape := append([]int(nil), in.Shape...)
			if g.chance(0.3) {
				for j := range shape {
					if g.chance(0.5) {
						shape[j] = -1
					}
				}
			}
			graph.Inputs = append(graph.Inputs, nn.ValueInfo{Name: name, Shape: shape, DType: in.DType})
			feeds[name] = in
		}
	}
	outCount := 1
	if good {
		outCount = len(want)
	}
	var outNames []string
	for j := range outCount {
		outNames = append(outNames, fmt.Sprintf("out%d", j))
		graph.Outputs = append(graph.Outputs, nn.ValueInfo{Name: outNames[j]})
	}
	graph.Nodes = []nn.Node{{Layer: c.layer, Inputs: names, Outputs: outNames}}
	detail := fmt.Sprintf("%v\ngraph inputs %v, constants %v", c, graph.Inputs, len(graph.Initializers))

	var m *nn.Model
	err, panicked := call(func() error {
		var err error
		m, err = nn.NewModel(graph)
		return err
	})
	if panicked {
		p.add(op+" NewModel panics: "+firstLine(err.Error()), detail+"\n"+err.Error())
		return
	}
	if err != nil {
		if good {
			p.add(op+" NewModel rejects a node whose Forward succeeds", detail+"\nerror: "+err.Error())
		}
		return
	}
	for run := range 3 {
		before := cloneTensors(c.inputs)
		var got map[string]*nn.Tensor
		err, panicked := call(func() error {
			var err error
			got, err = m.Run(feeds)
			return err
		})
		if panicked {
			p.add(op+" Run panics: "+firstLine(err.Error()), detail+"\n"+err.Error())
			return
		}
		for i := range c.inputs {
			if !sameTensor(before[i], c.inputs[i]) {
				p.add(op+" Run modifies an input or constant", detail)
			}
		}
		if (err == nil) != good {
			p.add(fmt.Sprintf("%s Run and Forward disagree on success (Run error %v)", op, err != nil), fmt.Sprintf("%s\nrun %d: %v", detail, run, err))
			return
		}
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", c.layer.Name())) {
				p.add(op+" Run error does not name the layer", detail+"\nerror: "+err.Error())
			}
			return
		}
		ran[op]++
		for j, name := range outNames {
			if !sameTensor(got[name], want[j]) {
				p.add(fmt.Sprintf("%s Run output differs from Forward (run %d)", op, run), fmt.Sprintf("%s\noutput %d: got %v, want %v", detail, j, summary(got[name]), summary(want[j])))
			}
		}
		// The caller owns Run's outputs: writing to them must change no
		// input, constant or later result.
		for _, name := range outNames {
			if o := got[name]; o != nil {
				for i := range o.Data {
					o.Data[i] = 12345
				}
				for i := range o.Int64 {
					o.Int64[i] = 12345
				}
			}
		}
		for i := range c.inputs {
			if !sameTensor(before[i], c.inputs[i]) {
				p.add(op+" Run output aliases an input or constant", detail)
			}
		}
	}
}

func summary(t *nn.Tensor) string {
	if t == nil {
		return "nil"
	}
	s := fmt.Sprintf("%v%v", t.DType, t.Shape)
	if len(t.Data) <= 12 && t.Data != nil {
		s += fmt.Sprint(t.Data)
	}
	if len(t.Int64) <= 12 && t.Int64 != nil {
		s += fmt.Sprint(t.Int64)
	}
	return s
}

// TestConsistentLayers is TestRandomLayersInModel for Conv, the pools,
// Reshape, ConstantOfShape and Gemm with inputs that mostly fit.
func TestConsistentLayers(t *testing.T) {
	g := newGen(3)
	p := newProblems()
	ran := map[string]int{}
	for range layerIterations(t, 20000) {
		layer, inputs := g.consistentCase()
		c := layerCase{layer: layer, inputs: inputs}
		trace(c)
		want, good := checkLayerCase(c, p)
		if !good && !g.chance(0.2) {
			continue
		}
		checkModelCase(g, c, want, good, p, ran)
	}
	t.Logf("model runs that succeeded, by operator: %v", ran)
	p.report(t)
}

// needsHugeAllocation reports the cases that would allocate gigabytes, and
// a failed allocation of that size kills the process. These are Conv and
// pools with attributes above 2^16 and ConstantOfShape with more than
// 2^24 elements (see TestConstantOfShapeHugeRuntimeShape).
func needsHugeAllocation(c layerCase) bool {
	// Large pads make Conv and the pools allocate huge outputs, and their
	// padded input copies grow with strides and pads as well
	// (TestConvMemoryGrowsWithStride, TestMaxPoolMemoryGrowsWithPads).
	var pads []int
	switch l := c.layer.(type) {
	case nn.Conv:
		pads = append(append(append([]int(nil), l.Pads...), l.Strides...), l.Dilations...)
	case nn.MaxPool:
		pads = l.Pads
	case nn.AveragePool:
		pads = l.Pads
	}
	for _, p := range pads {
		if p > 1<<16 {
			return true
		}
	}
	if c.layer.OpType() != "ConstantOfShape" || len(c.inputs) == 0 || c.inputs[0] == nil {
		return false
	}
	n := 1.0
	for _, d := range c.inputs[0].Int64 {
		n *= float64(d)
	}
	return n > 1<<24 || n < -(1<<24)
}

// trace writes c to the file named by BREAKTEST_TRACE before it runs, to
// find the case that kills the process.
func trace(c layerCase) {
	name := os.Getenv("BREAKTEST_TRACE")
	if name == "" {
		return
	}
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(f, c.String())
	f.Sync()
	f.Close()
}
