// Package breaktest contains hostile tests of simdnn: random and edge-case
// inputs for the kernels, the layers, the model runner, the ONNX importer
// and the command. regression_test.go and cli_regression_test.go keep the
// bugs found this way fixed. Tests of bugs that are still open live in
// files named *_failing_test.go behind the build tag breaktest, so that
// the default suite stays green. Run them with
// `go test -tags breaktest ./internal/breaktest`.
package breaktest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"

	"github.com/simdnn/simdnn/nn"
)

// gen draws hostile layers and tensors.
type gen struct {
	r *rand.Rand
}

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) intn(n int) int { return g.r.IntN(n) }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// small returns a mostly small int that is sometimes negative or huge.
func (g *gen) small() int {
	switch g.intn(20) {
	case 0:
		return -1 - g.intn(3)
	case 1:
		return []int{math.MaxInt32, math.MaxInt, 1 << 31, 1 << 40, math.MinInt}[g.intn(5)]
	case 2:
		return 0
	}
	return 1 + g.intn(4)
}

// ints returns nil or a list of small ints.
func (g *gen) ints(maxLen int) []int {
	if g.chance(0.3) {
		return nil
	}
	out := make([]int, g.intn(maxLen+1))
	for i := range out {
		out[i] = g.small()
	}
	return out
}

// axis returns an axis in [-6, 6], sometimes far outside.
func (g *gen) axis() int {
	if g.chance(0.05) {
		return []int{math.MaxInt, math.MinInt, 1 << 40}[g.intn(3)]
	}
	return g.intn(13) - 6
}

func (g *gen) float() float32 {
	switch g.intn(30) {
	case 0:
		return float32(math.NaN())
	case 1:
		return float32(math.Inf(1))
	case 2:
		return float32(math.Inf(-1))
	case 3:
		return float32(math.Copysign(0, -1))
	case 4:
		return math.Float32frombits(1) // smallest subnormal
	case 5:
		return math.MaxFloat32
	}
	return float32(g.r.NormFloat64())
}

func (g *gen) pad() string {
	return []string{"", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER", "same_upper", "GARBAGE"}[g.intn(7)]
}

// shape returns a shape of rank 0 to 5 with small dimensions, zeros
// included.
func (g *gen) shape() []int {
	rank := g.intn(6)
	if g.chance(0.5) {
		rank = 2 + g.intn(3) // favour the ranks that CNN layers take
	}
	s := make([]int, rank)
	for i := range s {
		s[i] = g.intn(4)
		if g.chance(0.8) {
			s[i] = 1 + g.intn(4)
		}
	}
	return s
}

// tensor returns a valid tensor of a random shape and element type; int64
// tensors hold small values, as shapes, axes and indices would.
func (g *gen) tensor() *nn.Tensor {
	return g.tensorOf(g.shape(), g.chance(0.2))
}

func (g *gen) tensorOf(shape []int, int64s bool) *nn.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if int64s {
		data := make([]int64, n)
		for i := range data {
			data[i] = int64(g.intn(8) - 3)
			if g.chance(0.03) {
				data[i] = []int64{math.MaxInt64, math.MinInt64, 1 << 40, -1 << 40}[g.intn(4)]
			}
		}
		t, err := nn.FromInt64(data, shape...)
		if err != nil {
			panic(err)
		}
		return t
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = g.float()
	}
	t, err := nn.FromSlice(data, shape...)
	if err != nil {
		panic(err)
	}
	return t
}

// hostileTensor returns a tensor that breaks its own invariants, for the
// layers' input checks.
func (g *gen) hostileTensor() *nn.Tensor {
	switch g.intn(6) {
	case 0:
		return &nn.Tensor{Shape: []int{2, 3}, Data: make([]float32, 5)}
	case 1:
		return &nn.Tensor{Shape: []int{1 << 40, 1 << 40}, Data: make([]float32, 1)}
	case 2:
		return &nn.Tensor{Shape: []int{-1, 3}, Data: make([]float32, 3)}
	case 3:
		return &nn.Tensor{Shape: []int{2}, DType: nn.DType(7), Data: make([]float32, 2)}
	case 4:
		return &nn.Tensor{Shape: []int{2}, DType: nn.Int64, Data: make([]float32, 2)}
	}
	return &nn.Tensor{}
}

