package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

type poolCase struct {
	name       string
	n, c, h, w int
	pool       MaxPool
	// autoPads are the pads [top, left, bottom, right] that an auto_pad
	// case implies; explicit cases leave it nil.
	autoPads []int
}

func (tc poolCase) window() refWindow {
	p := tc.pool
	win := refWindow{kH: p.KernelShape[0], kW: p.KernelShape[1], sH: 1, sW: 1, dH: 1, dW: 1, ceil: p.CeilMode}
	if len(p.Strides) == 2 {
		win.sH, win.sW = p.Strides[0], p.Strides[1]
	}
	if len(p.Dilations) == 2 {
		win.dH, win.dW = p.Dilations[0], p.Dilations[1]
	}
	pads := p.Pads
	if tc.autoPads != nil {
		pads = tc.autoPads
		// ceil mode affects explicit padding only.
		win.ceil = false
	}
	if len(pads) == 4 {
		win.padTop, win.padLeft, win.padBottom, win.padRight = pads[0], pads[1], pads[2], pads[3]
	}
	return win
}

func poolCases() []poolCase {
	k := func(h, w int) []int { return []int{h, w} }
	cases := []poolCase{
		{name: "2x2 stride 2 even", n: 2, c: 3, h: 6, w: 8, pool: MaxPool{KernelShape: k(2, 2), Strides: k(2, 2)}},
		{name: "2x2 stride 2 odd floor", n: 1, c: 2, h: 5, w: 7, pool: MaxPool{KernelShape: k(2, 2), Strides: k(2, 2)}},
		{name: "2x2 stride 2 odd ceil", n: 1, c: 2, h: 5, w: 7, pool: MaxPool{KernelShape: k(2, 2), Strides: k(2, 2), CeilMode: true}},
		{name: "2x2 stride 2 even ceil", n: 1, c: 2, h: 4, w: 6, pool: MaxPool{KernelShape: k(2, 2), Strides: k(2, 2), CeilMode: true}},
		{name: "2x2 stride 2 wide", n: 1, c: 1, h: 2, w: 67, pool: MaxPool{KernelShape: k(2, 2), Strides: k(2, 2)}},
		{name: "2x2 stride 1", n: 1, c: 2, h: 4, w: 5, pool: MaxPool{KernelShape: k(2, 2)}},
		{name: "3x3 stride 2 pad 1", n: 1, c: 3, h: 7, w: 7, pool: MaxPool{KernelShape: k(3, 3), Strides: k(2, 2), Pads: []int{1, 1, 1, 1}}},
		{name: "3x3 pad 2", n: 1, c: 2, h: 6, w: 6, pool: MaxPool{KernelShape: k(3, 3), Pads: []int{2, 2, 2, 2}}},
		{name: "ceil 3x3 stride 2", n: 1, c: 1, h: 4, w: 4, pool: MaxPool{KernelShape: k(3, 3), Strides: k(2, 2), CeilMode: true}},
		{name: "ceil drops window past input", n: 1, c: 1, h: 2, w: 2, pool: MaxPool{KernelShape: k(1, 1), Strides: k(2, 2), CeilMode: true}},
		{name: "ceil drops window in end padding", n: 1, c: 3, h: 2, w: 2,
			pool: MaxPool{KernelShape: k(3, 3), Strides: k(3, 3), Pads: []int{1, 1, 1, 1}, CeilMode: true}},
		{name: "ceil window larger than input", n: 1, c: 1, h: 2, w: 3, pool: MaxPool{KernelShape: k(3, 4), Strides: k(2, 2), CeilMode: true}},
		{name: "ceil with pads", n: 2, c: 1, h: 7, w: 6, pool: MaxPool{KernelShape: k(3, 2), Strides: k(2, 3), Pads: []int{1, 0, 1, 1}, CeilMode: true}},
		{name: "dilations", n: 1, c: 1, h: 4, w: 4, pool: MaxPool{KernelShape: k(2, 2), Dilations: k(2, 2)}},
		{name: "dilations ceil", n: 1, c: 2, h: 8, w: 7, pool: MaxPool{KernelShape: k(3, 2), Dilations: k(2, 3), Strides: k(2, 2), CeilMode: true}},
		{name: "2x2 stride 2 dilation 2", n: 1, c: 1, h: 6, w: 6, pool: MaxPool{KernelShape: k(2, 2), Strides: k(2, 2), Dilations: k(2, 2)}},
		{name: "asymmetric pads", n: 1, c: 2, h: 5, w: 6, pool: MaxPool{KernelShape: k(3, 3), Pads: []int{0, 2, 1, 0}}},
		{name: "stride larger than kernel", n: 1, c: 1, h: 9, w: 10, pool: MaxPool{KernelShape: k(2, 2), Strides: k(3, 4)}},
		{name: "pads larger than kernel", n: 1, c: 1, h: 3, w: 3, pool: MaxPool{KernelShape: k(2, 2), Pads: []int{3, 2, 3, 2}}},
		{name: "dilation steps over input", n: 1, c: 1, h: 1, w: 1, pool: MaxPool{KernelShape: k(2, 2), Dilations: k(2, 2), Pads: []int{1, 1, 1, 1}}},
		{name: "batch 3", n: 3, c: 2, h: 5, w: 5, pool: MaxPool{KernelShape: k(3, 3), Strides: k(2, 2)}},
		{name: "output width 0", n: 1, c: 1, h: 3, w: 2, pool: MaxPool{KernelShape: k(1, 3)}},
		{name: "output size 0 stride 3", n: 2, c: 2, h: 2, w: 2, pool: MaxPool{KernelShape: k(4, 4), Strides: k(3, 3)}},
		{name: "batch 0", n: 0, c: 2, h: 4, w: 4, pool: MaxPool{KernelShape: k(2, 2), Strides: k(2, 2)}},

		{name: "SAME_UPPER 2x2", n: 1, c: 3, h: 5, w: 6, pool: MaxPool{KernelShape: k(2, 2), AutoPad: "SAME_UPPER"},
			autoPads: []int{0, 0, 1, 1}},
		{name: "SAME_LOWER 2x2", n: 1, c: 3, h: 5, w: 6, pool: MaxPool{KernelShape: k(2, 2), AutoPad: "SAME_LOWER"},
			autoPads: []int{1, 1, 0, 0}},
		{name: "SAME_UPPER 3x3 stride 2", n: 1, c: 1, h: 5, w: 5, pool: MaxPool{KernelShape: k(3, 3), Strides: k(2, 2), AutoPad: "SAME_UPPER"},
			autoPads: []int{1, 1, 1, 1}},
		{name: "SAME_LOWER ceil ignored", n: 1, c: 1, h: 6, w: 7, pool: MaxPool{KernelShape: k(1, 2), Strides: k(4, 3), AutoPad: "SAME_LOWER", CeilMode: true},
			autoPads: []int{0, 1, 0, 0}},
		{name: "VALID ceil ignored", n: 1, c: 2, h: 5, w: 5, pool: MaxPool{KernelShape: k(2, 2), Strides: k(2, 2), AutoPad: "VALID", CeilMode: true},
			autoPads: []int{0, 0, 0, 0}},
	}

	rng := rand.New(rand.NewPCG(20, 21))
	for i := range 120 {
		tc := poolCase{
			name: fmt.Sprintf("random %d", i),
			n:    1 + rng.IntN(2), c: 1 + rng.IntN(3), h: 1 + rng.IntN(9), w: 1 + rng.IntN(9),
			pool: MaxPool{
				KernelShape: k(1+rng.IntN(4), 1+rng.IntN(4)),
				Strides:     k(1+rng.IntN(3), 1+rng.IntN(3)),
				Pads:        []int{rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(3)},
				Dilations:   k(1+rng.IntN(2), 1+rng.IntN(2)),
				CeilMode:    rng.IntN(2) == 0,
			},
		}
		// Keep only shapes with a non-negative output size.
		win := tc.window()
		if tc.h+win.padTop+win.padBottom-((win.kH-1)*win.dH+1) < -win.sH ||
			tc.w+win.padLeft+win.padRight-((win.kW-1)*win.dW+1) < -win.sW {
			continue
		}
		cases = append(cases, tc)
	}
	return cases
}

