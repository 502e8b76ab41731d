package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// edgeCase is one call of an edge kernel: a corner of rows×cols, kc k
// steps, and the epilogue's options.
type edgeCase struct {
	rows, cols, kc int
	accumulate     bool
	bias           bool
	act            Activation
}

func (e edgeCase) String() string {
	return fmt.Sprintf("%dx%d/kc=%d/acc=%t/bias=%t/act=%v", e.rows, e.cols, e.kc, e.accumulate, e.bias, e.act)
}

// edgeCases lists every corner with each epilogue option, at k counts
// below, at and past the kernels' 4-step unrolling.
func edgeCases() []edgeCase {
	var cases []edgeCase
	acts := []Activation{NoActivation, ReLUActivation, {relu: true, hi: 6}}
	for rows := 1; rows <= gemmMR; rows++ {
		for cols := 1; cols <= gemmNR; cols++ {
			for i, kc := range []int{1, 4, 7, 18} {
				// Every option for each corner, spread over the k counts.
				e := edgeCase{rows: rows, cols: cols, kc: kc, accumulate: i%2 == 1, bias: i/2 == 1, act: acts[(rows+cols+i)%3]}
				cases = append(cases, e)
			}
		}
	}
	return cases
}

// edgeC returns C with ldc columns per row for the corner of e, its
// values random with a NaN, an infinity and a -0 among them so that
// the epilogue's handling of those is compared too.
func edgeC(rng *rand.Rand, e edgeCase, ldc int) []float32 {
	c := randomFloats(rng, (gemmMR-1)*ldc+gemmNR, 0)
	c[0] = float32(math.NaN())
	c[min(1, len(c)-1)] = float32(math.Inf(1))
	c[ldc] = float32(math.Copysign(0, -1))
	return c
}

// checkCorner fails t unless got holds want's corner of e bit for bit
// and before's values everywhere else.
func checkCorner(t *testing.T, e edgeCase, got, want, before []float32, ldc int) {
	t.Helper()
	for i := range got {
		r, col := i/ldc, i%ldc
		expect := before[i]
		if r < e.rows && col < e.cols {
			expect = want[r*gemmNR+col]
		}
		if math.Float32bits(got[i]) != math.Float32bits(expect) {
			t.Fatalf("%v: C[%d][%d] = %v, want %v", e, r, col, got[i], expect)
		}
	}
}

// TestSgemmEdgeMatchesTile checks the edge kernel against the tile kernel
// with epilogue, bit for bit, on every corner, and that it leaves C
// outside the corner as it was.
func TestSgemmEdgeMatchesTile(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmEdge == nil {
			t.Skip("this kernel set has no edge kernel")
		}
		rng := rand.New(rand.NewPCG(61, 62))
		const ldc = gemmNR + 3
		for _, e := range edgeCases() {
			a := randomFloats(rng, gemmMR*e.kc, 0)
			b := randomFloats(rng, gemmNR*e.kc, 0)
			c := edgeC(rng, e, ldc)
			var bias []float32
			if e.bias {
				bias = randomFloats(rng, e.rows, 0)
			}

			want := tileReference(e, c, ldc, bias, func(tile, tileBias []float32) {
				impl.sgemmTileEpilogue(e.kc, a, b, tile, gemmNR, e.accumulate, tileBias, e.act)
			})
			got := append([]float32(nil), c...)
			impl.sgemmEdge(e.kc, a, b, got, ldc, e.accumulate, bias, e.act, e.rows, e.cols)
			checkCorner(t, e, got, want, c, ldc)
		}
	})
}

// TestConvEdgeMatchesTile is TestSgemmEdgeMatchesTile for the implicit
// edge kernels, and checks that the packing one copies B's rows.
func TestConvEdgeMatchesTile(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.convEdge == nil {
			t.Skip("this kernel set has no edge kernel")
		}
		rng := rand.New(rand.NewPCG(63, 64))
		const ldc = gemmNR + 5
		for _, e := range edgeCases() {
			a := randomFloats(rng, gemmMR*e.kc, 0)
			src := randomFloats(rng, 3*e.kc+gemmNR, 0)
			offsets := make([]int, e.kc)
			for p := range offsets {
				offsets[p] = rng.IntN(len(src) - gemmNR + 1)
			}
			span := spanOf(offsets)
			c := edgeC(rng, e, ldc)
			var bias []float32
			if e.bias {
				bias = randomFloats(rng, e.rows, 0)
			}

			want := tileReference(e, c, ldc, bias, func(tile, tileBias []float32) {
				impl.convTile(e.kc, a, src, offsets, span, tile, gemmNR, e.accumulate, tileBias, e.act)
			})
			got := append([]float32(nil), c...)
			impl.convEdge(e.kc, a, src, offsets, span, got, ldc, e.accumulate, bias, e.act, e.rows, e.cols)
			checkCorner(t, e, got, want, c, ldc)

			if impl.convEdgePack == nil {
				continue
			}
			packed := make([]float32, gemmNR*e.kc)
			got = append(got[:0], c...)
			impl.convEdgePack(e.kc, a, src, offsets, span, packed, got, ldc, e.accumulate, bias, e.act, e.rows, e.cols)
			checkCorner(t, e, got, want, c, ldc)
			for p, off := range offsets {
				for j := range gemmNR {
					if math.Float32bits(packed[p*gemmNR+j]) != math.Float32bits(src[off+j]) {
						t.Fatalf("%v: packed row %d column %d = %v, want %v", e, p, j, packed[p*gemmNR+j], src[off+j])
					}
				}
			}
		}
	})
}

