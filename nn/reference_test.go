package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// This file holds test helpers and naive float64 references. The
// references compute output sizes by enumerating window positions instead
// of using the formulas in window.go, so they check those formulas too.

// randomTensor returns a float32 tensor of the given shape with values
// uniform in [-1, 1).
func randomTensor(t testing.TB, rng *rand.Rand, shape ...int) *Tensor {
	t.Helper()
	x, err := New(shape...)
	if err != nil {
		t.Fatalf("New(%v): %v", shape, err)
	}
	for i := range x.Data {
		x.Data[i] = float32(2*rng.Float64() - 1)
	}
	return x
}

// mustTensor returns a float32 tensor that holds data.
func mustTensor(t *testing.T, data []float32, shape ...int) *Tensor {
	t.Helper()
	x, err := FromSlice(data, shape...)
	if err != nil {
		t.Fatalf("FromSlice(%v): %v", shape, err)
	}
	return x
}

// forwardOne runs l and returns its only output, failing the test on error.
func forwardOne(t *testing.T, l Layer, inputs ...*Tensor) *Tensor {
	t.Helper()
	outs, err := l.Forward(inputs)
	if err != nil {
		t.Fatalf("%s Forward: %v", l.OpType(), err)
	}
	if len(outs) != 1 || outs[0] == nil {
		t.Fatalf("%s Forward returned %d outputs, want 1", l.OpType(), len(outs))
	}
	if err := outs[0].Validate(); err != nil {
		t.Fatalf("%s Forward returned an invalid tensor: %v", l.OpType(), err)
	}
	return outs[0]
}