// specialValues fills about a fifth of x with NaN, ±Inf and ±0 so that
// the comparison covers Go's max semantics at every window position.
func specialValues(rng *rand.Rand, x *Tensor) {
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))}
	for i := range x.Data {
		if rng.IntN(5) == 0 {
			x.Data[i] = special[rng.IntN(len(special))]
		}
	}
}

func TestMaxPoolMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range poolCases() {
		tc.pool.NodeName = "pool1"
		for _, withSpecial := range []bool{false, true} {
			x := randomTensor(t, rng, tc.n, tc.c, tc.h, tc.w)
			if withSpecial {
				specialValues(rng, x)
			}

			got := forwardOne(t, tc.pool, x)

			wantShape, want := refMaxPool(x, tc.window())
			label := fmt.Sprintf("%s (x %v, special values %v)", tc.name, x.Shape, withSpecial)
			if !sameShape(got.Shape, wantShape) {
				t.Errorf("%s: output shape %v, want %v", label, got.Shape, wantShape)
				continue
			}
			checkExact(t, label, got.Data, want)
		}
	}
}

func TestMaxPoolOutputShapes(t *testing.T) {
	// Shapes from the ONNX backend tests and the ONNX formulas, written
	// out by hand.
	cases := []struct {
		name       string
		h, w       int
		pool       MaxPool
		outH, outW int
	}{
		{"ceil 3x3 stride 2 on 4x4", 4, 4, MaxPool{KernelShape: []int{3, 3}, Strides: []int{2, 2}, CeilMode: true}, 2, 2},
		{"floor 3x3 stride 2 on 4x4", 4, 4, MaxPool{KernelShape: []int{3, 3}, Strides: []int{2, 2}}, 1, 1},
		{"ceil reduce by one", 2, 2, MaxPool{KernelShape: []int{1, 1}, Strides: []int{2, 2}, CeilMode: true}, 1, 1},
		{"ceil window in end padding", 2, 2, MaxPool{KernelShape: []int{3, 3}, Strides: []int{3, 3}, Pads: []int{1, 1, 1, 1}, CeilMode: true}, 1, 1},
		{"pads 2", 28, 28, MaxPool{KernelShape: []int{3, 3}, Pads: []int{2, 2, 2, 2}}, 30, 30},
		{"strides 3", 32, 32, MaxPool{KernelShape: []int{5, 5}, Strides: []int{3, 3}}, 10, 10},
		{"SAME_UPPER", 32, 32, MaxPool{KernelShape: []int{2, 2}, AutoPad: "SAME_UPPER"}, 32, 32},
		{"SAME_LOWER stride 2", 5, 6, MaxPool{KernelShape: []int{3, 3}, Strides: []int{2, 2}, AutoPad: "SAME_LOWER"}, 3, 3},
		{"VALID ceil", 5, 5, MaxPool{KernelShape: []int{2, 2}, Strides: []int{2, 2}, AutoPad: "VALID", CeilMode: true}, 2, 2},
		{"zero width", 3, 2, MaxPool{KernelShape: []int{1, 3}}, 3, 0},
	}
	for _, tc := range cases {
		tc.pool.NodeName = "pool1"
		x := randomTensor(t, rand.New(rand.NewPCG(1, 1)), 1, 1, tc.h, tc.w)
		got := forwardOne(t, tc.pool, x)
		want := []int{1, 1, tc.outH, tc.outW}
		if !sameShape(got.Shape, want) {
			t.Errorf("%s: output shape %v, want %v", tc.name, got.Shape, want)
		}
	}
}

