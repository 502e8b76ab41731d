package breaktest

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdnn/simdnn/nn"
)

// This file checks Conv and the pools against direct float64 loops written
// from the ONNX operator definitions, on random geometry.

// geometry is one spatial axis of a sliding window.
type geometry struct {
	in, kernel, stride, dilation, padBegin, padEnd int
}

func (a geometry) extent() int { return (a.kernel-1)*a.dilation + 1 }

// outLen returns the ONNX output length for auto_pad NOTSET, and whether
// the window fits. In ceil mode a last window that starts in the end
// padding is dropped, as onnx/reference does.
func (a geometry) outLen(ceil bool) (int, bool) {
	span := a.in + a.padBegin + a.padEnd - a.extent()
	if span < 0 {
		return 0, false
	}
	if !ceil {
		return span/a.stride + 1, true
	}
	out := (span+a.stride-1)/a.stride + 1
	if (out-1)*a.stride >= a.in+a.padBegin {
		out--
	}
	return out, true
}

// geometries draws rank random window axes. For pooling the explicit pads
// stay smaller than the kernel extent, as ONNX requires.
func (g *gen) geometries(rank int, pool bool) []geometry {
	axes := make([]geometry, rank)
	for i := range axes {
		a := geometry{in: 1 + g.intn(7), kernel: 1 + g.intn(4), stride: 1 + g.intn(3), dilation: 1 + g.intn(3)}
		if rank < 3 && g.chance(0.3) {
			// Rows long enough for the vector and implicit-GEMM paths.
			a.in = 8 + g.intn(40)
		}
		if g.chance(0.4) {
			a.stride, a.dilation = 1, 1
		}
		if g.chance(0.15) {
			// Far-apart taps and windows over a small input, where the
			// padded extent is much larger than input and output.
			a.stride, a.dilation = 1+g.intn(60), 1+g.intn(30)
			a.padBegin, a.padEnd = g.intn(80), g.intn(80)
			if g.chance(0.1) {
				a.stride, a.padBegin, a.padEnd = 1<<20+g.intn(5), 1<<20, 1<<20+g.intn(3)
			}
			if pool {
				a.padBegin = min(a.padBegin, a.extent()-1)
				a.padEnd = min(a.padEnd, a.extent()-1)
			}
		}
		a.padBegin, a.padEnd = g.intn(3), g.intn(3)
		if pool {
			a.padBegin = min(a.padBegin, a.extent()-1)
			a.padEnd = min(a.padEnd, a.extent()-1)
		}
		axes[i] = a
	}
	return axes
}

func attrs(axes []geometry) (kernel, strides, dilations, pads []int) {
	pads = make([]int, 2*len(axes))
	for i, a := range axes {
		kernel = append(kernel, a.kernel)
		strides = append(strides, a.stride)
		dilations = append(dilations, a.dilation)
		pads[i], pads[len(axes)+i] = a.padBegin, a.padEnd
	}
	return
}

// finiteTensor returns a tensor of normal values in [-2, 2], with some
// exact zeros.
func (g *gen) finiteTensor(shape ...int) *nn.Tensor {
	t, err := nn.New(shape...)
	if err != nil {
		panic(err)
	}
	for i := range t.Data {
		if !g.chance(0.1) {
			t.Data[i] = float32(g.r.Float64()*4 - 2)
		}
	}
	return t
}

// strides of a row-major shape.
func rowStrides(shape []int) []int {
	s := make([]int, len(shape))
	step := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = step
		step *= shape[i]
	}
	return s
}

