package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// gemmShapes are square products and the im2col products of real CNN
// layers (m = output channels, n = output pixels, k = input channels ×
// kernel area).
var gemmShapes = []struct {
	name    string
	m, n, k int
}{
	{"256x256x256", 256, 256, 256},
	{"512x512x512", 512, 512, 512},
	{"mnist_conv1_16x784x25", 16, 784, 25},
	{"mnist_conv2_32x196x400", 32, 196, 400},
	{"resnet_3x3_64x3136x576", 64, 3136, 576},
	{"resnet_3x3_256x196x2304", 256, 196, 2304},
	{"resnet_3x3_512x49x4608", 512, 49, 4608},
	{"fc_1x128x1568", 1, 128, 1568},
}

// benchEachImpl runs f as a sub-benchmark named impl/name for every
// implementation the CPU supports.
func benchEachImpl(b *testing.B, name string, f func(b *testing.B)) {
	saved := impl
	defer func() { impl = saved }()
	for _, ks := range availableKernels() {
		impl = ks
		b.Run(ks.name+"/"+name, f)
	}
}

func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range gemmShapes {
		a := randomFloats(rng, s.m*s.k, 0)
		bm := randomFloats(rng, s.k*s.n, 0)
		c := make([]float32, s.m*s.n)
		benchEachImpl(b, s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
			}
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// elementwiseSizes are in floats: an L1-resident row, an L2-resident
// feature map and a 64×112×112 feature map that only fits in DRAM.
var elementwiseSizes = []int{4096, 64 * 1024, 64 * 112 * 112}

func BenchmarkReLU(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range elementwiseSizes {
		x := randomFloats(rng, n, 0)
		benchEachImpl(b, fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			b.ReportAllocs()
			for b.Loop() {
				ReLU(x, x)
			}
		})
	}
}

func BenchmarkMaxRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range elementwiseSizes {
		x, y := randomFloats(rng, n, 0), randomFloats(rng, n, 0)
		dst := make([]float32, n)
		benchEachImpl(b, fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			b.ReportAllocs()
			for b.Loop() {
				MaxRows(dst, x, y)
			}
		})
	}
}

func BenchmarkMaxPairs(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range elementwiseSizes {
		src := randomFloats(rng, n, 0)
		dst := make([]float32, n/2)
		benchEachImpl(b, fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			b.ReportAllocs()
			for b.Loop() {
				MaxPairs(dst, src)
			}
		})
	}
}

// BenchmarkMaxPool3x3Stride2 pools planes of 112×112 into 56×56 with pad
// 1, as ResNet's first pooling layer does, and planes of 111×111 into
// 55×55 with pad 0, as SqueezeNet 1.1's first pooling layer does. It runs
// one plane, which stays in the L1 and L2 caches between iterations, and
// the layer's 64.
func BenchmarkMaxPool3x3Stride2(b *testing.B) {
	shapes := []struct{ h, w, outH, outW, pad int }{
		{112, 112, 56, 56, 1},
		{111, 111, 55, 55, 0},
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, s := range shapes {
		for _, planes := range []int{1, 64} {
			src := randomFloats(rng, planes*s.h*s.w, 0)
			dst := make([]float32, planes*s.outH*s.outW)
			name := fmt.Sprintf("%dx%d_pad_%d/planes=%d", s.h, s.w, s.pad, planes)
			benchEachImpl(b, name, func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				b.ReportAllocs()
				for b.Loop() {
					for p := range planes {
						out := dst[p*s.outH*s.outW : (p+1)*s.outH*s.outW]
						MaxPool3x3Stride2(out, src[p*s.h*s.w:(p+1)*s.h*s.w], s.h, s.w, s.outH, s.outW, s.pad)
					}
				}
			})
		}
	}
}
