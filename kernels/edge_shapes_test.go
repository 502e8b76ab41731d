package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// withoutEdgeKernels runs f with the current kernel set's edge kernels
// and pair kernels for fewer rows removed, so that edge tiles go through
// the buffer as before they existed.
func withoutEdgeKernels(f func()) {
	saved := impl
	defer func() { impl = saved }()
	impl.sgemmEdge, impl.convEdge, impl.convEdgePack = nil, nil, nil
	impl.sgemmTilePairRows = nil
	f()
}

// skipWithoutEdgeKernels skips t unless the current kernel set has all
// three edge kernels.
func skipWithoutEdgeKernels(t *testing.T) {
	t.Helper()
	if impl.sgemmEdge == nil || impl.convEdge == nil || impl.convEdgePack == nil {
		t.Skip("this kernel set has no edge kernels")
	}
}

// requireSameBits fails t at the first element where got and the
// reference want differ in their bits (any NaN matches any NaN).
func requireSameBits(t *testing.T, label string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs, want %d", label, len(got), len(want))
	}
	for i := range want {
		if !sameFloat(got[i], want[i]) {
			t.Fatalf("%s: output %d = %v (%#08x), want %v (%#08x)", label, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// edgeFilterCounts lists filter counts that leave a last A panel of every
// height, with one and several A blocks of gemmMC rows.
var edgeFilterCounts = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 31, 37, 127, 145, 151}

// TestSgemmEdgeShapesMatchBuffer runs Sgemm with and without the edge
// kernels: every m up to 20 and some past a block, n from 1 to 70, k below
// and past gemmKC, each transpose and several betas. A, B and C contain
// NaN, infinities and -0 in some cases. Both runs must agree bit for bit
// in all of C, the padding between rows included. With finite operands C
// must also match the float64 reference.
func TestSgemmEdgeShapesMatchBuffer(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		skipWithoutEdgeKernels(t)
		rng := rand.New(rand.NewPCG(201, 202))
		ks := []int{1, 3, 7, 256, 257, 300}
		betas := []float32{0, 1, 0.5, -1}
		widths := 70
		if testing.Short() {
			widths = 40
		}
		calls := 0
		for mi, m := range edgeFilterCounts {
			for n := 1; n <= widths; n++ {
				i := mi*widths + n
				k := ks[i%len(ks)]
				g := gemmCase{
					transA: i%3 == 0, transB: i%5 == 0, m: m, n: n, k: k,
					alpha: []float32{1, -0.5}[i%2], beta: betas[i%len(betas)],
					padA: i % 2, padB: i % 3, padC: i % 4,
				}
				a, lda, b, ldb, c, ldc := g.operands(rng)
				special := i%4 == 1
				if special {
					a = randomFloats(rng, len(a), 50)
					b = randomFloats(rng, len(b), 50)
					c = randomFloats(rng, len(c), 5)
				}
				c0 := append([]float32(nil), c...)
				want := append([]float32(nil), c...)
				Sgemm(g.transA, g.transB, m, n, k, g.alpha, a, lda, b, ldb, g.beta, c, ldc)
				withoutEdgeKernels(func() {
					Sgemm(g.transA, g.transB, m, n, k, g.alpha, a, lda, b, ldb, g.beta, want, ldc)
				})
				requireSameBits(t, g.String(), c, want)
				if !special {
					checkGemm(t, g, a, lda, b, ldb, c0, c, ldc)
				}
				calls++
			}
		}
		t.Logf("%d Sgemm shapes", calls)
	})
}

// edgeConvGeometry is a convolution geometry for a width: the kernel
// size, stride, padding and channel count.
type edgeConvGeometry struct {
	kernel, stride, pad, channels, height int
}

// edgeConvGeometries leave partial 16-pixel tiles at each row's end
// through each convolution path: implicit GEMM on the padded image
// (3×3, 5×5, strides 1 and 2), the packed image and the direct packer,
// and pointwise 1×1 with its tail. Channel counts put k below and past
// gemmKC.
var edgeConvGeometries = []edgeConvGeometry{
	{3, 1, 1, 3, 3},
	{3, 2, 1, 5, 5},
	{1, 1, 0, 7, 2},
	{1, 1, 0, 300, 1},
	{3, 1, 0, 29, 3},
	{5, 1, 2, 2, 2},
	{1, 2, 0, 6, 3},
	{3, 2, 0, 31, 4},
	{5, 2, 1, 11, 6},
}

func (g edgeConvGeometry) params(width int) Conv2DParams {
	p := Conv2DParams{Channels: g.channels, Height: g.height, Width: width,
		KernelH: g.kernel, KernelW: g.kernel, StrideH: g.stride, StrideW: g.stride,
		DilationH: 1, DilationW: 1, PadTop: g.pad, PadLeft: g.pad}
	p.OutH = convOutput(p.Height, g.kernel, g.stride, 1, g.pad, g.pad)
	p.OutW = convOutput(p.Width, g.kernel, g.stride, 1, g.pad, g.pad)
	return p
}