// tileReference returns the full tile that tile computes for e, with C's
// corner copied in when accumulating and the bias padded to gemmMR rows
// with zeros, laid out gemmNR floats per row.
func tileReference(e edgeCase, c []float32, ldc int, bias []float32, tile func(tile, tileBias []float32)) []float32 {
	want := make([]float32, gemmMR*gemmNR)
	for r := range gemmMR {
		copy(want[r*gemmNR:(r+1)*gemmNR], c[r*ldc:r*ldc+gemmNR])
	}
	var tileBias []float32
	if bias != nil {
		tileBias = make([]float32, gemmMR)
		copy(tileBias, bias)
	}
	tile(want, tileBias)
	return want
}

// TestEdgeKernelsInvisible runs convolutions and Sgemm through each kernel
// set with and without its edge kernels (the pair kernels for fewer rows
// among them) and requires the same bits: the edge kernels must change
// where the corner is computed, never what. The
// shapes leave edge panels of each height, partial and whole lone
// 16-column tiles, and k past gemmKC (accumulation into C).
func TestEdgeKernelsInvisible(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmEdge == nil {
			t.Skip("this kernel set has no edge kernels")
		}
		rng := rand.New(rand.NewPCG(67, 68))
		for _, kernel := range []int{1, 3} {
			for _, width := range []int{17, 23, 56, 61} {
				for _, m := range []int{5, 7, 16, 64} {
					c := 3 + 290*(m%2) // odd filter counts take k past gemmKC
					p := Conv2DParams{Channels: c, Height: 4, Width: width, KernelH: kernel, KernelW: kernel,
						StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: kernel / 2, PadLeft: kernel / 2, OutH: 4, OutW: width}
					src := randomFloats(rng, c*p.Height*p.Width, 40)
					weights := randomFloats(rng, m*p.k(), 40)
					bias := randomFloats(rng, m, 10)
					act := testActivations[(width+m)%len(testActivations)]
					got := make([]float32, m*p.OutH*p.OutW)
					Conv2D(got, src, weights, bias, m, p, act)
					want := make([]float32, len(got))
					withoutEdgeKernels(func() { Conv2D(want, src, weights, bias, m, p, act) })
					for i, w := range want {
						if !sameFloat(got[i], w) {
							t.Fatalf("%dx%d kernel, width %d, %d channels, %d filters: output %d = %v, %v without edge kernels", kernel, kernel, width, c, m, i, got[i], w)
						}
					}
				}
			}
		}
		for _, s := range [][3]int{{7, 19, 300}, {13, 40, 5}, {1, 1, 1}, {65, 33, 700}} {
			m, n, k := s[0], s[1], s[2]
			a, b := randomFloats(rng, m*k, 0), randomFloats(rng, k*n, 0)
			got := randomFloats(rng, m*n, 0)
			want := append([]float32(nil), got...)
			Sgemm(false, false, m, n, k, 1, a, k, b, n, 0.5, got, n)
			withoutEdgeKernels(func() { Sgemm(false, false, m, n, k, 1, a, k, b, n, 0.5, want, n) })
			for i, w := range want {
				if !sameFloat(got[i], w) {
					t.Fatalf("Sgemm %dx%dx%d: C[%d] = %v, %v without edge kernels", m, n, k, i, got[i], w)
				}
			}
		}
	})
}

