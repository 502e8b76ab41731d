//go:build linux

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// Tests of packedPairs and convRun: runs of several packed pairs of B,
// swept by each later A panel. Every result is compared bit for bit with
// the same call on the same kernel set without its packing pair kernel,
// and, for the smaller shapes, with the generic set and the float64
// reference within the tolerance of runConvCase.

// sweepCase is a square convolution of m filters over c channels of h×w
// pixels, with a kernel×kernel window, stride and zero padding of pad on
// every side.
type sweepCase struct {
	m, c, h, w, kernel, stride, pad int
}

func (tc sweepCase) params() Conv2DParams {
	return Conv2DParams{
		Channels: tc.c, Height: tc.h, Width: tc.w,
		KernelH: tc.kernel, KernelW: tc.kernel, StrideH: tc.stride, StrideW: tc.stride,
		DilationH: 1, DilationW: 1, PadTop: tc.pad, PadLeft: tc.pad,
		OutH: convOutput(tc.h, tc.kernel, tc.stride, 1, tc.pad, tc.pad),
		OutW: convOutput(tc.w, tc.kernel, tc.stride, 1, tc.pad, tc.pad),
	}
}

func (tc sweepCase) String() string {
	p := tc.params()
	return fmt.Sprintf("m=%d c=%d %dx%d kernel=%d stride=%d pad=%d (k=%d, out %dx%d)",
		tc.m, tc.c, tc.h, tc.w, tc.kernel, tc.stride, tc.pad, p.k(), p.OutH, p.OutW)
}

// sweepsPairs reports whether the current kernel set computes tc with
// packedPairs: through the pointwise kernel (1×1 layers, strided ones on
// a sampled copy) or the implicit kernel in place, with more than one A
// panel and a row of at least two full tiles.
func (tc sweepCase) sweepsPairs() bool {
	p := tc.params()
	if impl.convTilePairPack == nil || tc.m <= gemmMR || p.OutH == 0 || p.OutW == 0 {
		return false
	}
	if p.KernelH == 1 && p.KernelW == 1 {
		pointwiseKernel := !impl.convTileBorrowed && (impl.pointwisePackMinFilters == 0 || tc.m < impl.pointwisePackMinFilters)
		return pointwiseKernel && p.OutH*p.OutW >= 2*gemmNR
	}
	return paddedCopyWorthwhile(p) && implicitInPlace(p, tc.m) && p.OutW >= 2*gemmNR
}

// sweepActivations are the activations the cases cycle through.
var sweepActivations = []Activation{NoActivation, ReLUActivation, CappedReLU(6), CappedReLU(0.5)}

