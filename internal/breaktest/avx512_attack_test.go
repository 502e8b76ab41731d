//go:build linux && amd64

package breaktest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/simdnn/simdnn/kernels"
	"github.com/simdnn/simdnn/nn"
)

// uniformFill returns n floats drawn uniformly from [-1, 1).
func uniformFill(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// referenceGemm computes alpha*op(A)*op(B) + beta*C in float64, with the sum of
// absolute products per element for a tolerance.
func referenceGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, g float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
				g += math.Abs(float64(av) * float64(bv))
			}
			v := float64(alpha) * s
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
				g = math.Abs(float64(alpha))*g + math.Abs(float64(beta)*float64(c[i*ldc+j]))
			} else {
				g = math.Abs(float64(alpha)) * g
			}
			want[i*n+j] = v
			mag[i*n+j] = g
		}
	}
	return want, mag
}

// closeToReference reports whether got is within rounding of want, whose
// sum of absolute products is mag; NaN and Inf must match exactly.
func closeToReference(got float32, want, mag float64, k int) bool {
	if math.IsNaN(want) {
		return math.IsNaN(float64(got))
	}
	if math.IsInf(want, 0) {
		return float64(got) == want
	}
	tol := 1e-6*float64(k+4)*mag + 1e-30
	return math.Abs(float64(got)-want) <= tol
}

// checkSgemmCase runs one Sgemm with A and B at guard pages and checks C
// against the float64 reference, and that nothing outside the m×n matrix
// changed.
func checkSgemmCase(t *testing.T, r *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32, pad int) {
	t.Helper()
	lda, ldb, ldc := k+pad, n+pad, n+pad
	ar := m
	if transA {
		ar, lda = k, m+pad
	}
	br := k
	if transB {
		br, ldb = n, k+pad
	}
	lda, ldb = max(lda, 1), max(ldb, 1)

	var a, b []float32
	if ar > 0 {
		a = guarded(t, uniformFill(r, (ar-1)*lda+max(lda-pad, 0)), true)
	}
	if br > 0 {
		b = guarded(t, uniformFill(r, (br-1)*ldb+max(ldb-pad, 0)), true)
	}
	if k == 0 {
		a, b = nil, nil
	}

	// C has 8 marker floats past its last row. With beta 0 it starts as
	// NaN, which must not leak into the result.
	c := make([]float32, max(m*ldc, 1)+8)
	for i := range c {
		c[i] = r.Float32()
	}
	if beta == 0 {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				c[i*ldc+j] = float32(math.NaN())
			}
		}
	}

	orig := append([]float32(nil), c...)
	want, mag := referenceGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, orig, ldc)
	kernels.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

	bad := 0
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			got := c[i*ldc+j]
			if j >= n {
				if math.Float32bits(got) != math.Float32bits(orig[i*ldc+j]) {
					t.Errorf("m=%d n=%d k=%d tA=%v tB=%v: C[%d][%d] outside n was written: %v -> %v", m, n, k, transA, transB, i, j, orig[i*ldc+j], got)
					bad++
				}
				continue
			}
			if !closeToReference(got, want[i*n+j], mag[i*n+j], k) {
				if bad < 3 {
					t.Errorf("m=%d n=%d k=%d tA=%v tB=%v alpha=%v beta=%v: C[%d][%d]=%v want %v", m, n, k, transA, transB, alpha, beta, i, j, got, want[i*n+j])
				}
				bad++
			}
		}
	}

	for i := m * ldc; i < len(c); i++ {
		if math.Float32bits(c[i]) != math.Float32bits(orig[i]) {
			t.Errorf("m=%d n=%d k=%d: C[%d] past the matrix written", m, n, k, i)
		}
	}
}

