package nn

import (
	"slices"
	"sync/atomic"

	"github.com/simdnn/simdnn/kernels"
)

// checkTypes checks the inputs X, W and the optional B and returns the
// convolution geometry.
func (c Conv) checkTypes(inputs []*TensorType) (convShape, error) {
	if len(inputs) < 2 || len(inputs) > 3 {
		return convShape{}, layerError(c, "got %d inputs, want 2 to 3", len(inputs))
	}
	x, w, b := inputs[0], inputs[1], optionalType(inputs, 2)
	if x == nil {
		return convShape{}, layerError(c, "input X is missing")
	}
	if w == nil {
		return convShape{}, layerError(c, "input W is missing")
	}
	for _, in := range []struct {
		name string
		t    *TensorType
	}{{"X", x}, {"W", w}, {"B", b}} {
		if in.t != nil && in.t.DType != Float32 {
			return convShape{}, layerError(c, "input %s has element type %v, want float32", in.name, in.t.DType)
		}
	}
	if len(x.Shape) < 3 || len(x.Shape) > 2+maxSpatialRank {
		return convShape{}, layerError(c, "input X has rank %d (shape %v), want 3, 4 or 5: N, C and 1 to 3 spatial axes", len(x.Shape), x.Shape)
	}
	if len(w.Shape) != len(x.Shape) {
		return convShape{}, layerError(c, "input W has rank %d (shape %v), want rank %d to match X %v", len(w.Shape), w.Shape, len(x.Shape), x.Shape)
	}
	var biasShape []int
	if b != nil {
		if len(b.Shape) != 1 {
			return convShape{}, layerError(c, "input B has rank %d (shape %v), want rank 1", len(b.Shape), b.Shape)
		}
		biasShape = b.Shape
	}
	return c.resolveShape(x.Shape, w.Shape, biasShape)
}

// validateInputs checks that each present input's elements match its
// shape, naming the input as ONNX does.
func (c Conv) validateInputs(inputs []*Tensor) error {
	for i, t := range inputs {
		if t == nil || i > 2 {
			continue
		}
		if err := t.Validate(); err != nil {
			return layerError(c, "input %s: %v", []string{"X", "W", "B"}[i], err)
		}
	}
	return nil
}

// InferTypes returns the type of Y for inputs X, W and the optional B.
func (c Conv) InferTypes(inputs []*TensorType, _ []*Tensor) ([]TensorType, error) {
	s, err := c.checkTypes(inputs)
	if err != nil {
		return nil, err
	}
	if c.FuseMaxPool != nil {
		pool, err := c.resolvePool(s)
		if err != nil {
			return nil, err
		}
		return []TensorType{{DType: Float32, Shape: pool.shape}}, nil
	}
	return []TensorType{{DType: Float32, Shape: append([]int{s.batch, s.outC}, s.outShape()...)}}, nil
}

// ScratchSize returns the im2col buffer that 3-D convolutions need. 1-D
// and 2-D convolutions pack their input straight into the GEMM's own
// buffers and need none. With FuseMaxPool, it adds room for Y and for the
// pooling's scratch, which the paths that do not fuse the two use.
// NOTE: the room for Y is reserved even where kernels.Conv2DMaxPool runs
// and never touches it, because only the prepared layer knows its weights.
func (c Conv) ScratchSize(inputs []*TensorType) (int, error) {
	s, err := c.checkTypes(inputs)
	if err != nil {
		return 0, err
	}
	if c.FuseMaxPool == nil {
		return s.scratchSize(), nil
	}
	pool, err := c.resolvePool(s)
	if err != nil {
		return 0, err
	}
	return s.scratchSize() + pool.convSize + pool.scratch, nil
}

// scratchSize returns the scratch of the convolution alone.
func (s convShape) scratchSize() int {
	if len(s.axes) == 3 && !s.pointwise() {
		return s.colSize
	}
	return 0
}

// ForwardInto computes Y from X, W and the optional B. 1-D input runs as
// 2-D input of height 1. For each image and group, 2-D convolution is one
// GEMM whose B operand is packed straight from the image, with the bias
// (and the fused ReLU or capped ReLU) applied to each tile of Y; a depthwise
// convolution (one input and one output channel per group) uses the
// direct depthwise kernel instead. 3-D input is lowered with im2col one
// output depth at a time. Sums are accumulated in float32.
func (c Conv) ForwardInto(outputs, inputs []*Tensor, scratch []float32) error {
	if err := c.validateInputs(inputs); err != nil {
		return err
	}
	s, err := c.checkTypes(typesOf(inputs))
	if err != nil {
		return err
	}
	var bias []float32
	if b := optionalInput(inputs, 2); b != nil {
		bias = b.Data
	}
	if c.FuseMaxPool != nil {
		pool, err := c.resolvePool(s)
		if err != nil {
			return err
		}
		return c.forwardPooled(outputs, inputs, bias, nil, s, pool, scratch)
	}

	if err := checkOutput(c, outputs, 0, Float32, append([]int{s.batch, s.outC}, s.outShape()...)); err != nil {
		return err
	}
	if len(scratch) < s.scratchSize() {
		return layerError(c, "scratch has %d elements, want %d", len(scratch), s.scratchSize())
	}
	c.compute(outputs[0].Data, inputs[0].Data, inputs[1].Data, bias, s, scratch)
	return nil
}