// wantError runs l and checks that it fails with an error that names the
// layer and contains want.
func wantError(t *testing.T, l Layer, want string, inputs ...*Tensor) {
	t.Helper()
	_, err := l.Forward(inputs)
	if err == nil {
		t.Errorf("%s %q: Forward succeeded, want error containing %q", l.OpType(), l.Name(), want)
		return
	}
	prefix := strings.ToLower(l.OpType()) + ` "` + l.Name() + `": `
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q does not start with %q", err, prefix)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// sameShape reports whether got equals want.
func sameShape(got, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// checkClose compares got with the float64 reference want, allowing
// tol[i] of absolute error at index i. NaN must match NaN and infinities
// must match exactly.
func checkClose(t *testing.T, label string, got []float32, want, tol []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d elements, want %d", label, len(got), len(want))
		return
	}
	for i := range want {
		g, w := float64(got[i]), want[i]
		switch {
		case math.IsNaN(w) || math.IsInf(w, 0):
			if !(math.IsNaN(w) && math.IsNaN(g)) && g != w {
				t.Errorf("%s: element %d = %v, want %v", label, i, g, w)
				return
			}
		case math.IsNaN(g) || math.Abs(g-w) > tol[i]:
			t.Errorf("%s: element %d = %v, want %v within %.3g", label, i, g, w, tol[i])
			return
		}
	}
}

// checkExact compares got with want element by element, where NaN equals
// NaN.
func checkExact(t *testing.T, label string, got []float32, want []float64) {
	t.Helper()
	checkClose(t, label, got, want, make([]float64, len(want)))
}

// dotTolerance returns the error allowed for a float32 dot product of k
// terms whose magnitudes sum to absSum: about 3 times the worst-case
// rounding bound k*2^-24*absSum.
func dotTolerance(k int, absSum float64) float64 {
	return 2e-7 * float64(k+1) * absSum
}

// refWindow is explicit 2-D window geometry for the references.
type refWindow struct {
	kH, kW, sH, sW, dH, dW int
	padTop, padLeft        int
	padBottom, padRight    int
	ceil                   bool
}

// windowStarts returns the start positions, in padded coordinates, of the
// windows along one axis: windows that fit in the padded input, and in
// ceil mode also the first window that runs past its end. In ceil mode the
// last window is dropped if it starts in the end padding.
func windowStarts(in, padBegin, padEnd, kernel, stride, dilation int, ceil bool) []int {
	extent := (kernel-1)*dilation + 1
	padded := in + padBegin + padEnd
	var starts []int
	for start := 0; ; start += stride {
		fits := start+extent <= padded
		previousEndsInside := start-stride+extent < padded
		if !fits && !(ceil && previousEndsInside) {
			break
		}
		starts = append(starts, start)
	}
	if ceil && len(starts) > 0 && starts[len(starts)-1] >= in+padBegin {
		starts = starts[:len(starts)-1]
	}
	return starts
}

// refConv returns the convolution of x [N, C, H, W] with weight
// [M, C/groups, kH, kW] and optional bias, computed in float64, and the
// tolerance of each output element.
func refConv(x, weight, bias *Tensor, groups int, win refWindow) (shape []int, out, tol []float64) {
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	m := weight.Shape[0]
	cg, mg := c/groups, m/groups
	rows := windowStarts(h, win.padTop, win.padBottom, win.kH, win.sH, win.dH, false)
	cols := windowStarts(w, win.padLeft, win.padRight, win.kW, win.sW, win.dW, false)
	k := cg * win.kH * win.kW

	shape = []int{n, m, len(rows), len(cols)}
	for b := 0; b < n; b++ {
		for oc := 0; oc < m; oc++ {
			g := oc / mg
			for _, rowStart := range rows {
				for _, colStart := range cols {
					sum, absSum := 0.0, 0.0
					if bias != nil {
						sum = float64(bias.Data[oc])
						absSum = math.Abs(sum)
					}
					for ic := 0; ic < cg; ic++ {
						for ki := 0; ki < win.kH; ki++ {
							for kj := 0; kj < win.kW; kj++ {
								ih := rowStart - win.padTop + ki*win.dH
								iw := colStart - win.padLeft + kj*win.dW
								if ih < 0 || ih >= h || iw < 0 || iw >= w {
									continue
								}
								xv := float64(x.Data[((b*c+g*cg+ic)*h+ih)*w+iw])
								wv := float64(weight.Data[((oc*cg+ic)*win.kH+ki)*win.kW+kj])
								sum += xv * wv
								absSum += math.Abs(xv * wv)
							}
						}
					}
					out = append(out, sum)
					tol = append(tol, dotTolerance(k, absSum))
				}
			}
		}
	}
	return shape, out, tol
}

// refMaxPool returns the max pooling of x [N, C, H, W] in float64. Padded
// taps are skipped, and a window with no input tap gives -Inf.
func refMaxPool(x *Tensor, win refWindow) (shape []int, out []float64) {
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	rows := windowStarts(h, win.padTop, win.padBottom, win.kH, win.sH, win.dH, win.ceil)
	cols := windowStarts(w, win.padLeft, win.padRight, win.kW, win.sW, win.dW, win.ceil)

	shape = []int{n, c, len(rows), len(cols)}
	for plane := 0; plane < n*c; plane++ {
		for _, rowStart := range rows {
			for _, colStart := range cols {
				m := math.Inf(-1)
				for ki := 0; ki < win.kH; ki++ {
					for kj := 0; kj < win.kW; kj++ {
						ih := rowStart - win.padTop + ki*win.dH
						iw := colStart - win.padLeft + kj*win.dW
						if ih >= 0 && ih < h && iw >= 0 && iw < w {
							m = max(m, float64(x.Data[(plane*h+ih)*w+iw]))
						}
					}
				}
				out = append(out, m)
			}
		}
	}
	return shape, out
}

// refMatMul returns the product of the row-major matrices a [m, k] and
// b [k, n] in float64, with tolerances.
func refMatMul(a, b []float32, m, n, k int) (out, tol []float64) {
	out = make([]float64, m*n)
	tol = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			sum, absSum := 0.0, 0.0
			for p := 0; p < k; p++ {
				v := float64(a[i*k+p]) * float64(b[p*n+j])
				sum += v
				absSum += math.Abs(v)
			}
			out[i*n+j] = sum
			tol[i*n+j] = dotTolerance(k, absSum)
		}
	}
	return out, tol
}

// refSoftmax returns the softmax of each row of n elements spaced inner
// apart, in float64, following the formula exp(x - max) / sum.
func refSoftmax(x []float32, outer, n, inner int) []float64 {
	out := make([]float64, len(x))
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			at := func(j int) int { return (o*n+j)*inner + i }
			m := math.Inf(-1)
			for j := 0; j < n; j++ {
				m = max(m, float64(x[at(j)]))
			}
			sum := 0.0
			for j := 0; j < n; j++ {
				sum += math.Exp(float64(x[at(j)]) - m)
			}
			for j := 0; j < n; j++ {
				out[at(j)] = math.Exp(float64(x[at(j)])-m) / sum
			}
		}
	}
	return out
}

func float64s(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// sameBits reports whether a and b hold the same float32 bit patterns, so
// NaN equals NaN and -0 differs from +0.
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