// pairSweepCases returns the shapes of TestPairSweepMatchesUnpacked.
// The pointwise layers put kc on either side of a change in the run
// length (pairRunBytes/(128*kc) pairs), leave edge panels and several A
// blocks, and give 1 to 9 pairs plus a tail, or more pairs than one run
// holds. The 3×3, 5×5 and 7×7 layers, at stride 1 and 2, have output rows
// of 1 to 9 pairs.
func pairSweepCases() []sweepCase {
	var cases []sweepCase

	ms := []int{7, 12, 13, 143, 144, 145, 150, 289}
	ks := []int{1, 2, 63, 64, 65, 127, 128, 129, 255, 256, 257, 513}
	pairs := []int{1, 2, 3, 7, 8, 9}
	tails := []int{0, 1, 15, 16, 17, 31}
	i := 0
	for _, m := range ms {
		for _, k := range ks {
			for range 2 {
				n := 32*pairs[i%len(pairs)] + tails[(i/len(pairs)+i)%len(tails)]
				i++
				cases = append(cases, sweepCase{m: m, c: k, h: 1, w: n, kernel: 1, stride: 1})
			}
		}
	}

	// More pairs than one run: 256 pairs at kc = 1 (k = 1, and the last
	// block of k = 257 and 513), 128 at kc = 2, 4 at kc = 64, 3 at 65.
	cases = append(cases,
		sweepCase{m: 13, c: 1, h: 1, w: 32*259 + 5, kernel: 1, stride: 1},
		sweepCase{m: 7, c: 1, h: 3, w: 32*256/3 + 11, kernel: 1, stride: 1},
		sweepCase{m: 12, c: 257, h: 1, w: 32*257 + 31, kernel: 1, stride: 1},
		sweepCase{m: 145, c: 2, h: 1, w: 32*130 + 17, kernel: 1, stride: 1},
		sweepCase{m: 150, c: 64, h: 7, w: 41, kernel: 1, stride: 1},
		sweepCase{m: 289, c: 65, h: 5, w: 63, kernel: 1, stride: 1},
		sweepCase{m: 20, c: 513, h: 1, w: 32*260 + 3, kernel: 1, stride: 1},
		// Strided 1×1 layers go to the pointwise kernel on a sampled copy.
		sweepCase{m: 13, c: 64, h: 20, w: 130, kernel: 1, stride: 2},
		sweepCase{m: 150, c: 129, h: 9, w: 67, kernel: 1, stride: 2, pad: 1},
	)

	// Implicit convolutions: OutW = 32*pairs + tail, with the tail small
	// enough for useImplicit. k = c*kernel² lands near 64, 128 and 256,
	// and past 256 and 512.
	type window struct{ kernel, stride, pad int }
	windows := []window{{3, 1, 1}, {3, 2, 1}, {5, 1, 2}, {5, 2, 2}, {7, 1, 3}, {7, 2, 3}}
	outWs := []int{32, 64, 96, 224, 256, 288, 48, 80, 110, 303}
	chans := map[int][]int{3: {1, 7, 14, 15, 28, 29, 57}, 5: {1, 3, 5, 10, 11, 21}, 7: {1, 2, 3, 5, 6, 11}}
	implicitMs := []int{7, 12, 13, 64, 127}

	j := 0
	for _, win := range windows {
		for _, c := range chans[win.kernel] {
			for range 2 {
				outW := outWs[j%len(outWs)]
				m := implicitMs[(j/len(outWs)+j)%len(implicitMs)]
				j++
				w := (outW-1)*win.stride + win.kernel - 2*win.pad
				h := 3*win.stride + win.kernel - 2*win.pad + j%3
				cases = append(cases, sweepCase{m: m, c: c, h: h, w: w, kernel: win.kernel, stride: win.stride, pad: win.pad})
			}
		}
	}
	return cases
}

// TestPairSweepMatchesUnpacked runs every case of pairSweepCases with
// and without the packing pair kernel, on 1, 2 and 3 threads, with the
// weights as a matrix and prepacked, and requires the same bits. The
// input holds NaN, infinities, signed zeros and subnormals; src and dst
// lie against guard pages, alternately at their end and their start.
func TestPairSweepMatchesUnpacked(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		if impl.convTilePairPack == nil {
			t.Skip("this kernel set has no packing pair kernel")
		}
		rng := rand.New(rand.NewPCG(4939, 1))
		swept := 0
		for ci, tc := range pairSweepCases() {
			p := tc.params()
			if tc.sweepsPairs() {
				swept++
			}
			atEnd := ci%2 == 0
			src := guardedCopy(t, randomFloats(rng, p.Channels*p.Height*p.Width, 60), atEnd)
			weights := randomFloats(rng, tc.m*p.k(), 300)
			var bias []float32
			if ci%3 != 1 {
				bias = randomFloats(rng, tc.m, 50)
			}
			act := sweepActivations[ci%len(sweepActivations)]
			n := p.OutH * p.OutW

			saved := impl
			impl.convTilePairPack = nil
			SetThreads(1)
			want := make([]float32, tc.m*n)
			Conv2D(want, src, weights, bias, tc.m, p, act)
			impl = saved

			packed := PackWeights(weights, tc.m, p.k())
			for _, threads := range []int{1, 2, 3} {
				SetThreads(threads)
				for _, prepacked := range []bool{false, true} {
					got := guardedFloats(t, tc.m*n, !atEnd)
					for i := range got {
						got[i] = float32(math.NaN())
					}
					if prepacked {
						Conv2DPacked(got, src, packed, bias, p, act)
					} else {
						Conv2D(got, src, weights, bias, tc.m, p, act)
					}
					for i, w := range want {
						if !sameFloat(got[i], w) {
							t.Fatalf("%v, bias=%v, %v, %d threads, prepacked=%v: output %d (filter %d, pixel %d) = %v (%#08x), %v (%#08x) without packing",
								tc, bias != nil, act, threads, prepacked, i, i/n, i%n, got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
						}
					}
				}
			}
		}
		if swept == 0 {
			t.Fatal("no case went through packedPairs")
		}
		t.Logf("%d cases went through packedPairs", swept)
	})
}