// TestEdgeKernelsCheckBounds checks that the edge kernels' wrappers
// panic, before any assembly runs, on a corner outside the tile and on
// operands that do not hold it.
func TestEdgeKernelsCheckBounds(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmEdge == nil || impl.convEdge == nil || impl.convEdgePack == nil {
			t.Skip("this kernel set has no edge kernels")
		}
		const kc, ldc, rows, cols = 4, gemmNR, 3, 5
		a, b := make([]float32, gemmMR*kc), make([]float32, gemmNR*kc)
		src := make([]float32, 60)
		offsets := []int{0, 10, 20, 60 - gemmNR}
		span := spanOf(offsets)
		c := make([]float32, (rows-1)*ldc+cols)
		bias := make([]float32, rows)

		type call func(c, bias []float32, ldc, rows, cols int)
		kernels := map[string]call{
			"sgemmEdge": func(c, bias []float32, ldc, rows, cols int) {
				impl.sgemmEdge(kc, a, b, c, ldc, true, bias, NoActivation, rows, cols)
			},
			"convEdge": func(c, bias []float32, ldc, rows, cols int) {
				impl.convEdge(kc, a, src, offsets, span, c, ldc, true, bias, NoActivation, rows, cols)
			},
			"convEdgePack": func(c, bias []float32, ldc, rows, cols int) {
				impl.convEdgePack(kc, a, src, offsets, span, b, c, ldc, true, bias, NoActivation, rows, cols)
			},
		}

		for name, f := range kernels {
			// The exact fit must not panic.
			f(c, bias, ldc, rows, cols)

			expectPanics(t, []panicCase{
				{name + " rows 0", func() { f(c, bias, ldc, 0, cols) }},
				{name + " rows 7", func() { f(make([]float32, 200), nil, ldc, gemmMR+1, cols) }},
				{name + " cols 0", func() { f(c, bias, ldc, rows, 0) }},
				{name + " cols 17", func() { f(make([]float32, 200), bias, 2*gemmNR, rows, gemmNR+1) }},
				{name + " short c", func() { f(c[:len(c)-1], bias, ldc, rows, cols) }},
				{name + " ldc below cols", func() { f(c, bias, cols-1, rows, cols) }},
				{name + " wrapping ldc", func() { f(c, bias, 3689348814741910324, rows, cols) }},
				{name + " short bias", func() { f(c, bias[:rows-1], ldc, rows, cols) }},
			})
		}

		expectPanics(t, []panicCase{
			{"convEdge tap past src", func() {
				impl.convEdge(kc, a, src[:len(src)-1], offsets, span, c, ldc, false, nil, NoActivation, rows, cols)
			}},
			{"convEdgePack short packed", func() {
				impl.convEdgePack(kc, a, src, offsets, span, b[:len(b)-1], c, ldc, false, nil, NoActivation, rows, cols)
			}},
			{"sgemmEdge short b", func() {
				impl.sgemmEdge(kc, a, b[:len(b)-1], c, ldc, false, nil, NoActivation, rows, cols)
			}},
		})
	})
}

// TestSgemmPairRowsMatchTile checks the pair kernel for fewer rows against
// the whole pair kernel, bit for bit, for every row count, and that it
// leaves the rows below its own as they were.
func TestSgemmPairRowsMatchTile(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmTilePairRows == nil {
			t.Skip("this kernel set has no pair kernel for fewer rows")
		}
		rng := rand.New(rand.NewPCG(69, 70))
		const width, ldc = 2 * gemmNR, 2*gemmNR + 3
		for _, e := range edgeCases() {
			if e.cols != 1 {
				continue // the row counts with every option, once each
			}
			a := randomFloats(rng, gemmMR*e.kc, 0)
			b := randomFloats(rng, width*e.kc, 0)
			c := randomFloats(rng, (gemmMR-1)*ldc+width, 0)
			c[0], c[ldc+1] = float32(math.NaN()), float32(math.Copysign(0, -1))
			var bias []float32
			if e.bias {
				bias = randomFloats(rng, e.rows, 0)
			}

			want := append([]float32(nil), c...)
			var tileBias []float32
			if bias != nil {
				tileBias = make([]float32, gemmMR)
				copy(tileBias, bias)
			}
			impl.sgemmTilePair(e.kc, a, b, want, ldc, e.accumulate, tileBias, e.act)
			got := append([]float32(nil), c...)
			impl.sgemmTilePairRows(e.kc, a, b, got, ldc, e.accumulate, bias, e.act, e.rows)

			for i := range got {
				expect := c[i]
				if i/ldc < e.rows && i%ldc < width {
					expect = want[i]
				}
				if math.Float32bits(got[i]) != math.Float32bits(expect) {
					t.Fatalf("%d rows, kc %d, acc %t, bias %t, %v: C[%d][%d] = %v, want %v",
						e.rows, e.kc, e.accumulate, e.bias, e.act, i/ldc, i%ldc, got[i], expect)
				}
			}
		}
	})
}

// TestSgemmPairRowsCheckBounds checks that the wrapper of the pair kernel
// for fewer rows panics, before any assembly runs, on a row count outside
// the tile and on operands that do not hold its rows.
func TestSgemmPairRowsCheckBounds(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if impl.sgemmTilePairRows == nil {
			t.Skip("this kernel set has no pair kernel for fewer rows")
		}
		const kc, ldc, rows = 4, 2 * gemmNR, 3
		a, b := make([]float32, gemmMR*kc), make([]float32, 2*gemmNR*kc)
		c := make([]float32, (rows-1)*ldc+2*gemmNR)
		bias := make([]float32, rows)
		call := func(b, c, bias []float32, ldc, rows int) func() {
			return func() { impl.sgemmTilePairRows(kc, a, b, c, ldc, true, bias, NoActivation, rows) }
		}

		// The exact fit must not panic.
		call(b, c, bias, ldc, rows)()

		expectPanics(t, []panicCase{
			{"rows 0", call(b, c, bias, ldc, 0)},
			{"rows 7", call(b, make([]float32, 400), nil, ldc, gemmMR+1)},
			{"short b", call(b[:len(b)-1], c, bias, ldc, rows)},
			{"short c", call(b, c[:len(c)-1], bias, ldc, rows)},
			{"ldc below 32", call(b, c, bias, ldc-1, rows)},
			{"wrapping ldc", call(b, c, bias, 3689348814741910324, rows)},
			{"short bias", call(b, c, bias[:rows-1], ldc, rows)},
		})
	})
}