func TestMaxPoolPaddingIsNotZero(t *testing.T) {
	// Every input is negative, so an output of 0 could only come from a
	// padded tap read as 0.
	rng := rand.New(rand.NewPCG(3, 4))
	x := randomTensor(t, rng, 2, 3, 5, 6)
	for i := range x.Data {
		x.Data[i] = -1 - float32(rng.Float64())
	}
	pool := MaxPool{NodeName: "pool1", KernelShape: []int{3, 3}, Strides: []int{2, 2}, Pads: []int{1, 1, 1, 1}}

	got := forwardOne(t, pool, x)

	for i, v := range got.Data {
		if v >= 0 {
			t.Fatalf("output %d = %v, want a negative value from the input", i, v)
		}
	}
	_, want := refMaxPool(x, refWindow{kH: 3, kW: 3, sH: 2, sW: 2, dH: 1, dW: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1})
	checkExact(t, "all-negative input", got.Data, want)
}

func TestMaxPoolFullyPaddedWindowIsNegInf(t *testing.T) {
	x := mustTensor(t, []float32{-5}, 1, 1, 1, 1)
	pool := MaxPool{NodeName: "pool1", KernelShape: []int{1, 1}, Pads: []int{1, 0, 0, 0}}

	got := forwardOne(t, pool, x)

	if !sameShape(got.Shape, []int{1, 1, 2, 1}) {
		t.Fatalf("output shape %v, want [1 1 2 1]", got.Shape)
	}
	if !math.IsInf(float64(got.Data[0]), -1) {
		t.Errorf("output over the padding row = %v, want -Inf", got.Data[0])
	}
	if got.Data[1] != -5 {
		t.Errorf("output over the input = %v, want -5", got.Data[1])
	}
}

