package nn

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TensorType is the element type and shape of a tensor, without its
// elements.
type TensorType struct {
	DType DType
	Shape []int
}

// ErrValueNeeded is returned by InferTypes when an output shape depends on
// the value of an input that is not known before the run, such as a
// Reshape whose shape input is computed from a graph input. A model with
// such a layer runs without a memory plan.
var ErrValueNeeded = errors.New("an output shape depends on an input value that is not known before the run")

// The interfaces below are optional. A Model uses them to compute every
// shape before a run and to reuse buffers between layers. A layer that
// implements none of them still runs through Forward.

// TypeInferrer is a layer that computes the types of its outputs without
// running.
type TypeInferrer interface {
	// InferTypes returns the output types for inputs of the given types,
	// with the errors Forward would return for them. inputs[i] is nil for
	// an absent optional input. values[i] is the value of input i when it
	// is known before the run (a weight, or a shape computed from input
	// shapes) and nil otherwise. When an output shape needs a value that
	// is nil, InferTypes returns an error that wraps ErrValueNeeded.
	InferTypes(inputs []*TensorType, values []*Tensor) ([]TensorType, error)
}

// IntoLayer is a layer that writes its outputs into tensors allocated by
// the caller. A Model calls ForwardInto only on layers that also implement
// TypeInferrer.
type IntoLayer interface {
	// ForwardInto computes the outputs into outputs, which hold tensors of
	// the types that InferTypes returns for these inputs. scratch has at
	// least ScratchSize elements for a ScratchLayer and may be nil
	// otherwise. It returns an error, and does not panic, if an input or
	// output does not have the expected type. It checks the inputs before
	// it reads outputs, which may be nil when an input is invalid. It must
	// not keep the slices after it returns.
	ForwardInto(outputs, inputs []*Tensor, scratch []float32) error
}

// Preparer is an IntoLayer that can be specialised for fixed input types.
// A Model calls Prepare when it builds the plan for a set of input shapes
// and then runs the returned layer's ForwardInto on every run with those
// shapes, so work that depends only on shapes (window geometry, buffer
// sizes) is done once. The returned layer checks that its inputs still
// have the prepared types and returns an error otherwise.
type Preparer interface {
	Prepare(inputs []*TensorType) (IntoLayer, error)
}

// ScratchLayer is an IntoLayer that needs temporary float32 space, such as
// an im2col buffer. The space is not preserved between calls.
type ScratchLayer interface {
	// ScratchSize returns the number of float32 elements ForwardInto needs
	// for inputs of the given types.
	ScratchSize(inputs []*TensorType) (int, error)
}

// InPlaceLayer is an IntoLayer whose output 0 may use the same elements as
// one of the listed inputs, when that input has the type of output 0.
// ForwardInto is then called with outputs[0].Data equal to that input's
// Data, and the other inputs never share elements with the output.
type InPlaceLayer interface {
	InPlaceInputs() []int
}

// ViewLayer is a layer whose output 0 contains the elements of input
// ViewInput in the same order, with another shape (Reshape, Flatten,
// Squeeze). A Model gives the output the input's elements without calling
// the layer, once InferTypes has checked the shapes.
type ViewLayer interface {
	ViewInput() int
}

// ShapeOnlyLayer is a layer whose outputs depend on the types of its
// inputs only, such as Shape. A Model computes them once per input shape.
type ShapeOnlyLayer interface {
	ForwardTypes(inputs []*TensorType) ([]*Tensor, error)
}

// TypeOf returns the type of t.
func TypeOf(t *Tensor) TensorType {
	return TensorType{DType: t.DType, Shape: t.Shape}
}

// typesOf returns the types of inputs, with nil for a nil tensor.
func typesOf(inputs []*Tensor) []*TensorType {
	types := make([]*TensorType, len(inputs))
	for i, t := range inputs {
		if t != nil {
			tt := TypeOf(t)
			types[i] = &tt
		}
	}
	return types
}

// plannedLayer is a layer that the model can run into its own buffers.
type plannedLayer interface {
	Layer
	TypeInferrer
	IntoLayer
}

