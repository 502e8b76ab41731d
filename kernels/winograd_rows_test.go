package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// winogradOneRowPerCall computes Conv2DWinograd's result for r on the
// calling goroutine, with the output kernel called once per tile row as
// before outputTileRows existed. Its buffers are zeroed, so stale values
// in the pool's scratch cannot hide a difference.
func winogradOneRowPerCall(r *winogradRun) {
	shared := make([]float32, r.sharedLen)
	private := make([]float32, r.privateLen)
	offsets := make([]int, gemmKC)
	ks := impl
	v, mm := r.matrices(shared)
	for b := 0; b < r.blocks(); b++ {
		ty0, ty1 := r.bounds(b)
		r.input(&ks, v, private, 0, r.p.Channels, ty0, ty1)
		r.products(&ks, mm, v, offsets, (ty1-ty0)*r.tilesW, 0, r.points)
		if r.weights.small {
			r.smallOutput(mm, 0, r.m, ty0, ty1)
			continue
		}
		outW := 32 * r.groups
		out := private[len(private)-winogradOut*outW:]
		outPlane := r.p.OutH * r.p.OutW
		for o := 0; o < r.m; o++ {
			var bias float32
			if r.bias != nil {
				bias = r.bias[o]
			}
			for ty := ty0; ty < ty1; ty++ {
				ks.winogradOutput(out, outW, mm[o*r.tileStride+(ty-ty0)*r.tilesW:], r.mPadded*r.tileStride, r.groups, bias, r.act.relu)
				for i := 0; i < min(winogradOut, r.p.OutH-4*ty); i++ {
					y := 4*ty + i
					row := r.dst[o*outPlane+y*r.p.OutW : o*outPlane+(y+1)*r.p.OutW]
					copy(row, out[i*outW:])
					r.act.applyCap(ks.clamp, row)
				}
			}
		}
	}
}

// winogradRowsCase is one Winograd convolution of the tests below.
type winogradRowsCase struct {
	m, c, outH, outW int
	bias             bool
	act              Activation
}

func (tc winogradRowsCase) String() string {
	return fmt.Sprintf("%d filters, %d channels, %dx%d output, bias %t, %v", tc.m, tc.c, tc.outH, tc.outW, tc.bias, tc.act)
}

// params returns a 3×3 convolution with padding 1 on every side.
func (tc winogradRowsCase) params() Conv2DParams {
	return Conv2DParams{Channels: tc.c, Height: tc.outH, Width: tc.outW, KernelH: 3, KernelW: 3,
		StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: tc.outH, OutW: tc.outW}
}

// checkWinogradTileRows runs tc with each thread count and requires every
// result to equal, bit for bit, winogradOneRowPerCall's. With reference
// set it also checks the first against the float64 direct convolution
// within winogradTolerance. src may hold special values; the reference
// is skipped then.
func checkWinogradTileRows(t *testing.T, rng *rand.Rand, tc winogradRowsCase, threads []int, reference bool, special int) {
	t.Helper()
	p := tc.params()
	src := randomFloats(rng, tc.c*p.Height*p.Width, special)
	weights := randomFloats(rng, tc.m*tc.c*9, 0)
	var bias []float32
	if tc.bias {
		bias = randomFloats(rng, tc.m, 0)
	}
	packed := PackWinogradWeights(weights, tc.m, p)
	n := p.OutH * p.OutW
	want := nanFloats(tc.m * n)
	run := newWinogradRun(want, src, packed, bias, p, tc.act, 1)
	winogradOneRowPerCall(&run)

	for _, th := range threads {
		SetThreads(th)
		got, intact := withSentinel(tc.m * n)
		copy(got, nanFloats(len(got)))
		Conv2DWinograd(got, src, packed, bias, p, tc.act)
		if !intact() {
			t.Fatalf("%v, %d threads: wrote past the end of dst", tc, th)
		}
		for i := range want {
			if !sameFloat(got[i], want[i]) {
				t.Fatalf("%v, %d threads: output %d (filter %d, y %d, x %d) = %v, %v with one tile row per output call",
					tc, th, i, i/n, i%n/p.OutW, i%p.OutW, got[i], want[i])
			}
		}
	}
	if !reference || special != 0 {
		return
	}
	direct, mag := directConv2D(src, weights, bias, tc.m, p, tc.act)
	mag = tileMaxima(mag, p.OutH, p.OutW)
	for i, d := range direct {
		if err := math.Abs(float64(want[i]) - d); !(err <= winogradTolerance*mag[i]) {
			t.Fatalf("%v: output %d = %v, direct %v (error %.3g of the tile's magnitude %.3g)", tc, i, want[i], d, err/mag[i], mag[i])
		}
	}
}

// TestWinogradOutputRowsEverySize checks Conv2DWinograd at every output
// size from 1×1 to 40×40 against the direct convolution and, bit for bit,
// against one output-kernel call per tile row, with 1, 2 and 3 threads.
// Sizes with 8 to 16 columns (2 to 4 tiles per row) take several tile
// rows per call. The activations and bias rotate over the sizes.
func TestWinogradOutputRowsEverySize(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(211, 212))
		acts := []Activation{NoActivation, ReLUActivation, CappedReLU(0.5), CappedReLU(1e-3)}
		maxSize := 40
		if testing.Short() {
			maxSize = 24
		}
		for h := 1; h <= maxSize; h++ {
			for w := 1; w <= maxSize; w++ {
				// Few filters and channels keep the direct reference cheap;
				// 7 filters leave a partial micro-kernel panel.
				tc := winogradRowsCase{m: 7, c: 5, outH: h, outW: w, bias: (h+w)%2 == 0, act: acts[(h*3+w)%len(acts)]}
				checkWinogradTileRows(t, rng, tc, []int{1, 2, 3}, true, 0)
			}
		}
	})
}

// TestWinogradOutputRowsThreads runs shapes with 8 to 16 output columns,
// which take several tile rows per output call, with enough work to split
// over 2, 3 and 7 goroutines. The cases split into whole blocks and into
// the shared phases of one block. Some have filter counts past a GEMM
// block, channels past gemmKC, or NaN and infinities in the input.
func TestWinogradOutputRowsThreads(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(213, 214))
		cases := []winogradRowsCase{
			{m: 64, c: 64, outH: 13, outW: 13, bias: true, act: ReLUActivation},
			{m: 48, c: 192, outH: 13, outW: 13, bias: true, act: CappedReLU(6)},
			{m: 151, c: 17, outH: 9, outW: 8, act: NoActivation},
			{m: 19, c: 260, outH: 40, outW: 12, bias: true, act: CappedReLU(0.25)},
			{m: 64, c: 64, outH: 31, outW: 16, act: ReLUActivation},
			{m: 33, c: 70, outH: 8, outW: 9, bias: true, act: NoActivation},
			{m: 145, c: 33, outH: 17, outW: 15, bias: true, act: ReLUActivation},
			{m: 64, c: 64, outH: 100, outW: 10, bias: true, act: CappedReLU(1)},
		}
		for i, tc := range cases {
			special := 0
			if i%2 == 1 {
				special = 400
			}
			checkWinogradTileRows(t, rng, tc, []int{1, 2, 3, 7}, false, special)
		}
	})
}
