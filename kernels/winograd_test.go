package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// winogradTolerance bounds the error of Conv2DWinograd relative to the
// largest sum of |weight·input| (plus |bias|) among the outputs of the
// same 4×4 tile: the transforms mix a tile's inputs, so even an output
// whose window lies wholly in the padding, exactly 0, gets the rounding
// of its neighbours. Direct convolution stays
// near 1e-7 of it. The transforms' coefficients (up to 8 in Aᵀ, 5 in Bᵀ,
// 1/24 in G) multiply float32 rounding by up to a few dozen.
const winogradTolerance = 2e-5

func winogradCases() []convCase {
	var cases []convCase
	for _, tc := range []struct{ m, c, h, w, pt, pl, pb, pr int }{
		{1, 1, 3, 3, 0, 0, 0, 0},       // a single output
		{1, 1, 6, 6, 0, 0, 0, 0},       // one full tile
		{6, 3, 5, 5, 1, 1, 1, 1},       // tiles overhang both edges
		{7, 5, 8, 37, 1, 1, 1, 1},      // 10 tiles per row: two groups
		{16, 16, 56, 56, 1, 1, 1, 1},   // ResNet's geometry, small
		{13, 9, 17, 11, 2, 0, 1, 2},    // uneven padding
		{5, 2, 30, 4, 0, 1, 0, 1},      // tall and narrow
		{2, 3, 4, 70, 1, 1, 1, 1},      // one tile row, 18 tiles
		{8, 300, 9, 9, 1, 1, 1, 1},     // channels in two blocks of the GEMM
		{150, 4, 10, 10, 1, 1, 1, 1},   // filters in two blocks
		{3, 2, 12, 12, 3, 3, 3, 3},     // padding wider than a tile's overlap
		{4, 4, 1, 1, 1, 1, 1, 1},       // a 1×1 image
		{1, 1, 130, 130, 1, 1, 1, 1},   // several blocks of tile rows
		{2, 2, 2, 9, 1, 1, 1, 1},       // fewer rows than a tile
		{24, 64, 28, 28, 1, 1, 1, 1},   // deeper layers
		{64, 64, 14, 14, 1, 1, 1, 1},   // one block
		{12, 32, 20, 20, 1, 1, 1, 1},   //
		{9, 7, 19, 23, 0, 0, 0, 0},     // no padding
		{3, 3, 3, 300, 1, 1, 1, 1},     // 75 tiles per row
		{10, 10, 13, 13, 2, 2, 0, 0},   // pads only at the start
		{10, 10, 13, 13, 0, 0, 2, 2},   // pads only at the end
		{4, 8, 40, 3, 1, 1, 1, 1},      // one tile per row
		{33, 17, 33, 33, 1, 1, 1, 1},   //
		{6, 6, 100, 6, 1, 1, 1, 1},     //
		{1, 257, 5, 5, 1, 1, 1, 1},     // a lone channel in the last GEMM block
		{145, 1, 5, 5, 1, 1, 1, 1},     // a lone filter in the last block
		{2, 3, 64, 64, 1, 1, 1, 1},     //
		{2, 3, 65, 65, 1, 1, 1, 1},     //
		{2, 3, 66, 66, 1, 1, 1, 1},     //
		{2, 3, 67, 67, 1, 1, 1, 1},     //
		{2, 3, 7, 7, 1, 1, 1, 1},       //
		{2, 3, 14, 14, 1, 1, 1, 1},     //
		{2, 3, 35, 35, 1, 1, 1, 1},     //
		{2, 3, 36, 36, 1, 1, 1, 1},     //
		{2, 3, 129, 129, 0, 0, 0, 0},   //
		{2, 2, 3, 1030, 1, 1, 1, 1},    // V rows near 4 KiB multiples
		{2, 2, 1030, 3, 1, 1, 1, 1},    //
		{16, 16, 112, 112, 1, 1, 1, 1}, //
	} {
		// Bias, ReLU and the cap (0 for plain ReLU) of each variant.
		variants := []struct {
			bias, relu bool
			cap        float32
		}{{false, false, 0}, {true, true, 0.5}, {true, false, 0}, {false, true, 0}}
		for i, v := range variants {
			if i > 0 && tc.m*tc.c*tc.h*tc.w > 1<<16 {
				break
			}
			cases = append(cases, convCase{
				m: tc.m, c: tc.c, h: tc.h, w: tc.w, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1,
				pt: tc.pt, pl: tc.pl, pb: tc.pb, pr: tc.pr, bias: v.bias, relu: v.relu, cap: v.cap,
			})
		}
	}
	return cases
}

// tileMaxima returns, for each element of the planes of h×w values in mag,
// the largest value in its 4×4 tile.
func tileMaxima(mag []float64, h, w int) []float64 {
	out := make([]float64, len(mag))
	for base := 0; base+h*w <= len(mag) && h*w > 0; base += h * w {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var m float64
				for i := y &^ 3; i < min(y&^3+4, h); i++ {
					for j := x &^ 3; j < min(x&^3+4, w); j++ {
						m = max(m, mag[base+i*w+j])
					}
				}
				out[base+y*w+x] = m
			}
		}
	}
	return out
}

