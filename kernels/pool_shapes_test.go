//go:build linux

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
)

// Tests of the 3×3 stride-2 max pooling kernels, mainly the AVX-512 one,
// against maxPool3x3Stride2Reference, which has no column maxima, steps or masks.
// SIMDNN_POOL_DEEP=1 widens every range.

var poolDeep = os.Getenv("SIMDNN_POOL_DEEP") != ""

// poolSentinel fills the memory around a kernel's slices: a NaN that a
// read outside src would carry into a window, and a value that a write
// outside dst would overwrite.
var poolSentinel = math.Float32frombits(0x7F812345)

// checkPoolKernel runs ks on the plane with src and dst inside larger
// arrays whose other elements hold poolSentinel, and compares the output
// with maxPool3x3Stride2Reference.
func checkPoolKernel(t *testing.T, ks kernelSet, plane []float32, h, w, outH, outW, top, left int) {
	t.Helper()
	const margin = 40
	in := make([]float32, h*w+2*margin)
	out := make([]float32, outH*outW+2*margin)
	for k := range in {
		in[k] = poolSentinel
	}
	for k := range out {
		out[k] = poolSentinel
	}
	copy(in[margin:], plane)
	src := in[margin : margin+h*w]
	dst := out[margin : margin+outH*outW]
	ks.maxPool3x3Stride2(dst, src, h, w, outH, outW, top, left)
	want := maxPool3x3Stride2Reference(plane, h, w, outH, outW, top, left)
	for k := range dst {
		if !sameFloat(dst[k], want[k]) {
			t.Fatalf("%s: %dx%d to %dx%d, padding %d top and %d left: output (%d, %d) = %v (%#x), want %v (%#x)",
				ks.name, h, w, outH, outW, top, left, k/outW, k%outW, dst[k], math.Float32bits(dst[k]), want[k], math.Float32bits(want[k]))
		}
	}
	for k, v := range out {
		if (k < margin || k >= margin+outH*outW) && math.Float32bits(v) != math.Float32bits(poolSentinel) {
			t.Fatalf("%s: %dx%d to %dx%d, padding %d top and %d left: wrote %v at %d outside dst", ks.name, h, w, outH, outW, top, left, v, k-margin)
		}
	}
}

// poolWidths are the widths to try: every width up to a limit, then
// widths around multiples of the 16-window step (32 columns) and of 256,
// where an 8-bit count would wrap.
func poolWidths() []int {
	limit := 100
	if raceEnabled {
		limit = 40
	}
	if poolDeep {
		limit = 260
	}
	var ws []int
	for w := 1; w <= limit; w++ {
		ws = append(ws, w)
	}
	for _, w := range []int{255, 256, 257, 258, 300, 511, 512, 513, 514, 515, 527, 1000, 1025, 1026} {
		if w > limit {
			ws = append(ws, w)
		}
	}
	return ws
}

// TestMaxPool3x3Stride2EveryShape runs every assembly kernel set on every
// output size of planes of up to five rows, with all four paddings, and
// with values that are special often.
func TestMaxPool3x3Stride2EveryShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(512, 1))
	heights := []int{1, 2, 3, 4, 5}
	if poolDeep {
		heights = append(heights, 6, 7, 8, 9)
	}
	for _, ks := range assemblyKernels() {
		for _, w := range poolWidths() {
			for _, h := range heights {
				plane := randomFloats(rng, h*w, 4)
				for top := range 2 {
					for left := range 2 {
						maxH, maxW := (h-1+top)/2+1, (w-1+left)/2+1
						outWs := []int{maxW, maxW - 1, 1, 15, 16, 17, 31, 32, 33, maxW - 15, maxW - 16, maxW - 17}
						if w <= 100 || poolDeep {
							outWs = outWs[:0]
							for outW := 1; outW <= maxW; outW++ {
								outWs = append(outWs, outW)
							}
						}
						for _, outW := range outWs {
							if outW < 1 || outW > maxW {
								continue
							}
							for _, outH := range []int{maxH, 1} {
								checkPoolKernel(t, ks, plane, h, w, outH, outW, top, left)
							}
						}
					}
				}
			}
		}
	}
}