// forEachIndex calls f with every index of shape in row-major order.
func forEachIndex(shape []int, f func(idx []int)) {
	for _, d := range shape {
		if d == 0 {
			return
		}
	}
	idx := make([]int, len(shape))
	for {
		f(idx)
		i := len(shape) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

func TestConvMatchesReference(t *testing.T) {
	g := newGen(11)
	iterations := layerIterations(t, 3000)
	checked := 0
	defer func() { t.Logf("%d cases checked", checked) }()
	for it := range iterations {
		rank := 1 + g.intn(3)
		axes := g.geometries(rank, false)
		groups := 1 + g.intn(3)
		cPerGroup, mPerGroup := 1+g.intn(3), 1+g.intn(3)
		if g.chance(0.3) {
			cPerGroup, mPerGroup = 1+g.intn(12), 1+g.intn(20)
		}
		if g.chance(0.3) {
			cPerGroup, mPerGroup = 1, 1 // depthwise
		}
		n := 1 + g.intn(2)
		c, m := groups*cPerGroup, groups*mPerGroup
		kernel, strides, dilations, pads := attrs(axes)
		outShape := []int{n, m}
		fits := true
		for _, a := range axes {
			o, ok := a.outLen(false)
			fits = fits && ok
			outShape = append(outShape, o)
		}
		if !fits {
			continue
		}
		xShape := []int{n, c}
		for _, a := range axes {
			xShape = append(xShape, a.in)
		}
		x := g.finiteTensor(xShape...)
		w := g.finiteTensor(append([]int{m, cPerGroup}, kernel...)...)
		var b *nn.Tensor
		inputs := []*nn.Tensor{x, w}
		if g.chance(0.5) {
			b = g.finiteTensor(m)
			inputs = append(inputs, b)
		}
		conv := nn.Conv{NodeName: "conv", Strides: strides, Pads: pads, Dilations: dilations, Group: groups, FuseReLU: g.chance(0.3)}
		out, err := conv.Forward(inputs)
		if err != nil {
			t.Fatalf("case %d: %#v on X %v W %v: %v", it, conv, x.Shape, w.Shape, err)
		}
		y := out[0]
		checked++
		if fmt.Sprint(y.Shape) != fmt.Sprint(outShape) {
			t.Fatalf("case %d: %#v on X %v W %v: shape %v, want %v", it, conv, x.Shape, w.Shape, y.Shape, outShape)
		}
		xs, ws, ys := rowStrides(x.Shape), rowStrides(w.Shape), rowStrides(y.Shape)
		bad := 0
		forEachIndex(y.Shape, func(idx []int) {
			nn_, mm := idx[0], idx[1]
			grp := mm / mPerGroup
			var sum, mag float64
			if b != nil {
				sum, mag = float64(b.Data[mm]), math.Abs(float64(b.Data[mm]))
			}
			forEachIndex(append([]int{cPerGroup}, kernel...), func(k []int) {
				xOff := nn_*xs[0] + (grp*cPerGroup+k[0])*xs[1]
				for i, a := range axes {
					pos := idx[2+i]*a.stride - a.padBegin + k[1+i]*a.dilation
					if pos < 0 || pos >= a.in {
						return
					}
					xOff += pos * xs[2+i]
				}
				wOff := mm*ws[0] + k[0]*ws[1]
				for i := range axes {
					wOff += k[1+i] * ws[2+i]
				}
				p := float64(x.Data[xOff]) * float64(w.Data[wOff])
				sum += p
				mag += math.Abs(p)
			})
			if conv.FuseReLU && sum < 0 {
				sum = 0
			}
			yOff := 0
			for i, v := range idx {
				yOff += v * ys[i]
			}
			got := float64(y.Data[yOff])
			if math.Abs(got-sum) > 1e-5*mag+1e-30 && bad < 3 {
				bad++
				t.Errorf("case %d: %#v on X %v W %v bias %v: Y%v = %v, want %v", it, conv, x.Shape, w.Shape, b != nil, idx, got, sum)
			}
		})
		if bad > 0 {
			return
		}
	}
}

func TestPoolsMatchReference(t *testing.T) {
	g := newGen(12)
	iterations := layerIterations(t, 3000)
	checked := 0
	defer func() { t.Logf("%d cases checked", checked) }()
	for it := range iterations {
		rank := 1 + g.intn(3)
		axes := g.geometries(rank, true)
		ceil := g.chance(0.4)
		kernel, strides, dilations, pads := attrs(axes)
		n, c := 1+g.intn(2), 1+g.intn(3)
		xShape := []int{n, c}
		outShape := []int{n, c}
		fits := true
		for _, a := range axes {
			xShape = append(xShape, a.in)
			o, ok := a.outLen(ceil)
			fits = fits && ok
			outShape = append(outShape, o)
		}
		if !fits {
			continue
		}
		x := g.finiteTensor(xShape...)
		if g.chance(0.2) {
			x.Data[g.intn(len(x.Data))] = float32(math.NaN())
		}
		isMax := g.chance(0.5)
		includePad := g.chance(0.5)
		var layer nn.Layer
		if isMax {
			layer = nn.MaxPool{NodeName: "pool", KernelShape: kernel, Strides: strides, Pads: pads, Dilations: dilations, CeilMode: ceil}
		} else {
			layer = nn.AveragePool{NodeName: "pool", KernelShape: kernel, Strides: strides, Pads: pads, Dilations: dilations, CeilMode: ceil, CountIncludePad: includePad}
		}
		out, err := layer.Forward([]*nn.Tensor{x})
		if err != nil {
			t.Fatalf("case %d: %#v on %v: %v", it, layer, x.Shape, err)
		}
		y := out[0]
		checked++
		if fmt.Sprint(y.Shape) != fmt.Sprint(outShape) {
			t.Fatalf("case %d: %#v on %v: shape %v, want %v", it, layer, x.Shape, y.Shape, outShape)
		}
		xs, ys := rowStrides(x.Shape), rowStrides(y.Shape)
		bad := 0
		forEachIndex(y.Shape, func(idx []int) {
			best := math.Inf(-1)
			var sum float64
			valid, padded := 0, 0
			forEachIndex(kernel, func(k []int) {
				off := idx[0]*xs[0] + idx[1]*xs[1]
				inside, inPadded := true, true
				for i, a := range axes {
					pos := idx[2+i]*a.stride - a.padBegin + k[i]*a.dilation
					if pos < 0 || pos >= a.in {
						inside = false
					}
					if pos < -a.padBegin || pos >= a.in+a.padEnd {
						inPadded = false
					}
					off += pos * xs[2+i]
				}
				if inPadded {
					padded++
				}
				if !inside {
					return
				}
				valid++
				v := float64(x.Data[off])
				sum += v
				if v != v || best != best {
					best = math.NaN()
				} else {
					best = math.Max(best, v)
				}
			})
			var want float64
			switch {
			case isMax:
				want = best
			case includePad:
				want = sum / float64(padded)
			default:
				want = sum / float64(valid)
			}
			yOff := 0
			for i, v := range idx {
				yOff += v * ys[i]
			}
			got := float64(y.Data[yOff])
			ok := got == want || (got != got && want != want) || math.Abs(got-want) <= 1e-5*(1+math.Abs(want))
			if !ok && bad < 3 {
				bad++
				t.Errorf("case %d: %#v on %v: Y%v = %v, want %v (valid taps %d, in padded input %d)", it, layer, x.Shape, idx, got, want, valid, padded)
			}
		})
		if bad > 0 {
			return
		}
	}
}
