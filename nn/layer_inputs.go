package nn

import (
	"fmt"
	"strings"
)

// layerError returns an error that starts with the operator and node name,
// as in `conv "conv1": group -1, want at least 1`.
//
// The helpers below take the layer as a type parameter rather than as a
// Layer: converting a layer value to an interface allocates, and this way
// the conversion happens only on the path that returns an error.
func layerError(l Layer, format string, args ...any) error {
	return fmt.Errorf("%s %q: %s", strings.ToLower(l.OpType()), l.Name(), fmt.Sprintf(format, args...))
}

// checkInputCount returns an error unless inputs has between required and
// total entries. Optional inputs at the end may be left out or nil.
func checkInputCount[L Layer](l L, inputs []*Tensor, required, total int) error {
	if len(inputs) >= required && len(inputs) <= total {
		return nil
	}
	if required == total {
		return layerError(l, "got %d inputs, want %d", len(inputs), total)
	}
	return layerError(l, "got %d inputs, want %d to %d", len(inputs), required, total)
}

// optionalInput returns inputs[i], or nil if the input is absent.
func optionalInput(inputs []*Tensor, i int) *Tensor {
	if i >= len(inputs) {
		return nil
	}
	return inputs[i]
}

// checkTensor returns an error unless t is present and consistent with its
// shape and element type. name is the ONNX name of the input, such as "X",
// or empty for the only input of a layer.
func checkTensor[L Layer](l L, t *Tensor, name string) error {
	if t == nil {
		return layerError(l, "%s is missing", describeInput(name))
	}
	if err := t.Validate(); err != nil {
		return layerError(l, "%s: %v", describeInput(name), err)
	}
	return nil
}

// describeInput returns "input X" for name "X", or "input" for "".
func describeInput(name string) string {
	if name == "" {
		return "input"
	}
	return "input " + name
}

// floatInput returns inputs[i] after checking that it is a valid float32
// tensor of the given rank. A negative rank accepts any rank.
func floatInput[L Layer](l L, inputs []*Tensor, i int, name string, rank int) (*Tensor, error) {
	t := optionalInput(inputs, i)
	if err := checkTensor(l, t, name); err != nil {
		return nil, err
	}
	if t.DType != Float32 {
		return nil, layerError(l, "%s has element type %v, want float32", describeInput(name), t.DType)
	}
	if rank >= 0 && len(t.Shape) != rank {
		return nil, layerError(l, "%s has rank %d (shape %v), want rank %d", describeInput(name), len(t.Shape), t.Shape, rank)
	}
	return t, nil
}

// newOutput allocates a zero-filled float32 output tensor, returning an
// error that names the layer if the shape is too large.
func newOutput(l Layer, shape ...int) (*Tensor, error) {
	t, err := New(shape...)
	if err != nil {
		return nil, layerError(l, "output: %v", err)
	}
	return t, nil
}
