package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/kernels"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/gonum"
)

// gemmShapes are square products and the im2col products of CNN layers:
// m output channels, n output pixels, k input channels times kernel area.
var gemmShapes = []struct {
	name    string
	m, n, k int
}{
	{"256x256x256", 256, 256, 256},
	{"512x512x512", 512, 512, 512},
	{"resnet_3x3_64ch_56px_64x3136x576", 64, 3136, 576},
	{"resnet_3x3_128ch_28px_128x784x1152", 128, 784, 1152},
	{"mnist_conv2_32x196x400", 32, 196, 400},
	{"lenet_conv1_6x784x25", 6, 784, 25},
	{"fc_1x1000x2048", 1, 1000, 2048},
}

func randomMatrix(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	return x
}

func reportGFLOPS(b *testing.B, m, n, k int) {
	flops := 2 * float64(m) * float64(n) * float64(k) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range gemmShapes {
		a := randomMatrix(rng, s.m*s.k)
		bm := randomMatrix(rng, s.k*s.n)
		c := make([]float32, s.m*s.n)

		b.Run("simdnn-"+kernels.Implementation()+"/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				kernels.Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
			}
			reportGFLOPS(b, s.m, s.n, s.k)
		})

		b.Run("gonum/"+s.name, func(b *testing.B) {
			blas32.Use(gonum.Implementation{})
			ga := blas32.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: a}
			gb := blas32.General{Rows: s.k, Cols: s.n, Stride: s.n, Data: bm}
			gc := blas32.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: c}
			b.ReportAllocs()
			for b.Loop() {
				blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc)
			}
			reportGFLOPS(b, s.m, s.n, s.k)
		})
	}
}