// TestAVX512SgemmShapes compares Sgemm with a float64 reference over odd
// and tiny k, sizes around the 6x16 tile and the 256 kc block, both
// transposes, alpha and beta, with A and B ending at an unreadable page.
func TestAVX512SgemmShapes(t *testing.T) {
	t.Logf("implementation %s", kernels.Implementation())
	r := rand.New(rand.NewPCG(1, 2))
	ms := []int{1, 2, 5, 6, 7, 11, 13, 17, 31, 97}
	ns := []int{1, 3, 15, 16, 17, 31, 33, 47, 65}
	ks := []int{0, 1, 2, 3, 5, 17, 255, 256, 257, 513}
	for _, m := range ms {
		for _, n := range ns {
			for _, k := range ks {
				for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					ab := [][2]float32{{1, 0}, {-0.5, 1}, {2, 0.25}}[r.IntN(3)]
					checkSgemmCase(t, r, tr[0], tr[1], m, n, k, ab[0], ab[1], r.IntN(3))
				}
			}
		}
	}
}

// TestAVX512SgemmHugeK uses k = 20000 so that many kc blocks accumulate.
func TestAVX512SgemmHugeK(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, mn := range [][2]int{{7, 17}, {13, 33}, {1, 1}} {
		checkSgemmCase(t, r, false, false, mn[0], mn[1], 20000, 1, 0, 0)
		checkSgemmCase(t, r, true, true, mn[0], mn[1], 20001, 1, 1, 1)
	}
}

// TestAVX512SgemmNaNInf puts NaN and Inf into A and B and checks that
// they propagate as IEEE 754 arithmetic defines (Inf*0 = NaN) and nowhere else.
func TestAVX512SgemmNaNInf(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][3]int{{7, 19, 3}, {13, 33, 300}, {6, 16, 1}, {12, 48, 257}} {
		m, n, k := sz[0], sz[1], sz[2]
		a := uniformFill(r, m*k)
		b := uniformFill(r, k*n)
		a[r.IntN(len(a))] = float32(math.NaN())
		a[r.IntN(len(a))] = float32(math.Inf(1))
		b[r.IntN(len(b))] = float32(math.Inf(-1))
		b[r.IntN(len(b))] = 0
		c := make([]float32, m*n)
		want, mag := referenceGemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		kernels.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		for i := range c {
			if !closeToReference(c[i], want[i], mag[i], k) {
				t.Errorf("%v: C[%d]=%v want %v", sz, i, c[i], want[i])
			}
		}
	}
}

// referenceConv computes Conv2D in float64.
func referenceConv(src, w, bias []float32, m int, p kernels.Conv2DParams, relu bool) (want, mag []float64) {
	n := p.OutH * p.OutW
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for o := 0; o < m; o++ {
		for y := 0; y < p.OutH; y++ {
			for x := 0; x < p.OutW; x++ {
				var s, g float64
				for c := 0; c < p.Channels; c++ {
					for i := 0; i < p.KernelH; i++ {
						for j := 0; j < p.KernelW; j++ {
							iy := y*p.StrideH - p.PadTop + i*p.DilationH
							ix := x*p.StrideW - p.PadLeft + j*p.DilationW
							if iy < 0 || iy >= p.Height || ix < 0 || ix >= p.Width {
								continue
							}
							v := float64(w[((o*p.Channels+c)*p.KernelH+i)*p.KernelW+j]) * float64(src[(c*p.Height+iy)*p.Width+ix])
							s += v
							g += math.Abs(v)
						}
					}
				}
				if bias != nil {
					s += float64(bias[o])
					g += math.Abs(float64(bias[o]))
				}
				if relu && s < 0 {
					s = 0
				}
				want[o*n+y*p.OutW+x] = s
				mag[o*n+y*p.OutW+x] = g
			}
		}
	}
	return want, mag
}

func convOutputSize(in, k, s, d, padBegin, padEnd int) int {
	return (in+padBegin+padEnd-(k-1)*d-1)/s + 1
}

