package kernels

import (
	"math/rand/v2"
	"testing"
)

// convLayers are convolutions of the zoo models that the GEMM path
// computes: strided, wide-kernel and few-channel layers, and a 3×3 layer
// that models send to Winograd, for comparison with BenchmarkConv3x3.
var convLayers = []struct {
	name                        string
	m, c, h, w, kh, stride, pad int
}{
	{"resnet_stem_64x3x224_7x7s2", 64, 3, 224, 224, 7, 2, 3},
	{"resnet_128x64x56_3x3s2", 128, 64, 56, 56, 3, 2, 1},
	{"resnet_256x128x28_3x3s2", 256, 128, 28, 28, 3, 2, 1},
	{"resnet_128x64x56_1x1s2", 128, 64, 56, 56, 1, 2, 0},
	{"mobilenet_stem_32x3x224_3x3s2", 32, 3, 224, 224, 3, 2, 1},
	{"squeezenet_stem_64x3x224_3x3s2", 64, 3, 224, 224, 3, 2, 0},
	{"squeezenet_expand_64x16x55_3x3", 64, 16, 55, 55, 3, 1, 1},
	{"lenet_6x1x28_5x5", 6, 1, 28, 28, 5, 1, 2},
	{"resnet_64x64x56_3x3", 64, 64, 56, 56, 3, 1, 1},
	{"resnet_512x256x14_3x3s2", 512, 256, 14, 14, 3, 2, 1},
	{"resnet_512x512x7_3x3", 512, 512, 7, 7, 3, 1, 1},
}

// BenchmarkConvLayer times Conv2DPacked, with bias and ReLU, on each layer
// with every kernel set.
func BenchmarkConvLayer(b *testing.B) {
	rng := rand.New(rand.NewPCG(53, 54))
	for _, l := range convLayers {
		pad := l.pad
		out := (l.h+2*pad-l.kh)/l.stride + 1
		p := Conv2DParams{Channels: l.c, Height: l.h, Width: l.w, KernelH: l.kh, KernelW: l.kh,
			StrideH: l.stride, StrideW: l.stride, DilationH: 1, DilationW: 1, PadTop: pad, PadLeft: pad, OutH: out, OutW: out}
		k := l.c * l.kh * l.kh
		src := randomFloats(rng, l.c*l.h*l.w, 0)
		weights := randomFloats(rng, l.m*k, 0)
		bias := randomFloats(rng, l.m, 0)
		dst := make([]float32, l.m*out*out)
		packed := PackWeights(weights, l.m, k)
		flops := 2 * float64(l.m) * float64(k) * float64(out*out)
		benchEachImpl(b, l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Conv2DPacked(dst, src, packed, bias, p, ReLUActivation)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// BenchmarkConvLayerColdWeights times the layers of BenchmarkConvLayer
// whose weights outgrow the L2 cache, with each call on the next of
// several copies of the packed weights (coldWeightBytes in all). In a
// model, a layer's weights were last read one inference earlier, so they
// come from L3 or memory. BenchmarkConvLayer reuses one copy, which stays
// in the caches.
func BenchmarkConvLayerColdWeights(b *testing.B) {
	const coldWeightBytes = 128 << 20
	rng := rand.New(rand.NewPCG(55, 56))
	for _, l := range convLayers {
		k := l.c * l.kh * l.kh
		if 4*l.m*k < 4<<20 {
			continue
		}
		pad := l.pad
		out := (l.h+2*pad-l.kh)/l.stride + 1
		p := Conv2DParams{Channels: l.c, Height: l.h, Width: l.w, KernelH: l.kh, KernelW: l.kh,
			StrideH: l.stride, StrideW: l.stride, DilationH: 1, DilationW: 1, PadTop: pad, PadLeft: pad, OutH: out, OutW: out}
		src := randomFloats(rng, l.c*l.h*l.w, 0)
		weights := randomFloats(rng, l.m*k, 0)
		bias := randomFloats(rng, l.m, 0)
		dst := make([]float32, l.m*out*out)
		copies := make([]*PackedWeights, coldWeightBytes/(4*l.m*k))
		for i := range copies {
			copies[i] = PackWeights(weights, l.m, k)
		}
		flops := 2 * float64(l.m) * float64(k) * float64(out*out)
		benchEachImpl(b, l.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				Conv2DPacked(dst, src, copies[i%len(copies)], bias, p, ReLUActivation)
				i++
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