// TestPairSweepMatchesGeneric computes smaller cases with every kernel
// set and requires each within runConvCase's tolerance of the float64
// reference, and the assembly sets within twice that of the generic set.
func TestPairSweepMatchesGeneric(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(4939, 2))
	cases := []sweepCase{
		{m: 7, c: 65, h: 1, w: 32*3 + 17, kernel: 1, stride: 1},
		{m: 13, c: 129, h: 2, w: 32*4 + 1, kernel: 1, stride: 1},
		{m: 145, c: 63, h: 3, w: 32*3 + 31, kernel: 1, stride: 1},
		{m: 150, c: 257, h: 1, w: 32*2 + 16, kernel: 1, stride: 1},
		{m: 12, c: 2, h: 1, w: 32*130 + 9, kernel: 1, stride: 1},
		{m: 13, c: 7, h: 6, w: 96, kernel: 3, stride: 1, pad: 1},
		{m: 64, c: 29, h: 5, w: 129, kernel: 3, stride: 2, pad: 1},
		{m: 12, c: 11, h: 6, w: 64, kernel: 5, stride: 1, pad: 2},
		{m: 127, c: 3, h: 9, w: 191, kernel: 7, stride: 2, pad: 3},
	}
	for ci, tc := range cases {
		p := tc.params()
		src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
		weights := randomFloats(rng, tc.m*p.k(), 0)
		bias := randomFloats(rng, tc.m, 0)
		act := sweepActivations[ci%len(sweepActivations)]
		n := p.OutH * p.OutW
		ref, mag := directConv2D(src, weights, bias, tc.m, p, act)
		const eps = 1.0 / (1 << 23)

		outputs := map[string][]float32{}
		saved := impl
		for _, ks := range availableKernels() {
			impl = ks
			for _, threads := range []int{1, 2} {
				SetThreads(threads)
				got := make([]float32, tc.m*n)
				Conv2D(got, src, weights, bias, tc.m, p, act)
				for i := range ref {
					tol := 2*eps*float64(p.k()+2)*mag[i] + 1e-30
					if diff := math.Abs(float64(got[i]) - ref[i]); !(diff <= tol) {
						impl = saved
						t.Fatalf("%s, %v, %v, %d threads: output %d (filter %d, pixel %d) = %v, want %v (tolerance %.3g)",
							ks.name, tc, act, threads, i, i/n, i%n, got[i], ref[i], tol)
					}
				}
				outputs[ks.name] = got
			}
		}
		impl = saved
		generic := outputs["generic"]
		for name, got := range outputs {
			for i := range got {
				tol := 4*eps*float64(p.k()+2)*mag[i] + 1e-30
				if diff := math.Abs(float64(got[i]) - float64(generic[i])); !(diff <= tol) {
					t.Fatalf("%s, %v, %v: output %d = %v, generic set gives %v (tolerance %.3g)", name, tc, act, i, got[i], generic[i], tol)
				}
			}
		}
	}
}

// TestPairSweepMaxPoolMatchesUnpacked runs the fused convolution and max
// pooling, whose bands of rows go through convImplicitRows, with and
// without the packing pair kernel, with small and default bands.
func TestPairSweepMaxPoolMatchesUnpacked(t *testing.T) {
	savedBand := poolBandBytes
	defer func() { poolBandBytes = savedBand }()
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		if impl.convTilePairPack == nil {
			t.Skip("this kernel set has no packing pair kernel")
		}
		rng := rand.New(rand.NewPCG(4939, 3))
		cases := []sweepCase{
			{m: 64, c: 3, h: 21, w: 2*96 + 1, kernel: 3, stride: 2},
			{m: 13, c: 7, h: 12, w: 288, kernel: 3, stride: 1, pad: 1},
			{m: 127, c: 29, h: 7, w: 64, kernel: 3, stride: 1, pad: 1},
			{m: 7, c: 3, h: 15, w: 2*224 + 1, kernel: 7, stride: 2, pad: 3},
			{m: 12, c: 2, h: 9, w: 2*258 + 1, kernel: 1, stride: 2},
		}
		for ci, tc := range cases {
			p := tc.params()
			src := randomFloats(rng, p.Channels*p.Height*p.Width, 80)
			weights := PackWeights(randomFloats(rng, tc.m*p.k(), 0), tc.m, p.k())
			bias := randomFloats(rng, tc.m, 0)
			act := sweepActivations[ci%len(sweepActivations)]
			for pad := range 2 {
				poolH, poolW := (p.OutH-1+pad)/2+1, (p.OutW-1+pad)/2+1
				saved := impl
				impl.convTilePairPack = nil
				SetThreads(1)
				poolBandBytes = savedBand
				want := make([]float32, tc.m*poolH*poolW)
				Conv2DMaxPool(want, src, weights, bias, p, act, poolH, poolW, pad)
				impl = saved
				for _, band := range []int{savedBand, 1, 20 << 10} {
					poolBandBytes = band
					for _, threads := range []int{1, 2, 3} {
						SetThreads(threads)
						got := guardedFloats(t, len(want), pad == 0)
						Conv2DMaxPool(got, src, weights, bias, p, act, poolH, poolW, pad)
						for i, w := range want {
							if !sameFloat(got[i], w) {
								t.Fatalf("%v pooled to %dx%d, pad %d, bands of %d bytes, %d threads: output %d = %v, %v without packing",
									tc, poolH, poolW, pad, band, threads, i, got[i], w)
							}
						}
					}
				}
				poolBandBytes = savedBand
			}
		}
	})
}

