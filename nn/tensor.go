package nn

import (
	"fmt"
	"math"
)

// DType is the element type of a Tensor.
type DType int

const (
	// Float32 tensors keep their elements in Tensor.Data.
	Float32 DType = iota
	// Int64 tensors keep their elements in Tensor.Int64. Shapes and indices
	// (the shape input of Reshape, for example) use this type, as in ONNX.
	Int64
)

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int64:
		return "int64"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Tensor is a dense array in row-major order; image tensors use NCHW layout.
// Exactly one of Data and Int64 holds the elements, as DType selects, and its
// length equals the product of Shape. A tensor with an empty Shape is a scalar.
type Tensor struct {
	Shape []int
	DType DType
	Data  []float32
	Int64 []int64
}

// maxElements bounds the element count of a tensor: 2^30 elements, 4 GiB
// of float32 or 8 GiB of int64, far beyond any CNN's activations and
// weights. A shape that a
// corrupt file or a hostile input value computes then gets an error rather
// than an allocation that ends the process. The bound also keeps byte
// sizes computed in int from overflowing.
const maxElements = min(math.MaxInt/16, 1<<30)

// NumElements returns the product of shape. It returns an error if a
// dimension is negative or the product exceeds what can be allocated, so
// callers can check a shape before they allocate for it.
func NumElements(shape []int) (int, error) {
	n := 1
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("dimension %d of shape %v is negative", i, shape)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, maxElements)
		}
		n *= d
	}
	return n, nil
}

// New returns a zero-filled float32 tensor of the given shape.
func New(shape ...int) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}, nil
}

// FromSlice returns a float32 tensor that shares data. len(data) must equal
// the product of shape.
func FromSlice(data []float32, shape ...int) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	if len(data) != n {
		return nil, fmt.Errorf("shape %v needs %d elements, got %d", shape, n, len(data))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}, nil
}

// FromInt64 returns an int64 tensor that shares data. len(data) must equal
// the product of shape.
func FromInt64(data []int64, shape ...int) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	if len(data) != n {
		return nil, fmt.Errorf("shape %v needs %d elements, got %d", shape, n, len(data))
	}
	return &Tensor{Shape: append([]int(nil), shape...), DType: Int64, Int64: data}, nil
}

// Len returns the number of elements.
func (t *Tensor) Len() int {
	if t.DType == Int64 {
		return len(t.Int64)
	}
	return len(t.Data)
}

// Validate checks that the element slice matches DType and Shape.
func (t *Tensor) Validate() error {
	n, err := NumElements(t.Shape)
	if err != nil {
		return err
	}
	switch t.DType {
	case Float32:
		if len(t.Data) != n || t.Int64 != nil {
			return fmt.Errorf("float32 tensor of shape %v has %d elements in Data and %d in Int64, want %d and 0", t.Shape, len(t.Data), len(t.Int64), n)
		}
	case Int64:
		if len(t.Int64) != n || t.Data != nil {
			return fmt.Errorf("int64 tensor of shape %v has %d elements in Int64 and %d in Data, want %d and 0", t.Shape, len(t.Int64), len(t.Data), n)
		}
	default:
		return fmt.Errorf("tensor has unknown element type %v", t.DType)
	}
	return nil
}