func TestMaxPoolNaNPropagates(t *testing.T) {
	nan := float32(math.NaN())
	// NaN at each corner of a 2x2 window, tried on the 2x2 stride 2 path
	// and on the general path (stride 1).
	for pos := range 4 {
		data := []float32{1, 2, 3, 4}
		data[pos] = nan
		x := mustTensor(t, data, 1, 1, 2, 2)
		for _, strides := range [][]int{{2, 2}, {1, 1}} {
			pool := MaxPool{NodeName: "pool1", KernelShape: []int{2, 2}, Strides: strides}
			got := forwardOne(t, pool, x)
			if !math.IsNaN(float64(got.Data[0])) {
				t.Errorf("NaN at %d, strides %v: output %v, want NaN", pos, strides, got.Data[0])
			}
		}
	}
}

func TestMaxPoolValidation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomTensor(t, rng, 1, 2, 4, 4)
	xInt, _ := FromInt64(make([]int64, 32), 1, 2, 4, 4)
	k2 := []int{2, 2}

	cases := []struct {
		name   string
		pool   MaxPool
		inputs []*Tensor
		want   string
	}{
		{"no inputs", MaxPool{KernelShape: k2}, nil, "got 0 inputs, want 1"},
		{"two inputs", MaxPool{KernelShape: k2}, []*Tensor{x, x}, "got 2 inputs, want 1"},
		{"nil X", MaxPool{KernelShape: k2}, []*Tensor{nil}, "input X is missing"},
		{"int64 X", MaxPool{KernelShape: k2}, []*Tensor{xInt}, "element type int64, want float32"},
		{"X rank 2", MaxPool{KernelShape: k2}, []*Tensor{randomTensor(t, rng, 4, 4)}, "input X has rank 2 (shape [4 4]), want 3, 4 or 5"},
		{"X rank 6", MaxPool{KernelShape: k2}, []*Tensor{randomTensor(t, rng, 1, 1, 2, 2, 2, 2)}, "input X has rank 6 (shape [1 1 2 2 2 2]), want 3, 4 or 5"},
		{"kernel_shape 2-D on 1-D input", MaxPool{KernelShape: k2}, []*Tensor{randomTensor(t, rng, 2, 4, 4)}, "kernel_shape [2 2] has 2 values, want 1 for 1-D input"},
		{"kernel_shape 2-D on 3-D input", MaxPool{KernelShape: k2}, []*Tensor{randomTensor(t, rng, 1, 1, 2, 4, 4)}, "kernel_shape [2 2] has 2 values, want 3 for 3-D input"},
		{"no kernel_shape", MaxPool{}, []*Tensor{x}, "kernel_shape [] has 0 values, want 2"},
		{"kernel_shape 1-D", MaxPool{KernelShape: []int{2}}, []*Tensor{x}, "kernel_shape [2] has 1 values, want 2"},
		{"kernel 0", MaxPool{KernelShape: []int{0, 2}}, []*Tensor{x}, "kernel 0x2, want every size at least 1"},
		{"storage_order 2", MaxPool{KernelShape: k2, StorageOrder: 2}, []*Tensor{x}, "storage_order 2, want 0"},
		{"stride 0", MaxPool{KernelShape: k2, Strides: []int{0, 1}}, []*Tensor{x}, "strides [0 1], want values at least 1"},
		{"dilation -1", MaxPool{KernelShape: k2, Dilations: []int{1, -1}}, []*Tensor{x}, "dilations [1 -1], want values at least 1"},
		{"negative pad", MaxPool{KernelShape: k2, Pads: []int{-1, 0, 0, 0}}, []*Tensor{x}, "pads [-1 0 0 0], want values at least 0"},
		{"pads with VALID", MaxPool{KernelShape: k2, AutoPad: "VALID", Pads: []int{0, 1, 0, 0}}, []*Tensor{x}, "given with auto_pad VALID, which ONNX forbids"},
		{"unknown auto_pad", MaxPool{KernelShape: k2, AutoPad: "same_upper"}, []*Tensor{x}, `auto_pad "same_upper"`},
		{"negative output size", MaxPool{KernelShape: []int{6, 6}}, []*Tensor{x}, "dilated kernel 6x6 larger than padded input 4x4 by more than stride 1x1"},
	}
	for _, tc := range cases {
		tc.pool.NodeName = "pool1"
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.pool, tc.want, tc.inputs...)
		})
	}
}