// TestPairSweepConcurrent runs different convolutions from several
// goroutines at once, each on 2 threads, and requires the bits each gives
// alone without the packing pair kernel, so calls that shared a workspace
// would give wrong bits. -race sees only the Go side, not the assembly's
// writes.
func TestPairSweepConcurrent(t *testing.T) {
	defer SetThreads(0)
	if impl.convTilePairPack == nil {
		t.Skip("the selected kernel set has no packing pair kernel")
	}
	rng := rand.New(rand.NewPCG(4939, 4))
	cases := []sweepCase{
		{m: 150, c: 16, h: 28, w: 28, kernel: 1, stride: 1},
		{m: 13, c: 1, h: 1, w: 32*300 + 7, kernel: 1, stride: 1},
		{m: 64, c: 8, h: 20, w: 100, kernel: 3, stride: 1, pad: 1},
		{m: 12, c: 3, h: 30, w: 130, kernel: 5, stride: 2, pad: 2},
		{m: 289, c: 65, h: 3, w: 70, kernel: 1, stride: 1},
		{m: 7, c: 2, h: 10, w: 2*100 + 1, kernel: 1, stride: 2},
	}
	if testing.Short() {
		cases = cases[:4]
	}
	type job struct {
		tc                 sweepCase
		src, weights, bias []float32
		want               []float32
		act                Activation
		packed             *PackedWeights
		prepacked          bool
	}
	jobs := make([]job, len(cases))
	saved := impl
	impl.convTilePairPack = nil
	SetThreads(1)
	for i, tc := range cases {
		p := tc.params()
		j := job{tc: tc, act: sweepActivations[i%len(sweepActivations)], prepacked: i%2 == 1}
		j.src = randomFloats(rng, p.Channels*p.Height*p.Width, 100)
		j.weights = randomFloats(rng, tc.m*p.k(), 0)
		j.bias = randomFloats(rng, tc.m, 0)
		j.packed = PackWeights(j.weights, tc.m, p.k())
		j.want = make([]float32, tc.m*p.OutH*p.OutW)
		Conv2D(j.want, j.src, j.weights, j.bias, tc.m, p, j.act)
		jobs[i] = j
	}
	impl = saved
	SetThreads(2)

	rounds := 3
	if testing.Short() {
		rounds = 2
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(jobs))
	for _, j := range jobs {
		wg.Go(func() {
			p := j.tc.params()
			got := make([]float32, len(j.want))
			for round := range rounds {
				for i := range got {
					got[i] = float32(math.NaN())
				}
				if j.prepacked {
					Conv2DPacked(got, j.src, j.packed, j.bias, p, j.act)
				} else {
					Conv2D(got, j.src, j.weights, j.bias, j.tc.m, p, j.act)
				}
				for i, w := range j.want {
					if !sameFloat(got[i], w) {
						errs <- fmt.Errorf("%v, round %d: output %d = %v, %v alone without packing", j.tc, round, i, got[i], w)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestConvRunBounds checks convRun's arithmetic for every depth and
// filter count: a whole number of pairs within pairRunBytes (or one pair),
// never past left, and convCols where packedPairs does not apply.
func TestConvRunBounds(t *testing.T) {
	ws := getGemmWorkspace()
	defer putGemmWorkspace(ws)
	forEachImpl(t, func(t *testing.T) {
		for kc := 1; kc <= gemmKC; kc++ {
			for _, mc := range []int{1, 6, 7, 12, 13, gemmMC} {
				for left := 1; left <= 600; left++ {
					cols := impl.convRun(left, mc, kc)
					if cols < 1 || cols > left {
						t.Fatalf("convRun(%d, %d, %d) = %d, expected 1 to %d columns", left, mc, kc, cols, left)
					}
					if mc <= gemmMR || impl.convTilePairPack == nil || left < 2*gemmNR {
						if want := impl.convCols(left); cols != want {
							t.Fatalf("convRun(%d, %d, %d) = %d, convCols gives %d", left, mc, kc, cols, want)
						}
						continue
					}
					if cols%(2*gemmNR) != 0 {
						t.Fatalf("convRun(%d, %d, %d) = %d, expected a multiple of %d", left, mc, kc, cols, 2*gemmNR)
					}
					if cols > 2*gemmNR && cols*kc*4 > pairRunBytes {
						t.Fatalf("convRun(%d, %d, %d) = %d: %d bytes of packed B, over pairRunBytes (%d)", left, mc, kc, cols, cols*kc*4, pairRunBytes)
					}
					if cols*kc > len(ws.b) {
						t.Fatalf("convRun(%d, %d, %d) = %d: %d floats of packed B, ws.b has %d", left, mc, kc, cols, cols*kc, len(ws.b))
					}
				}
			}
		}
	})
}

// FuzzPairSweep draws a convolution shape and compares the default
// kernel set with itself without its packing pair kernel, bit for bit,
// on the threads drawn.
func FuzzPairSweep(f *testing.F) {
	f.Add(uint16(13), uint16(64), uint16(300), uint8(1), uint8(1), uint8(0), uint8(1), uint8(0), uint64(1))
	f.Add(uint16(145), uint16(257), uint16(77), uint8(1), uint8(1), uint8(0), uint8(2), uint8(1), uint64(2))
	f.Add(uint16(7), uint16(7), uint16(130), uint8(3), uint8(1), uint8(1), uint8(3), uint8(2), uint64(3))
	f.Add(uint16(64), uint16(3), uint16(200), uint8(7), uint8(2), uint8(3), uint8(2), uint8(3), uint64(4))
	f.Fuzz(func(t *testing.T, m, c, w uint16, kernel, stride, pad, threads, actIndex uint8, seed uint64) {
		if impl.convTilePairPack == nil {
			t.Skip("the selected kernel set has no packing pair kernel")
		}
		defer SetThreads(0)
		tc := sweepCase{m: 1 + int(m%300), c: 1 + int(c%600), w: 1 + int(w%700),
			kernel: 1 + 2*int(kernel%4), stride: 1 + int(stride%2)}
		tc.pad = int(pad) % (tc.kernel/2 + 1)
		tc.h = tc.kernel + int(seed%3)
		p := tc.params()
		if p.OutH == 0 || p.OutW == 0 || tc.m*p.k()*p.OutH*p.OutW > 1<<24 {
			t.Skip("empty output or too much work")
		}
		rng := rand.New(rand.NewPCG(seed, 5))
		src := randomFloats(rng, p.Channels*p.Height*p.Width, 100)
		weights := randomFloats(rng, tc.m*p.k(), 0)
		var bias []float32
		if seed%2 == 0 {
			bias = randomFloats(rng, tc.m, 0)
		}
		act := sweepActivations[int(actIndex)%len(sweepActivations)]
		SetThreads(1 + int(threads%3))
		n := p.OutH * p.OutW
		got := make([]float32, tc.m*n)
		Conv2D(got, src, weights, bias, tc.m, p, act)

		saved := impl
		defer func() { impl = saved }()
		impl.convTilePairPack = nil
		want := make([]float32, tc.m*n)
		Conv2D(want, src, weights, bias, tc.m, p, act)
		for i, w := range want {
			if !sameFloat(got[i], w) {
				t.Fatalf("%v, %v, %d threads: output %d (filter %d, pixel %d) = %v, %v without packing",
					tc, act, Threads(), i, i/n, i%n, got[i], w)
			}
		}
	})
}