func checkConvCase(t *testing.T, r *rand.Rand, m int, p kernels.Conv2DParams, relu, useBias bool) {
	t.Helper()
	src := guarded(t, uniformFill(r, p.Channels*p.Height*p.Width), true)
	w := guarded(t, uniformFill(r, m*p.Channels*p.KernelH*p.KernelW), true)
	var bias []float32
	if useBias {
		bias = guarded(t, uniformFill(r, m), true)
	}
	n := p.OutH * p.OutW
	dst := make([]float32, m*n+5)
	for i := range dst {
		dst[i] = 1234.5
	}
	want, mag := referenceConv(src, w, bias, m, p, relu)
	kernels.Conv2D(dst, src, w, bias, m, p, kernels.ReLUIf(relu))
	k := p.Channels * p.KernelH * p.KernelW
	bad := 0
	for i := 0; i < m*n; i++ {
		if !closeToReference(dst[i], want[i], mag[i], k) {
			if bad < 3 {
				t.Errorf("m=%d %+v relu=%v: dst[%d] (o=%d px=%d) = %v want %v", m, p, relu, i, i/max(n, 1), i%max(n, 1), dst[i], want[i])
			}
			bad++
		}
	}
	for i := m * n; i < len(dst); i++ {
		if dst[i] != 1234.5 {
			t.Errorf("m=%d %+v: dst[%d] past the output written", m, p, i)
		}
	}
}

// TestAVX512Conv2DGeometries covers output widths 1..40, strides 1..3,
// dilations, asymmetric pads, pointwise shapes and k above 256.
func TestAVX512Conv2DGeometries(t *testing.T) {
	t.Logf("implementation %s", kernels.Implementation())
	r := rand.New(rand.NewPCG(7, 8))
	for outW := 1; outW <= 40; outW++ {
		for _, st := range []int{1, 2, 3} {
			kw := []int{1, 3, 2, 5}[outW%4]
			kh := []int{3, 1, 2}[outW%3]
			d := 1 + outW%2
			pl, pr := outW%3, (outW+1)%2
			pt, pb := (outW+2)%3, 0
			p := kernels.Conv2DParams{Channels: 1 + outW%5, KernelH: kh, KernelW: kw, StrideH: st, StrideW: st, DilationH: d, DilationW: 1 + outW%3, PadTop: pt, PadLeft: pl}
			// Choose the input width that gives outW.
			p.Width = (outW-1)*st + (kw-1)*p.DilationW + 1 - pl - pr
			if p.Width < 1 {
				p.Width = 1
			}
			p.Height = 1 + r.IntN(9)
			p.OutW = convOutputSize(p.Width, kw, st, p.DilationW, pl, pr)
			p.OutH = convOutputSize(p.Height, kh, st, d, pt, pb)
			if p.OutW < 1 || p.OutH < 1 {
				continue
			}
			checkConvCase(t, r, 1+r.IntN(14), p, r.IntN(2) == 0, r.IntN(2) == 0)
		}
	}
	// Pointwise and large k.
	for _, c := range []int{1, 2, 3, 5, 29, 255, 256, 257, 300, 600} {
		for _, hw := range [][2]int{{1, 1}, {1, 7}, {3, 5}, {7, 7}, {4, 4}, {5, 17}} {
			p := kernels.Conv2DParams{Channels: c, Height: hw[0], Width: hw[1], KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: hw[0], OutW: hw[1]}
			checkConvCase(t, r, 1+r.IntN(20), p, true, true)
		}
	}
	for _, c := range []int{29, 30, 57} {
		for _, outW := range []int{1, 2, 3, 5, 7, 15, 17} {
			p := kernels.Conv2DParams{Channels: c, Height: 9, Width: outW, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 9, OutW: outW}
			checkConvCase(t, r, 1+r.IntN(20), p, false, true)
			p.StrideH, p.StrideW = 2, 3
			p.OutH, p.OutW = convOutputSize(9, 3, 2, 1, 1, 1), convOutputSize(outW, 3, 3, 1, 1, 1)
			checkConvCase(t, r, 7, p, true, false)
		}
	}
	// Outputs that overhang the image at bottom-right (pads beyond the
	// image) and outputs that crop it.
	for _, outW := range []int{1, 2, 3, 5, 7, 15, 16, 17, 33} {
		p := kernels.Conv2DParams{Channels: 3, Height: 4, Width: 4, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 3, PadLeft: 5, OutH: 7, OutW: outW}
		checkConvCase(t, r, 6, p, false, true)
	}
}