// forwardPlanned implements Forward for a plannedLayer: it checks the
// inputs, infers the output types, allocates the outputs and calls
// ForwardInto.
func forwardPlanned(l plannedLayer, inputs []*Tensor) ([]*Tensor, error) {
	for i, t := range inputs {
		if t == nil {
			continue
		}
		if err := t.Validate(); err != nil {
			// ForwardInto checks its inputs first, with messages that name
			// them as the operator does, so its error is preferred.
			if intoErr := l.ForwardInto(nil, inputs, nil); intoErr != nil {
				return nil, intoErr
			}
			return nil, layerError(l, "input %d: %v", i, err)
		}
	}
	types := typesOf(inputs)
	outTypes, err := l.InferTypes(types, inputs)
	if err != nil {
		return nil, err
	}

	outputs := make([]*Tensor, len(outTypes))
	for i, tt := range outTypes {
		if outputs[i], err = newTyped(l, tt); err != nil {
			return nil, err
		}
	}
	var scratch []float32
	if s, ok := l.(ScratchLayer); ok {
		n, err := s.ScratchSize(types)
		if err != nil {
			return nil, err
		}
		scratch = make([]float32, n)
	}
	if err := l.ForwardInto(outputs, inputs, scratch); err != nil {
		return nil, err
	}
	return outputs, nil
}

// newTyped allocates a zero-filled tensor of type tt.
func newTyped(l Layer, tt TensorType) (*Tensor, error) {
	n, err := NumElements(tt.Shape)
	if err != nil {
		return nil, layerError(l, "output: %v", err)
	}
	t := &Tensor{Shape: slices.Clone(tt.Shape), DType: tt.DType}
	if t.Shape == nil {
		t.Shape = []int{}
	}
	switch tt.DType {
	case Float32:
		t.Data = make([]float32, n)
	case Int64:
		t.Int64 = make([]int64, n)
	default:
		return nil, layerError(l, "output has unknown element type %v", tt.DType)
	}
	return t, nil
}

// checkOutput returns an error unless outputs[i] is a valid tensor of the
// given element type and shape. It allocates only for the error.
func checkOutput[L Layer](l L, outputs []*Tensor, i int, dtype DType, shape []int) error {
	if i >= len(outputs) || outputs[i] == nil {
		return layerError(l, "output %d is missing", i)
	}
	t := outputs[i]
	if err := t.Validate(); err != nil {
		return layerError(l, "output %d: %v", i, err)
	}
	if t.DType != dtype || !slices.Equal(t.Shape, shape) {
		// The clone keeps shape, which may point to a stack buffer, from
		// escaping to the heap on the path without error.
		return layerError(l, "output %d is a %v tensor of shape %v, want %v of shape %v", i, t.DType, t.Shape, dtype, slices.Clone(shape))
	}
	return nil
}

// checkTypeCount returns an error unless types has between required and
// total entries and the first required ones are present.
func checkTypeCount(l Layer, types []*TensorType, required, total int) error {
	if len(types) < required || len(types) > total {
		if required == total {
			return layerError(l, "got %d inputs, want %d", len(types), total)
		}
		return layerError(l, "got %d inputs, want %d to %d", len(types), required, total)
	}
	for i := range required {
		if types[i] == nil {
			return layerError(l, "input %d is missing", i)
		}
	}
	return nil
}

// optionalType returns types[i], or nil if the input is absent.
func optionalType(types []*TensorType, i int) *TensorType {
	if i >= len(types) {
		return nil
	}
	return types[i]
}

// optionalValue returns values[i], or nil if it is absent or unknown.
func optionalValue(values []*Tensor, i int) *Tensor {
	if i >= len(values) {
		return nil
	}
	return values[i]
}

// shapeBuffer is stack space for a computed shape: shapes of rank up to 8
// need no allocation. Code that puts such a shape in an error message
// passes a clone, so that the buffer does not escape to the heap.
type shapeBuffer [8]int

// checkedCount returns the product of shape and true, or false if a
// dimension is negative or the product exceeds what NumElements accepts.
// Unlike NumElements it keeps no reference to shape, so shape may live in
// a shapeBuffer on the stack.
func checkedCount(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 || (d != 0 && n > maxElements/d) {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// valueNeeded returns an error that names the layer and input and wraps
// ErrValueNeeded.
func valueNeeded(l Layer, input string) error {
	return fmt.Errorf("%s %q: input %s: %w", strings.ToLower(l.OpType()), l.Name(), input, ErrValueNeeded)
}