// Prepare returns Conv specialised for inputs of the given types: the
// geometry is resolved once, and ForwardInto only checks that the
// tensors still have the prepared shapes. In a Model, when W is constant,
// the prepared layer packs the weights once and computes 3×3 stride-1
// convolutions with Winograd's method where kernels.WinogradSuitable
// reports it faster, which rounds differently from ForwardInto (see the
// README's numeric contract).
func (c Conv) Prepare(inputs []*TensorType) (IntoLayer, error) {
	s, err := c.checkTypes(inputs)
	if err != nil {
		return nil, err
	}
	prepared := &preparedConv{conv: c, shape: s}
	for i := range prepared.inputs {
		if t := optionalType(inputs, i); t != nil {
			prepared.inputs[i] = slices.Clone(t.Shape)
		}
	}
	prepared.output = append([]int{s.batch, s.outC}, s.outShape()...)
	if c.FuseMaxPool != nil {
		if prepared.pool, err = c.resolvePool(s); err != nil {
			return nil, err
		}
		prepared.output = prepared.pool.shape
	}
	return prepared, nil
}

// preparedConv is a Conv with its geometry resolved for fixed input
// shapes. It is not modified after Prepare, so runs may share it.
type preparedConv struct {
	conv   Conv
	shape  convShape
	inputs [3][]int // shapes of X, W and B (nil when B is absent)
	output []int
	pool   convPool // with FuseMaxPool

	// constantWeights is set by a Model when W has the same elements in
	// every run (an initializer, or a value computed while planning).
	// Only then are the weights packed once and cached in packed, for the
	// tensor whose first element and length it records. Weights that may
	// change between runs (computed by another node, or a model input) are
	// packed during each call instead, because the memory plan reuses
	// buffers, so the same address can hold other elements in a later run.
	constantWeights bool
	packed          atomic.Pointer[packedWeights]
}

// packedWeights is the weights of a Conv packed per group: for the GEMM
// micro-kernel, or transformed for Winograd convolution where that is
// faster (3×3 kernels with stride 1; see kernels.WinogradSuitable).
type packedWeights struct {
	data     *float32 // the first element of the weights that were packed
	n        int
	packs    []*kernels.PackedWeights
	winograd []*kernels.WinogradWeights
}

// packs returns the weights w packed per group, from the cache when it
// holds these weights, or nil where the 2-D kernels do not take prepacked
// weights (3-D and depthwise convolutions, empty weights) or the weights
// are not constant.
func (p *preparedConv) packs(w []float32) *packedWeights {
	s := p.shape
	groupInC, groupOutC, k := s.groupInC(), s.groupOutC(), s.patchSize
	if !p.constantWeights || len(s.axes) == 3 || len(w) == 0 || k == 0 || groupOutC == 0 || (groupInC == 1 && groupOutC == 1) {
		return nil
	}
	if c := p.packed.Load(); c != nil && c.data == &w[0] && c.n == len(w) {
		return c
	}
	c := &packedWeights{data: &w[0], n: len(w)}
	params := conv2DParams(s.window.as2D(), groupInC)
	winograd := kernels.WinogradSuitable(params, groupOutC)
	for g := 0; g < s.groups; g++ {
		wg := w[g*groupOutC*k : (g+1)*groupOutC*k]
		if winograd {
			c.winograd = append(c.winograd, kernels.PackWinogradWeights(wg, groupOutC, params))
			continue
		}
		c.packs = append(c.packs, kernels.PackWeights(wg, groupOutC, k))
	}
	p.packed.Store(c)
	return c
}

// ForwardInto computes Y like Conv.ForwardInto for inputs of the prepared
// shapes, without resolving the geometry again.
func (p *preparedConv) ForwardInto(outputs, inputs []*Tensor, scratch []float32) error {
	c := p.conv
	if len(inputs) < 2 || len(inputs) > 3 {
		return layerError(c, "got %d inputs, want 2 to 3", len(inputs))
	}
	for i, want := range p.inputs {
		t := optionalInput(inputs, i)
		if (t == nil) != (want == nil) {
			return layerError(c, "input %d is present in one run and absent in another", i)
		}
		if t == nil {
			continue
		}
		if t.DType != Float32 || !slices.Equal(t.Shape, want) || len(t.Data) != elementCount(want) {
			return layerError(c, "input %d is a %v tensor of shape %v with %d elements, want the prepared float32 shape %v",
				i, t.DType, t.Shape, len(t.Data), want)
		}
	}
	s := p.shape
	var bias []float32
	if b := optionalInput(inputs, 2); b != nil {
		bias = b.Data
	}
	if c.FuseMaxPool != nil {
		return c.forwardPooled(outputs, inputs, bias, p.packs(inputs[1].Data), s, p.pool, scratch)
	}

	if err := checkOutput(c, outputs, 0, Float32, p.output); err != nil {
		return err
	}
	if len(scratch) < s.scratchSize() {
		return layerError(c, "scratch has %d elements, want %d", len(scratch), s.scratchSize())
	}
	c.computePacked(outputs[0].Data, inputs[0].Data, inputs[1].Data, p.packs(inputs[1].Data), bias, s, scratch)
	return nil
}