// TestAVX512Conv2DRandom draws random geometries.
func TestAVX512Conv2DRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for it := 0; it < 400; it++ {
		p := kernels.Conv2DParams{
			Channels: 1 + r.IntN(40), Height: 1 + r.IntN(20), Width: 1 + r.IntN(20),
			KernelH: 1 + r.IntN(4), KernelW: 1 + r.IntN(4),
			StrideH: 1 + r.IntN(3), StrideW: 1 + r.IntN(3),
			DilationH: 1 + r.IntN(3), DilationW: 1 + r.IntN(3),
			PadTop: r.IntN(4), PadLeft: r.IntN(4),
		}
		pb, pr := r.IntN(4), r.IntN(4)
		p.OutH = convOutputSize(p.Height, p.KernelH, p.StrideH, p.DilationH, p.PadTop, pb)
		p.OutW = convOutputSize(p.Width, p.KernelW, p.StrideW, p.DilationW, p.PadLeft, pr)
		if p.OutH < 1 || p.OutW < 1 {
			continue
		}
		checkConvCase(t, r, 1+r.IntN(30), p, r.IntN(2) == 0, r.IntN(2) == 0)
		if t.Failed() {
			return
		}
	}
}

// TestAVX512Conv2DNaN checks that a NaN pixel spreads only into the
// outputs whose window covers it.
func TestAVX512Conv2DNaN(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, outW := range []int{1, 2, 3, 5, 7, 15, 17, 31} {
		p := kernels.Conv2DParams{Channels: 30, Height: 6, Width: outW, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 6, OutW: outW}
		src := uniformFill(r, p.Channels*p.Height*p.Width)
		src[r.IntN(len(src))] = float32(math.NaN())
		src[r.IntN(len(src))] = float32(math.Inf(1))
		w := uniformFill(r, 5*p.Channels*9)
		dst := make([]float32, 5*p.OutH*p.OutW)
		want, mag := referenceConv(src, w, nil, 5, p, false)
		kernels.Conv2D(dst, src, w, nil, 5, p, kernels.NoActivation)
		for i := range dst {
			if !closeToReference(dst[i], want[i], mag[i], 270) {
				t.Errorf("outW=%d: dst[%d]=%v want %v", outW, i, dst[i], want[i])
			}
		}
	}
}

// TestAVX512ThreadsBitwise checks that Sgemm and Conv2D give the same bits
// with 1, 2, 3 and 8 threads.
func TestAVX512ThreadsBitwise(t *testing.T) {
	defer kernels.SetThreads(0)
	r := rand.New(rand.NewPCG(13, 14))
	type job struct {
		name string
		run  func() []float32
	}
	m, n, k := 301, 517, 700
	a, b := uniformFill(r, m*k), uniformFill(r, k*n)
	jobs := []job{{"sgemm", func() []float32 {
		c := make([]float32, m*n)
		kernels.Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
		return c
	}}}
	convs := []kernels.Conv2DParams{
		{Channels: 64, Height: 28, Width: 28, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 28, OutW: 28},
		{Channels: 96, Height: 7, Width: 7, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 7, OutW: 7},
		{Channels: 300, Height: 14, Width: 14, KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: 14, OutW: 14},
		{Channels: 40, Height: 33, Width: 35, KernelH: 3, KernelW: 5, StrideH: 2, StrideW: 3, DilationH: 2, DilationW: 1, PadTop: 2, PadLeft: 1, OutH: 15, OutW: 11},
	}
	for ci, p := range convs {
		src := uniformFill(r, p.Channels*p.Height*p.Width)
		w := uniformFill(r, 70*p.Channels*p.KernelH*p.KernelW)
		bias := uniformFill(r, 70)
		jobs = append(jobs, job{fmt.Sprintf("conv%d", ci), func() []float32 {
			dst := make([]float32, 70*p.OutH*p.OutW)
			kernels.Conv2D(dst, src, w, bias, 70, p, kernels.ReLUActivation)
			return dst
		}})
		if kernels.WinogradSuitable(p, 70) {
			t.Logf("conv%d is Winograd-suitable", ci)
		}
	}
	for _, j := range jobs {
		kernels.SetThreads(1)
		want := j.run()
		for _, th := range []int{2, 3, 8} {
			kernels.SetThreads(th)
			got := j.run()
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Errorf("%s: threads=%d: element %d = %v, 1 thread gave %v", j.name, th, i, got[i], want[i])
					break
				}
			}
		}
	}
}