func TestConv2DWinogradMatchesDirect(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 42))
		var worst float64
		for _, tc := range winogradCases() {
			p := tc.params()
			src := randomFloats(rng, tc.c*tc.h*tc.w, 0)
			weights := randomFloats(rng, tc.m*tc.c*9, 0)
			var bias []float32
			if tc.bias {
				bias = randomFloats(rng, tc.m, 0)
			}
			want, mag := directConv2D(src, weights, bias, tc.m, p, tc.activation())
			mag = tileMaxima(mag, p.OutH, p.OutW)
			dst := randomFloats(rng, tc.m*p.OutH*p.OutW, 0)
			Conv2DWinograd(dst, src, PackWinogradWeights(weights, tc.m, p), bias, p, tc.activation())
			for i, got := range dst {
				err := math.Abs(float64(got) - want[i])
				if err > winogradTolerance*mag[i] || math.IsNaN(float64(got)) {
					t.Fatalf("%v: output %d = %v, want %v (error %.3g of the tile's magnitude %.3g)", tc, i, got, want[i], err/mag[i], mag[i])
				}
				if mag[i] > 0 {
					worst = max(worst, err/mag[i])
				}
			}
		}
		t.Logf("largest error: %.3g of the tile's largest sum of |weight·input|", worst)
	})
}

// The result must not depend on the number of threads, whether the
// goroutines share out whole blocks (large images) or the phases of one
// block (small ones), nor on whether the output held NaN before.
func TestConv2DWinogradThreadsAgree(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(43, 44))
	for _, s := range []struct{ m, c, hw int }{{64, 64, 56}, {256, 160, 14}, {512, 256, 7}, {160, 300, 9}} {
		tc := convCase{m: s.m, c: s.c, h: s.hw, w: s.hw, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1}
		p := tc.params()
		src := randomFloats(rng, tc.c*tc.h*tc.w, 0)
		weights := PackWinogradWeights(randomFloats(rng, tc.m*tc.c*9, 0), tc.m, p)
		bias := randomFloats(rng, tc.m, 0)
		if s.hw < 56 {
			if run := newWinogradRun(nil, nil, weights, nil, p, NoActivation, 2); run.blocks() >= 2 {
				t.Fatalf("%v: %d blocks for 2 goroutines, want the shared phases of one block", tc, run.blocks())
			}
		}
		var first []float32
		for _, threads := range []int{1, 2, 3, 8} {
			SetThreads(threads)
			dst := make([]float32, tc.m*p.OutH*p.OutW)
			for i := range dst {
				dst[i] = float32(math.NaN())
			}
			Conv2DWinograd(dst, src, weights, bias, p, ReLUActivation)
			if first == nil {
				first = dst
				continue
			}
			if !slices.Equal(first, dst) {
				t.Fatalf("%v: %d threads give another result than 1 thread", tc, threads)
			}
		}
	}
}

func TestWinogradBlockRows(t *testing.T) {
	for _, tc := range []struct{ tilesH, tilesW, parts, want int }{
		{14, 14, 1, 2}, // about 32 tiles per block
		{7, 7, 1, 4},   // two pairs of 16 columns, not a pair and two lone tiles
		{56, 56, 1, 1}, // one row of 56 tiles is already large
		{4, 4, 1, 4},   // all 16 tiles in one block
		{14, 14, 2, 2}, // 7 rows per goroutine, in blocks of 2, 2, 2 and 1
		{56, 56, 2, 1}, // many one-row blocks
		{4, 4, 2, 4},   // too small to split: one block, shared phases
		{13, 3, 2, 7},  // two blocks, of 7 and 6 rows
	} {
		if got := winogradBlockRows(tc.tilesH, tc.tilesW, tc.parts); got != tc.want {
			t.Errorf("winogradBlockRows(%d, %d, %d) = %d, want %d", tc.tilesH, tc.tilesW, tc.parts, got, tc.want)
		}
	}
}

func TestWinogradSuitable(t *testing.T) {
	saved := winogradEnabled
	defer func() { winogradEnabled = saved }()
	layer := convCase{m: 64, c: 64, h: 56, w: 56, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1}
	want := !impl.winogradBorrowed
	if got := WinogradSuitable(layer.params(), layer.m); got != want {
		t.Errorf("ResNet's 3x3 64->64 layer at 56x56: WinogradSuitable = %v, want %v", got, want)
	}
	// The 2×2 tiles pay only where the direct GEMM runs at the AVX2 rate.
	last := convCase{m: 512, c: 512, h: 7, w: 7, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1}
	wantSmall := want && !impl.wideGEMM
	if got := WinogradSuitable(last.params(), last.m); got != wantSmall || !winogradSmall(last.params()) {
		t.Errorf("ResNet's 3x3 512->512 layer at 7x7: WinogradSuitable = %v, want %v with 2x2 tiles", got, wantSmall)
	}
	for _, tc := range []convCase{
		{m: 64, c: 64, h: 56, w: 56, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1}, // stride 2
		{m: 64, c: 64, h: 56, w: 56, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2}, // dilated
		{m: 64, c: 64, h: 56, w: 56, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, pt: 2, pl: 2, pb: 2, pr: 2}, // 5×5
		{m: 64, c: 3, h: 56, w: 56, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1},  // few channels
		{m: 512, c: 512, h: 3, w: 3, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1}, // tiny map
	} {
		if WinogradSuitable(tc.params(), tc.m) {
			t.Errorf("%v: WinogradSuitable = true, want false", tc)
		}
	}
	winogradEnabled = false
	if WinogradSuitable(layer.params(), layer.m) {
		t.Errorf("with %s=off: WinogradSuitable = true, want false", winogradEnv)
	}
}