// TestMaxPoolHugeStridesAndPads takes the path that visits taps one by one,
// because vector buffers would grow with the pads: a 1×1 image with
// strides and pads of 2^22 has a 3×3 output whose centre is the pixel and
// whose other windows read only padding.
func TestMaxPoolHugeStridesAndPads(t *testing.T) {
	const huge = 1 << 22
	x := mustTensor(t, []float32{float32(math.NaN()), 5}, 1, 2, 1, 1)
	got := forwardOne(t, MaxPool{NodeName: "pool", KernelShape: []int{1, 1}, Strides: []int{huge, huge}, Pads: []int{huge, huge, huge, huge}}, x)
	if !sameShape(got.Shape, []int{1, 2, 3, 3}) {
		t.Fatalf("output shape %v, want [1 2 3 3]", got.Shape)
	}
	for c, centre := range []float32{float32(math.NaN()), 5} {
		for i := 0; i < 9; i++ {
			v := got.Data[c*9+i]
			switch {
			case i == 4 && !(v == centre || (v != v && centre != centre)):
				t.Errorf("channel %d centre = %v, want %v", c, v, centre)
			case i != 4 && !math.IsInf(float64(v), -1):
				t.Errorf("channel %d output %d = %v, want -Inf (only padding)", c, i, v)
			}
		}
	}
}