// TestAVX512ModelConcurrent runs one small Conv model from 16 goroutines
// while the thread count changes, and compares every output bit for bit
// with a serial run and with a float64 reference.
func TestAVX512ModelConcurrent(t *testing.T) {
	defer kernels.SetThreads(0)
	r := rand.New(rand.NewPCG(15, 16))
	c1, c2 := 20, 33
	w1, _ := nn.FromSlice(uniformFill(r, c1*3*3*3), c1, 3, 3, 3)
	b1, _ := nn.FromSlice(uniformFill(r, c1), c1)
	w2, _ := nn.FromSlice(uniformFill(r, c2*c1), c2, c1, 1, 1)
	w3, _ := nn.FromSlice(uniformFill(r, 17*c2*3*3), 17, c2, 3, 3)

	// Fused ReLU, asymmetric pads, a stride of 1×2, a pointwise layer and
	// a dilation of 2×1.
	g := nn.Graph{
		Inputs:       []nn.ValueInfo{{Name: "x", Shape: []int{-1, 3, 13, 11}}},
		Outputs:      []nn.ValueInfo{{Name: "y", Shape: []int{-1, 17, -1, -1}}},
		Initializers: map[string]*nn.Tensor{"w1": w1, "b1": b1, "w2": w2, "w3": w3},
		Nodes: []nn.Node{
			{Layer: nn.Conv{NodeName: "c1", Pads: []int{1, 2, 0, 1}, Strides: []int{1, 2}, FuseReLU: true}, Inputs: []string{"x", "w1", "b1"}, Outputs: []string{"h1"}},
			{Layer: nn.Conv{NodeName: "c2"}, Inputs: []string{"h1", "w2"}, Outputs: []string{"h2"}},
			{Layer: nn.Conv{NodeName: "c3", Pads: []int{1, 1, 1, 1}, Dilations: []int{2, 1}}, Inputs: []string{"h2", "w3"}, Outputs: []string{"y"}},
		},
	}
	model, err := nn.NewModel(g)
	if err != nil {
		t.Fatal(err)
	}

	// Serial results for batches 1, 2 and 5.
	var xs, wants []*nn.Tensor
	for _, batch := range []int{1, 2, 5} {
		x, _ := nn.FromSlice(uniformFill(r, batch*3*13*11), batch, 3, 13, 11)
		y, err := model.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		xs, wants = append(xs, x), append(wants, y)
	}

	// The float64 reference of the first input, batch 1.
	x := xs[0].Data
	p1 := kernels.Conv2DParams{Channels: 3, Height: 13, Width: 11, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 2}
	p1.OutH, p1.OutW = convOutputSize(13, 3, 1, 1, 1, 0), convOutputSize(11, 3, 2, 1, 2, 1)
	h1, _ := referenceConv(x, w1.Data, b1.Data, c1, p1, true)
	p2 := kernels.Conv2DParams{Channels: c1, Height: p1.OutH, Width: p1.OutW, KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: p1.OutH, OutW: p1.OutW}
	h2, _ := referenceConv(toFloat32(h1), w2.Data, nil, c2, p2, false)
	p3 := kernels.Conv2DParams{Channels: c2, Height: p2.OutH, Width: p2.OutW, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 2, DilationW: 1, PadTop: 1, PadLeft: 1}
	p3.OutH, p3.OutW = convOutputSize(p2.OutH, 3, 1, 2, 1, 1), convOutputSize(p2.OutW, 3, 1, 1, 1, 1)
	y, _ := referenceConv(toFloat32(h2), w3.Data, nil, 17, p3, false)
	got := wants[0]
	if len(got.Data) != len(y) {
		t.Fatalf("model output %v, reference has %d elements", got.Shape, len(y))
	}
	for i := range y {
		if math.Abs(float64(got.Data[i])-y[i]) > 1e-3*(1+math.Abs(y[i])) {
			t.Errorf("model output[%d]=%v, float64 reference %v", i, got.Data[i], y[i])
			break
		}
	}

	// One goroutine keeps changing the thread count while 16 others run
	// the model.
	stop := make(chan struct{})
	var tw sync.WaitGroup
	tw.Add(1)
	go func() {
		defer tw.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			kernels.SetThreads([]int{1, 2, 8, 3}[i%4])
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for gi := 0; gi < 16; gi++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := 0; it < 30; it++ {
				q := (gi + it) % len(xs)
				y, err := model.Predict(xs[q])
				if err != nil {
					errs <- err.Error()
					return
				}
				for i := range y.Data {
					if math.Float32bits(y.Data[i]) != math.Float32bits(wants[q].Data[i]) {
						errs <- fmt.Sprintf("goroutine %d input %d element %d: %v, serial %v", gi, q, i, y.Data[i], wants[q].Data[i])
						return
					}
				}
			}
		}()
	}

	wg.Wait()
	close(stop)
	tw.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// toFloat32 rounds x to float32.
