package kernels

import (
	"math/rand/v2"
	"testing"
)

// winogradLayers are the 3×3 stride-1 layers of ResNet-18, VGG and
// SqueezeNet 1.1 (its expand3x3 layers) that Winograd convolution serves.
var winogradLayers = []struct {
	name       string
	m, c, h, w int
}{
	{"resnet_64x56x56", 64, 64, 56, 56},
	{"resnet_128x28x28", 128, 128, 28, 28},
	{"resnet_256x14x14", 256, 256, 14, 14},
	{"resnet_512x7x7", 512, 512, 7, 7},
	{"vgg_64x224x224", 64, 64, 224, 224},
	{"squeezenet_64x16x55x55", 64, 16, 55, 55},
	{"squeezenet_128x32x27x27", 128, 32, 27, 27},
	{"squeezenet_192x48x13x13", 192, 48, 13, 13},
	{"squeezenet_256x64x13x13", 256, 64, 13, 13},
}

// BenchmarkConv3x3 compares Winograd convolution with the implicit-GEMM
// convolution on the same layer. GFLOPS counts the direct convolution's
// 2·9 flops per output and input channel for both, so it is an effective
// rate that can exceed the machine's peak.
func BenchmarkConv3x3(b *testing.B) {
	rng := rand.New(rand.NewPCG(47, 48))
	for _, l := range winogradLayers {
		p := Conv2DParams{Channels: l.c, Height: l.h, Width: l.w, KernelH: 3, KernelW: 3,
			StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: l.h, OutW: l.w}
		src := randomFloats(rng, l.c*l.h*l.w, 0)
		weights := randomFloats(rng, l.m*l.c*9, 0)
		bias := randomFloats(rng, l.m, 0)
		dst := make([]float32, l.m*l.h*l.w)
		flops := 2 * 9 * float64(l.m) * float64(l.c) * float64(l.h*l.w)
		packed := PackWeights(weights, l.m, l.c*9)
		wino := PackWinogradWeights(weights, l.m, p)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		}
		benchEachImpl(b, "direct/"+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Conv2DPacked(dst, src, packed, bias, p, ReLUActivation)
			}
			report(b)
		})
		benchEachImpl(b, "winograd/"+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Conv2DWinograd(dst, src, wino, bias, p, ReLUActivation)
			}
			report(b)
		})
	}
}
