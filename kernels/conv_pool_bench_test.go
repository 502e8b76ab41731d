package kernels

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2DMaxPool times the fused stems of ResNet-18 (7×7 stride 2,
// then 3×3/2 pad 1 pooling) and SqueezeNet 1.1 (3×3 stride 2, then 3×3/2
// pooling), with bias and ReLU. GFLOPS counts the convolution only, so
// the figure compares with BenchmarkConvLayer's for the same layer.
func BenchmarkConv2DMaxPool(b *testing.B) {
	stems := []struct {
		name                string
		m, kh, pad, poolPad int
	}{
		{"resnet_stem_64x3x224_7x7s2", 64, 7, 3, 1},
		{"squeezenet_stem_64x3x224_3x3s2", 64, 3, 0, 0},
	}
	rng := rand.New(rand.NewPCG(57, 58))
	for _, s := range stems {
		out := (224+2*s.pad-s.kh)/2 + 1
		pooled := (out+2*s.poolPad-3)/2 + 1
		p := Conv2DParams{Channels: 3, Height: 224, Width: 224, KernelH: s.kh, KernelW: s.kh,
			StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: s.pad, PadLeft: s.pad, OutH: out, OutW: out}
		k := 3 * s.kh * s.kh
		src := randomFloats(rng, 3*224*224, 0)
		packed := PackWeights(randomFloats(rng, s.m*k, 0), s.m, k)
		bias := randomFloats(rng, s.m, 0)
		dst := make([]float32, s.m*pooled*pooled)
		flops := 2 * float64(s.m) * float64(k) * float64(out*out)
		benchEachImpl(b, s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Conv2DMaxPool(dst, src, packed, bias, p, ReLUActivation, pooled, pooled, s.poolPad)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