// TestMaxPool3x3Stride2OneSpecialValue puts one special value at every
// position of a plane of three rows. The other values are a background
// that the special value must, or must not, change: NaN of both signs and
// a signalling payload among finite values, +0 among -0, a subnormal among
// -Inf and zeros, -max float among -Inf, and so on. The widths put the
// value in every lane of the first and second steps, and in column c+32
// of a step (lane 0 of its vector C).
func TestMaxPool3x3Stride2OneSpecialValue(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	negInf, posInf := float32(math.Inf(-1)), float32(math.Inf(1))
	sub := math.Float32frombits(1)
	cases := []struct {
		name       string
		background func(k int) float32
		value      float32
	}{
		{"quiet NaN among ramp", func(k int) float32 { return float32(k%7) - 3 }, float32(math.NaN())},
		{"negative NaN among ramp", func(k int) float32 { return float32(k%5) - 2 }, math.Float32frombits(0xFFC00001)},
		{"signalling NaN among ramp", func(k int) float32 { return float32(k % 3) }, math.Float32frombits(0x7F800001)},
		{"negative signalling NaN among -Inf", func(int) float32 { return negInf }, math.Float32frombits(0xFFA00000)},
		{"+0 among -0", func(int) float32 { return negZero }, 0},
		{"-0 among -Inf", func(int) float32 { return negInf }, negZero},
		{"subnormal among +0", func(int) float32 { return 0 }, sub},
		{"-subnormal among -0", func(int) float32 { return negZero }, -sub},
		{"-0 among -subnormal", func(int) float32 { return -sub }, negZero},
		{"+Inf among max float", func(int) float32 { return math.MaxFloat32 }, posInf},
		{"-max float among -Inf", func(int) float32 { return negInf }, -math.MaxFloat32},
		{"1 among -1", func(int) float32 { return -1 }, 1},
	}
	widths, heights := []int{1, 2, 32, 33, 34, 35, 66, 67, 68}, []int{3}
	if poolDeep {
		heights = []int{3, 4}
		widths = nil
		for w := 1; w <= 140; w++ {
			widths = append(widths, w)
		}
	}
	for _, ks := range assemblyKernels() {
		for _, tc := range cases {
			for _, w := range widths {
				for _, h := range heights {
					plane := make([]float32, h*w)
					for k := range plane {
						plane[k] = tc.background(k)
					}
					for pos := range plane {
						saved := plane[pos]
						plane[pos] = tc.value
						for top := range 2 {
							for left := range 2 {
								maxH, maxW := (h-1+top)/2+1, (w-1+left)/2+1
								outWs := []int{maxW}
								if poolDeep {
									outWs = append(outWs, max(1, maxW-1))
								}
								for _, outW := range outWs {
									func() {
										defer func() {
											if t.Failed() {
												t.Logf("case %s at row %d column %d", tc.name, pos/w, pos%w)
											}
										}()
										checkPoolKernel(t, ks, plane, h, w, maxH, outW, top, left)
									}()
								}
							}
						}
						plane[pos] = saved
					}
				}
			}
		}
	}
}

