package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestConv2DPackedMatchesConv2D checks that prepacked weights give bitwise
// the results of packing on the fly, on the implicit, packed and direct
// paths, with several blocks of filters and of taps, and split across
// threads.
func TestConv2DPackedMatchesConv2D(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(71, 72))
		cases := []convCase{
			{m: 150, c: 40, h: 20, w: 20, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true, relu: true, cap: 6},
			{m: 300, c: 64, h: 7, w: 7, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true},
			{m: 20, c: 3, h: 30, w: 30, kh: 7, kw: 7, sh: 2, sw: 2, dh: 1, dw: 1, pt: 3, pl: 3, pb: 3, pr: 3, relu: true},
			{m: 7, c: 5, h: 9, w: 11, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1},
		}
		for _, threads := range []int{1, 2} {
			SetThreads(threads)
			for _, tc := range cases {
				p := tc.params()
				src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
				weights := randomFloats(rng, tc.m*p.k(), 0)
				var bias []float32
				if tc.bias {
					bias = randomFloats(rng, tc.m, 0)
				}
				n := p.OutH * p.OutW
				want := make([]float32, tc.m*n)
				Conv2D(want, src, weights, bias, tc.m, p, tc.activation())
				got := make([]float32, tc.m*n)
				Conv2DPacked(got, src, PackWeights(weights, tc.m, p.k()), bias, p, tc.activation())
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v threads=%d: output %d = %v with packed weights, %v without", tc, threads, i, got[i], want[i])
					}
				}
			}
		}
	})
}

func TestConv2DPackedRejectsOtherShapes(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Conv2DPacked accepted weights packed for another patch size")
		}
	}()
	p := convCase{m: 2, c: 1, h: 4, w: 4, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1}.params()
	Conv2DPacked(make([]float32, 8), make([]float32, 16), PackWeights(make([]float32, 2*8), 2, 8), nil, p, NoActivation)
}

// TestConv2DPackedRowBands checks that bands of prepacked filters that
// start inside a block of gemmMC rows give the one-thread bits. With more
// filters than pixels splitGemm splits rows: 800 filters on 3 threads
// start bands at rows 264 and 534, and 300 taps make two kc blocks.
func TestConv2DPackedRowBands(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(73, 74))
		cases := []convCase{
			{m: 800, c: 300, h: 5, w: 7, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, bias: true, relu: true},
			{m: 1000, c: 64, h: 13, w: 13, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, relu: true},
			{m: 400, c: 48, h: 7, w: 7, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, bias: true},
		}
		for _, tc := range cases {
			p := tc.params()
			src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
			weights := PackWeights(randomFloats(rng, tc.m*p.k(), 0), tc.m, p.k())
			var bias []float32
			if tc.bias {
				bias = randomFloats(rng, tc.m, 0)
			}
			n := p.OutH * p.OutW
			SetThreads(1)
			want := make([]float32, tc.m*n)
			Conv2DPacked(want, src, weights, bias, p, tc.activation())
			for _, threads := range []int{2, 3, 5} {
				SetThreads(threads)
				got := make([]float32, tc.m*n)
				Conv2DPacked(got, src, weights, bias, p, tc.activation())
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v threads=%d: output %d = %v, one thread gives %v", tc, threads, i, got[i], want[i])
					}
				}
			}
		}
	})
}