// inputs returns count inputs built around a first tensor of a CNN shape,
// each of them sometimes nil, hostile or unrelated.
func (g *gen) inputs(count int) []*nn.Tensor {
	in := make([]*nn.Tensor, count)
	var first []int
	for i := range in {
		switch {
		case g.chance(0.05):
			in[i] = nil
		case g.chance(0.03):
			in[i] = g.hostileTensor()
		case i > 0 && first != nil && g.chance(0.4):
			// A shape related to the first input: same, a suffix, or a
			// vector of one of its dimensions.
			var s []int
			switch g.intn(3) {
			case 0:
				s = slices.Clone(first)
			case 1:
				s = slices.Clone(first[g.intn(len(first)+1):])
			default:
				if len(first) > 0 {
					s = []int{first[g.intn(len(first))]}
				}
			}
			in[i] = g.tensorOf(s, g.chance(0.1))
		default:
			in[i] = g.tensor()
		}
		if i == 0 && in[i] != nil && in[i].Validate() == nil {
			first = in[i].Shape
		}
	}
	return in
}

// layer returns a layer with random, often invalid, attributes, and a
// plausible number of inputs for it.
func (g *gen) layer() (nn.Layer, int) {
	name := fmt.Sprintf("n%d", g.intn(100))
	switch g.intn(32) {
	case 0:
		return nn.Add{NodeName: name}, 2
	case 1:
		return nn.AveragePool{NodeName: name, KernelShape: g.ints(3), Strides: g.ints(3), Pads: g.ints(6), Dilations: g.ints(3),
			CeilMode: g.chance(0.5), AutoPad: g.pad(), CountIncludePad: g.chance(0.5)}, 1
	case 2:
		return nn.BatchNormalization{NodeName: name, Epsilon: g.float()}, 5
	case 3:
		return nn.Clip{NodeName: name, Min: g.float(), Max: g.float()}, 1 + g.intn(3)
	case 4:
		return nn.Concat{NodeName: name, Axis: g.axis()}, 1 + g.intn(4)
	case 5:
		var v *nn.Tensor
		if g.chance(0.7) {
			v = g.tensorOf([]int{1}, g.chance(0.5))
		} else if g.chance(0.5) {
			v = g.tensor()
		}
		return nn.ConstantOfShape{NodeName: name, Value: v}, 1
	case 6, 7, 8:
		return nn.Conv{NodeName: name, KernelShape: g.ints(3), Strides: g.ints(3), Pads: g.ints(6), Dilations: g.ints(3),
			Group: g.small() % 4, AutoPad: g.pad(), FuseReLU: g.chance(0.3)}, 2 + g.intn(2)
	case 9:
		return nn.Flatten{NodeName: name, Axis: g.axis()}, 1
	case 10:
		return nn.Gather{NodeName: name, Axis: g.axis()}, 2
	case 11, 12:
		return nn.Gemm{NodeName: name, Alpha: g.float(), Beta: g.float(), TransA: g.chance(0.5), TransB: g.chance(0.5)}, 2 + g.intn(2)
	case 13:
		return nn.GlobalAveragePool{NodeName: name}, 1
	case 14:
		return nn.GlobalMaxPool{NodeName: name}, 1
	case 15:
		return nn.Identity{NodeName: name}, 1
	case 16:
		return nn.LRN{NodeName: name, Size: g.small(), Alpha: g.float(), Beta: g.float(), Bias: g.float()}, 1
	case 17:
		return nn.LeakyRelu{NodeName: name, Alpha: g.float()}, 1
	case 18:
		return nn.LogSoftmax{NodeName: name, Axis: g.axis(), Coerce2D: g.chance(0.5)}, 1
	case 19:
		return nn.MatMul{NodeName: name}, 2
	case 20, 21:
		return nn.MaxPool{NodeName: name, KernelShape: g.ints(3), Strides: g.ints(3), Pads: g.ints(6), Dilations: g.ints(3),
			CeilMode: g.chance(0.5), AutoPad: g.pad(), StorageOrder: g.intn(3) - 1 + g.intn(2), OutputIndices: g.chance(0.4)}, 1
	case 22:
		return nn.Mul{NodeName: name}, 2
	case 23:
		return nn.Relu{NodeName: name}, 1
	case 24:
		return nn.Reshape{NodeName: name, AllowZero: g.chance(0.3)}, 2
	case 25:
		s := nn.Shape{NodeName: name, Start: g.axis()}
		if g.chance(0.5) {
			e := g.axis()
			s.End = &e
		}
		return s, 1
	case 26:
		return nn.Sigmoid{NodeName: name}, 1
	case 27:
		return nn.Softmax{NodeName: name, Axis: g.axis(), Coerce2D: g.chance(0.5)}, 1
	case 28:
		var axes []int
		if g.chance(0.6) {
			axes = make([]int, g.intn(4))
			for i := range axes {
				axes[i] = g.axis()
			}
		}
		if g.chance(0.5) {
			return nn.Squeeze{NodeName: name, Axes: axes}, 1 + g.intn(2)
		}
		return nn.Unsqueeze{NodeName: name, Axes: axes}, 1 + g.intn(2)
	case 29:
		return nn.Sum{NodeName: name}, 1 + g.intn(4)
	case 30:
		return nn.Tanh{NodeName: name}, 1
	}
	var perm []int
	if g.chance(0.8) {
		perm = make([]int, g.intn(6))
		for i := range perm {
			perm[i] = g.intn(len(perm)+1) - g.intn(2)
		}
	}
	return nn.Transpose{NodeName: name, Perm: perm}, 1
}