// winogradTransformsAgree runs the three transform kernels of ks and of
// the generic set on the same operands and fails on a difference larger
// than the rounding of fused multiply-adds explains.
func winogradTransformsAgree(t *testing.T, ks kernelSet, in []float32, groups int) {
	t.Helper()
	rowLen := 32*groups + 8
	src := make([]float32, 6*rowLen)
	for i := range src {
		src[i] = in[i%len(in)]
	}
	scale := 1.0
	for _, v := range in {
		scale = max(scale, math.Abs(float64(v)))
	}
	check := func(what string, got, want []float32, bound float64) {
		t.Helper()
		for i := range want {
			if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= bound) {
				t.Fatalf("%s: %s element %d = %v, generic %v (groups %d)", ks.name, what, i, got[i], want[i], groups)
			}
		}
	}

	// Bᵀ·d: each output is a sum of at most 4 terms of at most 5·scale.
	gotZ, wantZ := make([]float32, 6*rowLen), make([]float32, 6*rowLen)
	ks.winogradColumns(gotZ, src, rowLen, rowLen)
	genericKernels.winogradColumns(wantZ, src, rowLen, rowLen)
	check("column transform", gotZ, wantZ, 20*scale*1e-6)

	// Bᵀ·d·B on the generic columns, so that only the row kernel differs.
	stride := 8*groups + 3
	gotV, wantV := make([]float32, 36*stride), make([]float32, 36*stride)
	ks.winogradRows(gotV, stride, wantZ, rowLen, groups)
	genericKernels.winogradRows(wantV, stride, wantZ, rowLen, groups)
	check("row transform", gotV, wantV, 400*scale*1e-6)

	// Aᵀ·M·A + bias, with ReLU, on the generic V as M.
	outStride := 32*groups + 5
	gotY, wantY := make([]float32, 4*outStride), make([]float32, 4*outStride)
	ks.winogradOutput(gotY, outStride, wantV, stride, groups, 0.25, true)
	genericKernels.winogradOutput(wantY, outStride, wantV, stride, groups, 0.25, true)
	check("output transform", gotY, wantY, 400*100*scale*1e-6)
}

func TestWinogradTransformsMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	for _, ks := range assemblyKernels() {
		for groups := 0; groups <= 3; groups++ {
			winogradTransformsAgree(t, ks, randomFloats(rng, 6*(32*groups+8), 0), groups)
		}
	}
}

func FuzzWinogradTransforms(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(1))
	f.Add([]byte{0x80, 0x7f, 0xff, 0}, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, groups uint8) {
		if len(data) < 2 {
			return
		}
		// Values in [-128, 128) in steps of 1/256: every rounding error
		// then stays far from the float32 range's ends, so the fused and
		// separate operations differ by rounding only.
		in := make([]float32, len(data)/2)
		for i := range in {
			in[i] = float32(int16(uint16(data[2*i])|uint16(data[2*i+1])<<8)) / 256
		}
		for _, ks := range assemblyKernels() {
			winogradTransformsAgree(t, ks, in, int(groups%5))
		}
	})
}

// TestWinogradBlockRowsRange checks winogradBlockRows for every small tile
// grid and goroutine count.
func TestWinogradBlockRowsRange(t *testing.T) {
	for tilesH := 1; tilesH <= 80; tilesH++ {
		for tilesW := 1; tilesW <= 80; tilesW++ {
			for parts := 1; parts <= 4; parts++ {
				rows := winogradBlockRows(tilesH, tilesW, parts)
				if rows < 1 || rows > tilesH {
					t.Fatalf("winogradBlockRows(%d, %d, %d) = %d, want 1 to %d", tilesH, tilesW, parts, rows, tilesH)
				}
				if parts == 1 && rows*tilesW > max(tilesW, 2*winogradBlockTiles) {
					t.Errorf("winogradBlockRows(%d, %d, 1) = %d: %d tiles per block, want at most %d", tilesH, tilesW, rows, rows*tilesW, max(tilesW, 2*winogradBlockTiles))
				}
			}
		}
	}
	for _, tilesW := range []int{1000, 5000} {
		for parts := 1; parts <= 4; parts++ {
			if rows := winogradBlockRows(3, tilesW, parts); rows != 1 {
				t.Errorf("winogradBlockRows(3, %d, %d) = %d, want 1", tilesW, parts, rows)
			}
		}
	}
}