func toFloat32(x []float64) []float32 {
	s := make([]float32, len(x))
	for i, v := range x {
		s[i] = float32(v)
	}
	return s
}

// TestAVX512PackedAndWinograd checks Conv2DPacked bit for bit against
// Conv2D, and Conv2DWinograd against the float64 reference, on maps with
// sides around 8 (where the F(2x2) path switches) and k above 256.
func TestAVX512PackedAndWinograd(t *testing.T) {
	defer kernels.SetThreads(0)
	r := rand.New(rand.NewPCG(17, 18))
	for _, hw := range [][2]int{{1, 1}, {2, 3}, {4, 4}, {7, 7}, {8, 8}, {7, 9}, {9, 7}, {13, 5}, {16, 17}} {
		for _, c := range []int{16, 31, 40} {
			m := 16 + r.IntN(20)
			p := kernels.Conv2DParams{Channels: c, Height: hw[0], Width: hw[1], KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: hw[0], OutW: hw[1]}
			src := uniformFill(r, c*hw[0]*hw[1])
			w := uniformFill(r, m*c*9)
			bias := uniformFill(r, m)
			n := p.OutH * p.OutW
			want := make([]float32, m*n)
			kernels.Conv2D(want, src, w, bias, m, p, kernels.ReLUActivation)
			pw := kernels.PackWeights(w, m, c*9)
			for _, th := range []int{1, 2, 8} {
				kernels.SetThreads(th)
				got := make([]float32, m*n)
				kernels.Conv2DPacked(got, src, pw, bias, p, kernels.ReLUActivation)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Errorf("%v c=%d m=%d threads=%d: packed[%d]=%v, Conv2D %v", hw, c, m, th, i, got[i], want[i])
						break
					}
				}
			}
			kernels.SetThreads(0)
			ref, mag := referenceConv(src, w, bias, m, p, true)
			ww := kernels.PackWinogradWeights(w, m, p)
			var first []float32
			for _, th := range []int{1, 2, 8} {
				kernels.SetThreads(th)
				got := make([]float32, m*n)
				kernels.Conv2DWinograd(got, src, ww, bias, p, kernels.ReLUActivation)
				for i := range got {
					if math.Abs(float64(got[i])-ref[i]) > 1e-4*mag[i]+1e-6 {
						t.Errorf("%v c=%d threads=%d: winograd[%d]=%v, want %v", hw, c, th, i, got[i], ref[i])
						break
					}
				}
				if first == nil {
					first = got
				} else {
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
							t.Errorf("%v c=%d: winograd threads=%d differs from 1 thread at %d", hw, c, th, i)
							break
						}
					}
				}
			}
		}
	}
}