// TestConvEdgeShapesMatchBuffer runs Conv2D and Conv2DPacked with and
// without the edge kernels for each filter count in edgeFilterCounts and
// widths from 1 to 70, over the geometries of edgeConvGeometries, with
// bias or not and each activation. The outputs must agree bit for bit,
// also with NaN, infinities and -0 in the input, and match the float64
// reference where the input is finite. dst starts as NaN, so an output
// left unwritten shows.
func TestConvEdgeShapesMatchBuffer(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		skipWithoutEdgeKernels(t)
		rng := rand.New(rand.NewPCG(203, 204))
		widths := 70
		if testing.Short() {
			widths = 36
		}
		calls := 0
		for mi, m := range edgeFilterCounts {
			for w := 1; w <= widths; w++ {
				i := mi*widths + w
				geom := edgeConvGeometries[i%len(edgeConvGeometries)]
				p := geom.params(w)
				if p.OutH == 0 || p.OutW == 0 {
					continue
				}
				special := i%5 == 2
				srcSpecial := 0
				if special {
					srcSpecial = 30
				}
				src := randomFloats(rng, p.Channels*p.Height*p.Width, srcSpecial)
				weights := randomFloats(rng, m*p.k(), 0)
				var bias []float32
				if i%2 == 0 {
					bias = randomFloats(rng, m, 0)
				}
				act := testActivations[i%len(testActivations)]
				label := fmt.Sprintf("%d filters, %+v, bias %t, %v", m, p, bias != nil, act)

				n := p.OutH * p.OutW
				got := nanFloats(m * n)
				Conv2D(got, src, weights, bias, m, p, act)
				want := nanFloats(m * n)
				withoutEdgeKernels(func() { Conv2D(want, src, weights, bias, m, p, act) })
				requireSameBits(t, "Conv2D "+label, got, want)

				packed := PackWeights(weights, m, p.k())
				gotPacked := nanFloats(m * n)
				Conv2DPacked(gotPacked, src, packed, bias, p, act)
				wantPacked := nanFloats(m * n)
				withoutEdgeKernels(func() { Conv2DPacked(wantPacked, src, packed, bias, p, act) })
				requireSameBits(t, "Conv2DPacked "+label, gotPacked, wantPacked)

				if !special {
					checkConvReference(t, label, got, src, weights, bias, m, p, act)
				}
				calls++
			}
		}
		t.Logf("%d convolutions", calls)
	})
}

// nanFloats returns n NaNs.
func nanFloats(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(math.NaN())
	}
	return x
}

// checkConvReference fails t unless got is the convolution within the
// float32 summation bound of directConv2D's float64 result.
func checkConvReference(t *testing.T, label string, got, src, weights, bias []float32, m int, p Conv2DParams, act Activation) {
	t.Helper()
	want, mag := directConv2D(src, weights, bias, m, p, act)
	const eps = 1.0 / (1 << 23)
	for i := range want {
		tol := 2*eps*float64(p.k()+2)*mag[i] + 1e-30
		if diff := math.Abs(float64(got[i]) - want[i]); !(diff <= tol) {
			t.Fatalf("%s: output %d = %v, want %v (tolerance %.3g)", label, i, got[i], want[i], tol)
		}
	}
}

// TestConvEdgeConcurrent runs convolutions and Sgemm calls with edge
// tiles from four goroutines at once, at thread counts 1, 2, 3 and 7. Each
// result must equal that of a lone call, with and without edge kernels.
func TestConvEdgeConcurrent(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		skipWithoutEdgeKernels(t)
		rng := rand.New(rand.NewPCG(205, 206))
		type job struct {
			run  func() []float32
			want []float32
		}
		var jobs []job
		for i, s := range []struct{ m, c, h, w int }{{64, 3, 20, 111}, {37, 40, 9, 29}, {13, 300, 5, 23}, {151, 16, 6, 45}} {
			geom := edgeConvGeometries[i%2]
			geom.channels, geom.height = s.c, s.h
			p := geom.params(s.w)
			src := randomFloats(rng, p.Channels*p.Height*p.Width, 0)
			weights := randomFloats(rng, s.m*p.k(), 0)
			bias := randomFloats(rng, s.m, 0)
			act := testActivations[i%len(testActivations)]
			m := s.m
			jobs = append(jobs, job{run: func() []float32 {
				dst := nanFloats(m * p.OutH * p.OutW)
				Conv2D(dst, src, weights, bias, m, p, act)
				return dst
			}})
		}
		for _, s := range [][3]int{{151, 77, 300}, {29, 200, 513}} {
			m, n, k := s[0], s[1], s[2]
			a, b, c := randomFloats(rng, m*k, 0), randomFloats(rng, k*n, 0), randomFloats(rng, m*n, 0)
			jobs = append(jobs, job{run: func() []float32 {
				dst := append([]float32(nil), c...)
				Sgemm(false, true, m, n, k, 1, a, k, b, k, 1, dst, n)
				return dst
			}})
		}
		SetThreads(1)
		for i := range jobs {
			jobs[i].want = jobs[i].run()
			var buffered []float32
			withoutEdgeKernels(func() { buffered = jobs[i].run() })
			requireSameBits(t, fmt.Sprintf("job %d", i), jobs[i].want, buffered)
		}

		rounds := 3
		if testing.Short() {
			rounds = 1
		}
		for _, threads := range []int{1, 2, 3, 7} {
			SetThreads(threads)
			var wg sync.WaitGroup
			errs := make(chan string, 4*len(jobs))
			for copyIndex := 0; copyIndex < 4; copyIndex++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := 0; r < rounds; r++ {
						for i, j := range jobs {
							got := j.run()
							for e := range got {
								if !sameFloat(got[e], j.want[e]) {
									errs <- fmt.Sprintf("%d threads, goroutine %d: job %d output %d = %v, want %v", threads, copyIndex, i, e, got[e], j.want[e])
									return
								}
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Fatal(e)
			}
		}
	})
}