// call runs f and turns a panic into an error that carries the stack.
func call(f func() error) (err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			panicked = true
		}
	}()
	return f(), false
}

// sameTensor reports whether a and b have the same type, shape and element
// bits (any NaN equals any NaN).
func sameTensor(a, b *nn.Tensor) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.DType != b.DType || !slices.Equal(a.Shape, b.Shape) || len(a.Data) != len(b.Data) || !slices.Equal(a.Int64, b.Int64) {
		return false
	}
	for i := range a.Data {
		x, y := a.Data[i], b.Data[i]
		if math.Float32bits(x) != math.Float32bits(y) && !(x != x && y != y) {
			return false
		}
	}
	return true
}

func describe(ts []*nn.Tensor) string {
	s := "["
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		if t == nil {
			s += "nil"
			continue
		}
		s += fmt.Sprintf("%v%v", t.DType, t.Shape)
		if t.DType == nn.Int64 && len(t.Int64) <= 8 {
			s += fmt.Sprint(t.Int64)
		}
	}
	return s + "]"
}

// listOf returns n values drawn by f, or sometimes nil or a list of
// another length.
func (g *gen) listOf(n int, f func() int) []int {
	if g.chance(0.2) {
		return nil
	}
	if g.chance(0.05) {
		n = g.intn(n + 2)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = f()
	}
	return out
}