// TestMaxPool3x3Stride2GuardedBothWays runs the plane kernels with src
// and dst each next to a PROT_NONE page on either side, independently.
// It covers all four paddings and the widths around the AVX-512 kernel's
// steps and masks, and reuses the guarded buffers across calls.
func TestMaxPool3x3Stride2GuardedBothWays(t *testing.T) {
	rng := rand.New(rand.NewPCG(512, 2))
	widths := []int{1, 2, 3, 4, 15, 16, 17, 18, 31, 32, 33, 34, 35, 36, 47, 48, 49, 63, 64, 65, 66, 67, 68, 97, 98, 99, 100, 129, 130, 255, 256, 257, 513}
	if poolDeep {
		widths = nil
		for w := 1; w <= 300; w++ {
			widths = append(widths, w)
		}
		widths = append(widths, 511, 512, 513, 514, 1025)
	}
	// One guarded arena each for src and dst, whose slices start right
	// after the guard page before them or end right at the one after.
	floatsPerPage := os.Getpagesize() / 4
	arenaSize := func(n int) int { return (n + floatsPerPage - 1) / floatsPerPage * floatsPerPage }
	srcArena := guardedFloats(t, arenaSize(4*widths[len(widths)-1]), true)
	dstArena := guardedFloats(t, arenaSize(4*(widths[len(widths)-1]/2+1)), true)
	place := func(arena []float32, n int, atEnd bool) []float32 {
		if atEnd {
			return arena[len(arena)-n:]
		}
		return arena[:n:n]
	}
	for _, ks := range assemblyKernels() {
		for _, w := range widths {
			for _, h := range []int{1, 2, 3, 4} {
				plane := randomFloats(rng, h*w, 4)
				for mask := range 4 {
					srcEnd, dstEnd := mask&1 != 0, mask&2 != 0
					src := place(srcArena, h*w, srcEnd)
					copy(src, plane)
					for top := range 2 {
						for left := range 2 {
							maxH, maxW := (h-1+top)/2+1, (w-1+left)/2+1
							for _, outW := range []int{maxW, maxW - 1, maxW - 16, maxW - 17, 1, 16, 17} {
								if outW < 1 || outW > maxW {
									continue
								}
								for _, outH := range []int{maxH, 1} {
									dst := place(dstArena, outH*outW, dstEnd)
									ks.maxPool3x3Stride2(dst, src, h, w, outH, outW, top, left)
									want := maxPool3x3Stride2Reference(plane, h, w, outH, outW, top, left)
									for k := range dst {
										if !sameFloat(dst[k], want[k]) {
											t.Fatalf("%s: %dx%d to %dx%d, padding %d top and %d left, src at end %v, dst at end %v: output %d = %v, want %v",
												ks.name, h, w, outH, outW, top, left, srcEnd, dstEnd, k, dst[k], want[k])
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestMaxPool3x3Stride2Concurrent runs the plane kernels from several
// goroutines on one shared source, each into its own output. Under -race
// the detector watches the Go code around the calls.
func TestMaxPool3x3Stride2Concurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(512, 3))
	const h, w = 37, 75
	src := randomFloats(rng, 4*h*w, 8)
	for _, ks := range assemblyKernels() {
		for _, pad := range []int{0, 1} {
			outH, outW := (h-1+pad)/2+1, (w-1+pad)/2+1
			want := maxPool3x3Stride2Reference(src[:h*w], h, w, outH, outW, pad, pad)
			var wg sync.WaitGroup
			errs := make(chan string, 8)
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					dst := make([]float32, outH*outW)
					for range 50 {
						ks.maxPool3x3Stride2(dst, src[:h*w], h, w, outH, outW, pad, pad)
						for k := range dst {
							if !sameFloat(dst[k], want[k]) {
								errs <- fmt.Sprintf("%s: goroutine %d, pad %d: output %d = %v, want %v", ks.name, g, pad, k, dst[k], want[k])
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		}
	}
}

// TestConv2DMaxPoolEveryBand runs the fused convolution and pooling with
// bands of every number of pooled rows, and compares it with the
// brute-force pooling of Conv2DPacked's output. The output widths lie
// around the AVX-512 kernel's 16-window steps and take the fused path.
// The layers are too small to split between threads.
func TestConv2DMaxPoolEveryBand(t *testing.T) {
	saved := poolBandBytes
	defer func() { poolBandBytes = saved }()
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(512, 4))
		const m, c = 3, 2
		widths := []int{28, 32, 36, 64, 65, 66, 67, 68}
		if raceEnabled {
			widths = []int{32, 66}
		}
		if poolDeep {
			widths = append(widths, 12, 13, 14, 15, 16, 24, 25, 26, 27, 29, 30, 31, 40, 47, 48, 69, 70, 96, 97, 98, 99, 100, 128, 129, 130)
		}
		for _, outW := range widths {
			for _, outH := range []int{1, 2, 3, 4, 7, 10} {
				p := Conv2DParams{Channels: c, Height: outH, Width: outW, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1,
					DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: outH, OutW: outW}
				src := randomFloats(rng, c*outH*outW, 60)
				weights := PackWeights(randomFloats(rng, m*p.k(), 0), m, p.k())
				conv := make([]float32, m*outH*outW)
				Conv2DPacked(conv, src, weights, nil, p, NoActivation)
				for pad := range 2 {
					maxH, maxW := (outH-1+pad)/2+1, (outW-1+pad)/2+1
					for _, poolH := range []int{maxH, maxH - 1, 1} {
						for _, poolW := range []int{maxW, maxW - 1, 17, 1} {
							if poolH < 1 || poolW < 1 || poolW > maxW {
								continue
							}
							want := make([]float32, 0, m*poolH*poolW)
							for o := range m {
								want = append(want, maxPool3x3Stride2Reference(conv[o*outH*outW:(o+1)*outH*outW], outH, outW, poolH, poolW, pad, pad)...)
							}
							for band := 1; band <= poolH; band++ {
								poolBandBytes = 4 * m * outW * (2*band + 1)
								for threads := 1; threads <= 3; threads++ {
									SetThreads(threads)
									got := make([]float32, len(want))
									Conv2DMaxPool(got, src, weights, nil, p, NoActivation, poolH, poolW, pad)
									for i := range want {
										if !sameFloat(got[i], want[i]) {
											t.Fatalf("%dx%d conv pooled to %dx%d, pad %d, bands of %d rows, %d threads: output %d = %v, want %v",
												outH, outW, poolH, poolW, pad, band, threads, i, got[i], want[i])
										}
									}
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestConv2DMaxPoolParallelBands is TestConv2DMaxPoolEveryBand on a layer
// with enough work to split the pooled rows between threads, so that
// bands start at uneven pooled rows.
func TestConv2DMaxPoolParallelBands(t *testing.T) {
	saved := poolBandBytes
	defer func() { poolBandBytes = saved }()
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(512, 5))
		const m, c, outH, outW = 16, 8, 41, 66
		p := Conv2DParams{Channels: c, Height: outH, Width: outW, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1,
			DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: outH, OutW: outW}
		src := randomFloats(rng, c*outH*outW, 500)
		weights := PackWeights(randomFloats(rng, m*p.k(), 0), m, p.k())
		conv := make([]float32, m*outH*outW)
		Conv2DPacked(conv, src, weights, nil, p, NoActivation)
		for pad := range 2 {
			poolH, maxW := (outH-1+pad)/2+1, (outW-1+pad)/2+1
			for _, poolW := range []int{maxW, 17} {
				want := make([]float32, 0, m*poolH*poolW)
				for o := range m {
					want = append(want, maxPool3x3Stride2Reference(conv[o*outH*outW:(o+1)*outH*outW], outH, outW, poolH, poolW, pad, pad)...)
				}
				bands := []int{1, 2, 3, 5, 8, poolH}
				if raceEnabled {
					bands = []int{2, poolH}
				}
				for _, band := range bands {
					poolBandBytes = 4 * m * outW * (2*band + 1)
					for _, threads := range []int{2, 3} {
						SetThreads(threads)
						got := make([]float32, len(want))
						Conv2DMaxPool(got, src, weights, nil, p, NoActivation, poolH, poolW, pad)
						for i := range want {
							if !sameFloat(got[i], want[i]) {
								t.Fatalf("pooled to %dx%d, pad %d, bands of %d rows, %d threads: output %d = %v, want %v",
									poolH, poolW, pad, band, threads, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}

// FuzzMaxPool3x3Stride2Wide reaches widths up to 600, which the byte-fed
// FuzzMaxPool3x3Stride2 cannot, and chooses the top and left paddings
// apart. The values come from a seeded generator. Each six bytes of data
// then overwrite one value: two bytes of position, four of bit pattern.
func FuzzMaxPool3x3Stride2Wide(f *testing.F) {
	f.Add(uint16(254), uint8(1), uint8(0), uint8(200), uint64(1), []byte{0, 0, 0, 0, 0xC0, 0x7F})
	f.Add(uint16(255), uint8(2), uint8(3), uint8(0), uint64(2), []byte{33, 1, 0, 0, 0, 0x80})
	f.Add(uint16(512), uint8(4), uint8(1), uint8(17), uint64(3), []byte{64, 1, 1, 0, 0x80, 0xFF})
	f.Fuzz(func(t *testing.T, widthSeed uint16, heightSeed, pads, outWSeed uint8, seed uint64, data []byte) {
		w, h := 1+int(widthSeed)%600, 1+int(heightSeed)%6
		top, left := int(pads&1), int(pads>>1&1)
		plane := randomFloats(rand.New(rand.NewPCG(seed, 512)), h*w, 16)
		for ; len(data) >= 6; data = data[6:] {
			pos := (int(data[0]) | int(data[1])<<8) % len(plane)
			plane[pos] = math.Float32frombits(uint32(data[2]) | uint32(data[3])<<8 | uint32(data[4])<<16 | uint32(data[5])<<24)
		}
		maxH, maxW := (h-1+top)/2+1, (w-1+left)/2+1
		outW := maxW - int(outWSeed)%maxW
		for _, ks := range assemblyKernels() {
			checkPoolKernel(t, ks, plane, h, w, maxH, outW, top, left)
		}
	})
}
