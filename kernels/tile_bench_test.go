package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemmTile times the micro-kernel alone on panels that stay in
// the L1 cache: the upper bound for the whole GEMM.
func BenchmarkSgemmTile(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, kc := range []int{64, 256, 512} {
		a := randomFloats(rng, gemmMR*kc, 0)
		bp := randomFloats(rng, gemmNR*kc, 0)
		c := make([]float32, gemmMR*gemmNR)
		benchEachImpl(b, fmt.Sprintf("kc=%d", kc), func(b *testing.B) {
			for b.Loop() {
				impl.sgemmTile(kc, a, bp, c, gemmNR, true)
			}
			flops := 2 * gemmMR * gemmNR * float64(kc) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// BenchmarkSgemmTilePair is BenchmarkSgemmTile for the kernel that
// computes the tiles of two adjacent B panels at once, in the sets that
// have one.
func BenchmarkSgemmTilePair(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, kc := range []int{27, 64, 256, 512} {
		a := randomFloats(rng, gemmMR*kc, 0)
		bp := randomFloats(rng, 2*gemmNR*kc, 0)
		c := make([]float32, gemmMR*2*gemmNR)
		benchEachImpl(b, fmt.Sprintf("kc=%d", kc), func(b *testing.B) {
			if impl.sgemmTilePair == nil {
				b.Skip("this kernel set has no pair kernel")
			}
			for b.Loop() {
				impl.sgemmTilePair(kc, a, bp, c, 2*gemmNR, true, nil, NoActivation)
			}
			flops := 2 * gemmMR * 2 * gemmNR * float64(kc) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// BenchmarkSgemmColumns is BenchmarkSgemmTile for the column kernel, which
// computes one column of four tiles per call. ns/op against
// BenchmarkSgemmTile's (four tiles take four times that) is what a column
// costs against a whole tile; GFLOPS counts the useful work only.
func BenchmarkSgemmColumns(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, kc := range []int{64, 256, 512} {
		a := randomFloats(rng, 4*gemmMR*kc, 0)
		panel := func(g int) []float32 { return a[g*gemmMR*kc : (g+1)*gemmMR*kc] }
		bp := randomFloats(rng, gemmNR*kc, 0)
		sums := make([]float32, 4*gemmMR)
		benchEachImpl(b, fmt.Sprintf("kc=%d", kc), func(b *testing.B) {
			if impl.sgemmColumns == nil {
				b.Skip("this kernel set has no column kernel")
			}
			for b.Loop() {
				impl.sgemmColumns(kc, panel(0), panel(1), panel(2), panel(3), bp, sums)
			}
			flops := 2 * 4 * gemmMR * float64(kc) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// BenchmarkConvTile times the implicit-GEMM micro-kernel on the taps of a
// 3×3 convolution over 28 channels of a 58-pixel-wide padded image, as in
// the first block of taps of a ResNet 64-channel layer.
func BenchmarkConvTile(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	const width, height, channels = 58, 58, 64
	src := randomFloats(rng, channels*width*height+gemmNR, 0)
	p := Conv2DParams{Channels: channels, KernelH: 3, KernelW: 3, DilationH: 1, DilationW: 1}
	offsets := make([]int, gemmKC)
	for q := range offsets {
		c, i, j := unravelTap(q, p)
		offsets[q] = c*width*height + i*width + j
	}
	a := randomFloats(rng, gemmMR*gemmKC, 0)
	c := make([]float32, gemmMR*gemmNR)
	benchEachImpl(b, "resnet3x3", func(b *testing.B) {
		for b.Loop() {
			impl.convTile(gemmKC, a, src[width+1:], offsets, spanOf(offsets), c, gemmNR, true, nil, NoActivation)
		}
		flops := 2 * gemmMR * gemmNR * float64(gemmKC) * float64(b.N)
		b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
}

// BenchmarkSgemmEdge times edgeTile on corners of a tile inside a wide C,
// accumulating as in a GEMM's later k blocks: through the set's edge
// kernel ("inplace"), and through the buffer that sets without one use
// ("buffer").
func BenchmarkSgemmEdge(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 7))
	const kc, ldc = 256, 784
	a := randomFloats(rng, gemmMR*kc, 0)
	bp := randomFloats(rng, gemmNR*kc, 0)
	c := randomFloats(rng, gemmMR*ldc, 0)
	bias := randomFloats(rng, gemmMR, 0)
	for _, corner := range [][2]int{{2, 16}, {4, 16}, {6, 15}, {6, 7}} {
		rows, cols := corner[0], corner[1]
		for _, path := range []string{"inplace", "buffer"} {
			benchEachImpl(b, fmt.Sprintf("%dx%d/%s", rows, cols, path), func(b *testing.B) {
				ks := impl
				if path == "buffer" {
					ks.sgemmEdge = nil
				} else if ks.sgemmEdge == nil {
					b.Skip("this kernel set has no edge kernel")
				}
				ws := getGemmWorkspace()
				defer putGemmWorkspace(ws)
				ep := epilogue{bias: bias, act: ReLUActivation}
				for b.Loop() {
					edgeTile(&ks, ws, a, bp, kc, c, ldc, 0, rows, cols, true, ep)
				}
				flops := 2 * gemmMR * gemmNR * float64(kc) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}