// BenchmarkMaxPool times ForwardInto on the stem pool inputs of
// ResNet and VGG-style networks, 1×64×112×112, and of SqueezeNet 1.1,
// 1×64×111×111. Bytes are the input plus the output.
func BenchmarkMaxPool(b *testing.B) {
	k3, s2 := []int{3, 3}, []int{2, 2}
	cases := []struct {
		name string
		pool MaxPool
		side int // input height and width
	}{
		{"2x2_stride_2", MaxPool{NodeName: "pool", KernelShape: []int{2, 2}, Strides: s2}, 112},
		{"3x3_stride_2_pad_1", MaxPool{NodeName: "pool", KernelShape: k3, Strides: s2, Pads: []int{1, 1, 1, 1}}, 112},
		{"3x3_stride_2_pad_0_ceil", MaxPool{NodeName: "pool", KernelShape: k3, Strides: s2, CeilMode: true}, 111},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(7, 8))
			x, err := New(1, 64, tc.side, tc.side)
			if err != nil {
				b.Fatal(err)
			}
			for i := range x.Data {
				x.Data[i] = float32(2*rng.Float64() - 1)
			}
			inputs := []*Tensor{x}
			types, err := tc.pool.InferTypes(typesOf(inputs), inputs)
			if err != nil {
				b.Fatal(err)
			}
			y, err := New(types[0].Shape...)
			if err != nil {
				b.Fatal(err)
			}
			size, err := tc.pool.ScratchSize(typesOf(inputs))
			if err != nil {
				b.Fatal(err)
			}
			scratch := make([]float32, size)
			b.SetBytes(int64(4 * (len(x.Data) + len(y.Data))))
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.pool.ForwardInto([]*Tensor{y}, inputs, scratch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMaxPool3x3Stride2MatchesGeneralPath checks that the 3×3 stride-2
// kernel gives the bits of the general path, which it replaced for these
// windows: NaN payloads, signed zeros and the all-ones NaN of the
// assembly included. The sizes cover odd and even sides, and every
// attribute set must take the kernel for some of them.
func TestMaxPool3x3Stride2MatchesGeneralPath(t *testing.T) {
	nanPayloads := []uint32{0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd00001, 0x7f800001, 0xff800002}
	special := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))}
	for _, bits := range nanPayloads {
		special = append(special, math.Float32frombits(bits))
	}

	k3, s2 := []int{3, 3}, []int{2, 2}
	pools := []MaxPool{
		{NodeName: "pool", KernelShape: k3, Strides: s2, Pads: []int{1, 1, 1, 1}},
		{NodeName: "pool", KernelShape: k3, Strides: s2, Pads: []int{1, 1, 1, 1}, CeilMode: true},
		{NodeName: "pool", KernelShape: k3, Strides: s2, Pads: []int{1, 1, 0, 0}},
		{NodeName: "pool", KernelShape: k3, Strides: s2, Pads: []int{1, 1, 2, 2}, CeilMode: true},
		{NodeName: "pool", KernelShape: k3, Strides: s2},
		{NodeName: "pool", KernelShape: k3, Strides: s2, CeilMode: true},
		{NodeName: "pool", KernelShape: k3, Strides: s2, Pads: []int{0, 0, 1, 1}},
		{NodeName: "pool", KernelShape: k3, Strides: s2, Pads: []int{0, 0, 1, 1}, CeilMode: true},
		{NodeName: "pool", KernelShape: k3, Strides: s2, AutoPad: "SAME_UPPER"},
		{NodeName: "pool", KernelShape: k3, Strides: s2, AutoPad: "SAME_LOWER"},
	}
	var sides []int
	for n := 1; n <= 20; n++ {
		sides = append(sides, n)
	}
	widths := append(slices.Clone(sides), 36, 37, 55, 111, 112)

	rng := rand.New(rand.NewPCG(9, 10))
	kernelRuns := make([]int, len(pools)) // sizes that took the kernel, per pool
	for _, h := range sides {
		for _, w := range widths {
			for p, pool := range pools {
				x := randomTensor(t, rng, 1, 3, h, w)
				for i := range x.Data {
					if rng.IntN(4) == 0 {
						x.Data[i] = special[rng.IntN(len(special))]
					}
				}
				var buf windowBuffer
				win, err := pool.resolve(x.Shape, &buf)
				if err != nil {
					t.Fatal(err)
				}
				outH, outW := win.axes[0].out, win.axes[1].out
				if !isPool3x3Stride2(win) || outH == 0 || outW == 0 {
					continue
				}
				kernelRuns[p]++
				got := make([]float32, 3*outH*outW)
				maxPool3x3Stride2(got, x.Data, 3, win)

				want := make([]float32, len(got))
				padded, windows, _ := rowPoolerSizes(win.axes[1])
				scratch := make([]float32, w+padded+windows)
				maxPoolRows(want, x.Data, 3, win, scratch)

				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%dx%d, pads %v, auto_pad %q, ceil %v: output %d has bits %#08x, general path %#08x",
							h, w, pool.Pads, pool.AutoPad, pool.CeilMode, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
					}
				}
			}
		}
	}
	for p, n := range kernelRuns {
		if n == 0 {
			t.Errorf("pads %v, auto_pad %q, ceil %v: no size took the 3x3 stride-2 kernel",
				pools[p].Pads, pools[p].AutoPad, pools[p].CeilMode)
		}
	}
}