// consistentCase returns a layer whose inputs mostly fit together, for the
// layers whose valid inputs random shapes rarely hit.
func (g *gen) consistentCase() (nn.Layer, []*nn.Tensor) {
	name := fmt.Sprintf("c%d", g.intn(100))
	spatial := 1 + g.intn(3)
	if g.chance(0.6) {
		spatial = 2
	}
	dim := func() int {
		if g.chance(0.1) {
			return g.intn(2)
		}
		return 1 + g.intn(7)
	}
	xShape := []int{1 + g.intn(3), 1 + g.intn(4)}
	for range spatial {
		xShape = append(xShape, dim())
	}
	kernelDim := func() int {
		if g.chance(0.05) {
			return g.small()
		}
		return 1 + g.intn(4)
	}
	stride := func() int {
		if g.chance(0.05) {
			return g.small()
		}
		return 1 + g.intn(3)
	}
	padv := func() int {
		if g.chance(0.05) {
			return g.small()
		}
		return g.intn(3)
	}
	switch g.intn(6) {
	case 0, 1: // Conv
		group := 1
		if g.chance(0.4) {
			group = []int{1, 2, 3, xShape[1]}[g.intn(4)]
		}
		inC := xShape[1]
		if inC%group != 0 && g.chance(0.8) {
			group = 1
		}
		m := group * (1 + g.intn(3))
		kernel := make([]int, spatial)
		for i := range kernel {
			kernel[i] = kernelDim()
			if kernel[i] < 1 && g.chance(0.8) {
				kernel[i] = 1
			}
			kernel[i] = min(max(kernel[i], 0), 64)
		}
		wShape := append([]int{m, max(inC/group, 0)}, kernel...)
		if g.chance(0.05) {
			wShape[1]++
		}
		conv := nn.Conv{NodeName: name, Strides: g.listOf(spatial, stride), Pads: g.listOf(2*spatial, padv),
			Dilations: g.listOf(spatial, stride), Group: group, FuseReLU: g.chance(0.3)}
		if g.chance(0.2) {
			conv.AutoPad = g.pad()
			if conv.AutoPad != "" && conv.AutoPad != "NOTSET" && g.chance(0.9) {
				conv.Pads = nil
			}
		}
		if g.chance(0.2) {
			conv.KernelShape = kernel
		}
		in := []*nn.Tensor{g.tensorOf(xShape, false), g.tensorOf(wShape, false)}
		if g.chance(0.5) {
			in = append(in, g.tensorOf([]int{m}, false))
		}
		return conv, in
	case 2: // pools
		kernel := g.listOf(spatial, kernelDim)
		for i := range kernel {
			kernel[i] = min(kernel[i], 64)
		}
		if g.chance(0.5) {
			l := nn.MaxPool{NodeName: name, KernelShape: kernel, Strides: g.listOf(spatial, stride), Pads: g.listOf(2*spatial, padv),
				Dilations: g.listOf(spatial, stride), CeilMode: g.chance(0.4), StorageOrder: g.intn(2), OutputIndices: g.chance(0.3)}
			if g.chance(0.2) {
				l.AutoPad = g.pad()
				l.Pads = nil
			}
			return l, []*nn.Tensor{g.tensorOf(xShape, false)}
		}
		l := nn.AveragePool{NodeName: name, KernelShape: kernel, Strides: g.listOf(spatial, stride), Pads: g.listOf(2*spatial, padv),
			Dilations: g.listOf(spatial, stride), CeilMode: g.chance(0.4), CountIncludePad: g.chance(0.5)}
		if g.chance(0.2) {
			l.AutoPad = g.pad()
			l.Pads = nil
		}
		return l, []*nn.Tensor{g.tensorOf(xShape, false)}
	case 3: // Reshape
		x := g.tensorOf(xShape[:1+g.intn(len(xShape))], false)
		target := make([]int64, g.intn(5))
		for i := range target {
			switch g.intn(5) {
			case 0:
				target[i] = -1
			case 1:
				target[i] = 0
			case 2:
				target[i] = int64(x.Len())
			default:
				target[i] = int64(1 + g.intn(4))
			}
			if g.chance(0.02) {
				target[i] = []int64{-2, 1 << 40, -1 << 62, 1 << 62}[g.intn(4)]
			}
		}
		s, _ := nn.FromInt64(target, len(target))
		return nn.Reshape{NodeName: name, AllowZero: g.chance(0.3)}, []*nn.Tensor{x, s}
	case 4: // ConstantOfShape
		dims := make([]int64, g.intn(4))
		for i := range dims {
			dims[i] = int64(g.intn(4))
			if g.chance(0.03) {
				// Huge sizes make ConstantOfShape allocate them (see
				// TestConstantOfShapeHugeRuntimeShape), so only -1 here.
				dims[i] = -1
			}
		}
		s, _ := nn.FromInt64(dims, len(dims))
		var v *nn.Tensor
		if g.chance(0.8) {
			v = g.tensorOf([]int{1}, g.chance(0.4))
		}
		return nn.ConstantOfShape{NodeName: name, Value: v}, []*nn.Tensor{s}
	}
	// Gemm
	m, k, n := dim(), dim(), dim()
	transA, transB := g.chance(0.5), g.chance(0.5)
	aShape, bShape := []int{m, k}, []int{k, n}
	if transA {
		aShape = []int{k, m}
	}
	if transB {
		bShape = []int{n, k}
	}
	in := []*nn.Tensor{g.tensorOf(aShape, false), g.tensorOf(bShape, false)}
	if g.chance(0.6) {
		cShape := [][]int{{m, n}, {n}, {1, n}, {m, 1}, {}, {1}, {1, 1}}[g.intn(7)]
		in = append(in, g.tensorOf(cShape, false))
	}
	return nn.Gemm{NodeName: name, Alpha: g.float(), Beta: g.float(), TransA: transA, TransB: transB}, in
}
