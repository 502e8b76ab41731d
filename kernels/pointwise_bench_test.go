package kernels

import (
	"math/rand/v2"
	"testing"
)

// pointwiseLayers are 1×1 stride-1 convolutions of MobileNetV2 and
// SqueezeNet: plain GEMMs of filters × channels by channels × pixels.
var pointwiseLayers = []struct {
	name       string
	m, c, h, w int
}{
	{"mobilenet_project_16x32x112x112", 16, 32, 112, 112},
	{"mobilenet_expand_96x16x112x112", 96, 16, 112, 112},
	{"mobilenet_expand_144x24x56x56", 144, 24, 56, 56},
	{"mobilenet_project_24x144x56x56", 24, 144, 56, 56},
	{"mobilenet_project_32x192x28x28", 32, 192, 28, 28},
	{"mobilenet_expand_384x64x14x14", 384, 64, 14, 14},
	{"mobilenet_project_64x384x14x14", 64, 384, 14, 14},
	{"mobilenet_project_96x576x14x14", 96, 576, 14, 14},
	{"mobilenet_expand_576x96x14x14", 576, 96, 14, 14},
	{"mobilenet_project_160x576x7x7", 160, 576, 7, 7},
	{"mobilenet_expand_960x160x7x7", 960, 160, 7, 7},
	{"mobilenet_project_160x960x7x7", 160, 960, 7, 7},
	{"mobilenet_project_320x960x7x7", 320, 960, 7, 7},
	{"mobilenet_last_1280x320x7x7", 1280, 320, 7, 7},
	{"squeezenet_squeeze_16x128x55x55", 16, 128, 55, 55},
	{"squeezenet_squeeze_48x384x13x13", 48, 384, 13, 13},
	{"squeezenet_expand_192x48x13x13", 192, 48, 13, 13},
	{"squeezenet_squeeze_64x512x13x13", 64, 512, 13, 13},
	{"squeezenet_expand_256x64x13x13", 256, 64, 13, 13},
	{"squeezenet_classifier_1000x512x13x13", 1000, 512, 13, 13},
	{"resnet_256x64x56x56", 256, 64, 56, 56},
}

func BenchmarkConv1x1(b *testing.B) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, l := range pointwiseLayers {
		p := Conv2DParams{Channels: l.c, Height: l.h, Width: l.w, KernelH: 1, KernelW: 1,
			StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: l.h, OutW: l.w}
		src := randomFloats(rng, l.c*l.h*l.w, 0)
		weights := randomFloats(rng, l.m*l.c, 0)
		bias := randomFloats(rng, l.m, 0)
		dst := make([]float32, l.m*l.h*l.w)
		packed := PackWeights(weights, l.m, l.c)
		flops := 2 * float64(l.m) * float64(l.c) * float64(l.h*l.w)
		benchEachImpl(b, l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Conv2DPacked(dst, src, packed, bias, p, ReLUActivation)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