func TestIsPool3x3Stride2(t *testing.T) {
	k3, s2 := []int{3, 3}, []int{2, 2}
	cases := []struct {
		name string
		pool MaxPool
		h, w int
		want bool
	}{
		{"ResNet stem", MaxPool{KernelShape: k3, Strides: s2, Pads: []int{1, 1, 1, 1}}, 112, 112, true},
		{"odd input ceil", MaxPool{KernelShape: k3, Strides: s2, Pads: []int{1, 1, 1, 1}, CeilMode: true}, 7, 7, true},
		{"SAME_UPPER even input", MaxPool{KernelShape: k3, Strides: s2, AutoPad: "SAME_UPPER"}, 8, 8, true},
		{"SAME_LOWER even input", MaxPool{KernelShape: k3, Strides: s2, AutoPad: "SAME_LOWER"}, 8, 8, true},
		{"no padding", MaxPool{KernelShape: k3, Strides: s2}, 9, 9, true},
		{"SqueezeNet no padding ceil", MaxPool{KernelShape: k3, Strides: s2, CeilMode: true}, 111, 111, true},
		{"no padding even input ceil", MaxPool{KernelShape: k3, Strides: s2, CeilMode: true}, 8, 8, true},
		{"window in end padding only", MaxPool{KernelShape: k3, Strides: s2, Pads: []int{1, 1, 5, 5}}, 2, 2, false},
		{"unpadded window in end padding only", MaxPool{KernelShape: k3, Strides: s2, Pads: []int{0, 0, 3, 3}}, 2, 2, false},
		{"pad 2", MaxPool{KernelShape: k3, Strides: s2, Pads: []int{2, 2, 2, 2}}, 9, 9, false},
		{"dilation 2", MaxPool{KernelShape: k3, Strides: s2, Pads: []int{1, 1, 1, 1}, Dilations: []int{2, 2}}, 9, 9, false},
		{"stride 1", MaxPool{KernelShape: k3, Pads: []int{1, 1, 1, 1}}, 9, 9, false},
		{"pad 1 on one axis only", MaxPool{KernelShape: k3, Strides: s2, Pads: []int{1, 0, 1, 0}}, 9, 9, false},
	}
	for _, tc := range cases {
		var buf windowBuffer
		win, err := tc.pool.resolve([]int{1, 1, tc.h, tc.w}, &buf)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := isPool3x3Stride2(win); got != tc.want {
			t.Errorf("%s: isPool3x3Stride2 = %v, want %v (window %+v)", tc.name, got, tc.want, win.axes)
		}
	}
}