// TestAVX512ConvLargeBlocks uses convolutions with more than gemmNC (3072)
// output pixels, so that B blocks start in the middle of an output row.
// Other cases have more filters than gemmMC (144) on narrow outputs, so that
// the threads split the rows. Each case runs with 1, 2 and 8 threads and is
// checked against the float64 reference and bit for bit across thread counts.
func TestAVX512ConvLargeBlocks(t *testing.T) {
	defer kernels.SetThreads(0)
	r := rand.New(rand.NewPCG(19, 20))
	cases := []struct {
		m int
		p kernels.Conv2DParams
	}{
		{8, kernels.Conv2DParams{Channels: 3, Height: 600, Width: 7, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 600, OutW: 7}},
		{13, kernels.Conv2DParams{Channels: 2, Height: 1, Width: 5000, KernelH: 1, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 2, PadTop: 0, PadLeft: 2, OutH: 1, OutW: 5000}},
		{17, kernels.Conv2DParams{Channels: 5, Height: 130, Width: 100, KernelH: 3, KernelW: 3, StrideH: 2, StrideW: 3, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 0, OutH: 65, OutW: 33}},
		{400, kernels.Conv2DParams{Channels: 300, Height: 3, Width: 5, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 3, OutW: 5}},
		{300, kernels.Conv2DParams{Channels: 700, Height: 2, Width: 9, KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: 2, OutW: 9}},
		{20, kernels.Conv2DParams{Channels: 10, Height: 70, Width: 70, KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: 70, OutW: 70}},
	}
	for ci, c := range cases {
		p := c.p
		src := uniformFill(r, p.Channels*p.Height*p.Width)
		w := uniformFill(r, c.m*p.Channels*p.KernelH*p.KernelW)
		bias := uniformFill(r, c.m)
		ref, mag := referenceConv(src, w, bias, c.m, p, false)
		pw := kernels.PackWeights(w, c.m, p.Channels*p.KernelH*p.KernelW)
		var first []float32
		for _, th := range []int{1, 2, 8} {
			kernels.SetThreads(th)
			for pi, packed := range []bool{false, true} {
				got := make([]float32, c.m*p.OutH*p.OutW)
				if packed {
					kernels.Conv2DPacked(got, src, pw, bias, p, kernels.NoActivation)
				} else {
					kernels.Conv2D(got, src, w, bias, c.m, p, kernels.NoActivation)
				}
				bad := 0
				for i := range got {
					if !closeToReference(got[i], ref[i], mag[i], p.Channels*9) {
						if bad < 2 {
							t.Errorf("case %d threads=%d packed=%v: dst[%d]=%v want %v", ci, th, packed, i, got[i], ref[i])
						}
						bad++
					}
				}
				if first == nil {
					first = got
					continue
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
						t.Errorf("case %d threads=%d packed=%v (%d): dst[%d]=%v, first run %v", ci, th, packed, pi, i, got[i], first[i])
						break
					}
				}
			}
		}
	}
}

// TestAVX512ConvHugeK uses about 20000 taps per output, over the output
// widths where pixelRuns splits a panel into many runs.
func TestAVX512ConvHugeK(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, outW := range []int{1, 2, 3, 5, 7, 15, 17} {
		p := kernels.Conv2DParams{Channels: 2223, Height: 4, Width: outW, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 4, OutW: outW}
		checkConvCase(t, r, 7, p, false, true)
		q := kernels.Conv2DParams{Channels: 2223, Height: 9, Width: 3*outW + 2, KernelH: 3, KernelW: 3, StrideH: 3, StrideW: 3, DilationH: 2, DilationW: 3, PadTop: 2, PadLeft: 3, OutH: 3, OutW: outW}
		checkConvCase(t, r, 5, q, true, false)
	}
}
