//go:build linux

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestEdgeShapesAtGuardPages runs Sgemm, Conv2D, Conv2DPacked and
// Conv2DWinograd on shapes with edge tiles. C (or dst), the bias and the
// input are each exactly as long as required, next to an unmapped page.
// Each result must equal a reference computed in ordinary memory, without
// edge kernels or with one Winograd tile row per output call. A read or
// write of a full tile instead of its corner faults at the last rows.
func TestEdgeShapesAtGuardPages(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(221, 222))
		for _, atEnd := range []bool{true, false} {
			for _, threads := range []int{1, 2} {
				SetThreads(threads)
				for _, s := range [][3]int{{1, 5, 3}, {5, 15, 300}, {7, 4, 9}, {11, 23, 257}, {17, 33, 5}, {151, 61, 20}} {
					m, n, k := s[0], s[1], s[2]
					for _, ldc := range []int{n, n + 3} {
						a, b := randomFloats(rng, m*k, 0), randomFloats(rng, k*n, 0)
						cLen := (m-1)*ldc + n
						c0 := randomFloats(rng, cLen, 0)
						want := append([]float32(nil), c0...)
						withoutEdgeKernels(func() { Sgemm(false, false, m, n, k, 1, a, k, b, n, 1, want, ldc) })
						c := guardedCopy(t, c0, atEnd)
						Sgemm(false, false, m, n, k, 1, a, k, b, n, 1, c, ldc)
						requireSameBits(t, fmt.Sprintf("Sgemm %dx%dx%d ldc %d atEnd %t", m, n, k, ldc, atEnd), c, want)
					}
				}

				for i, s := range []struct{ m, w int }{{1, 13}, {4, 15}, {5, 29}, {7, 44}, {13, 14}, {64, 111}, {151, 30}, {20, 5}} {
					for gi, geom := range edgeConvGeometries {
						p := geom.params(s.w)
						if p.OutH == 0 || p.OutW == 0 {
							continue
						}
						m := s.m
						src := guardedCopy(t, randomFloats(rng, p.Channels*p.Height*p.Width, 0), atEnd)
						weights := randomFloats(rng, m*p.k(), 0)
						bias := guardedCopy(t, randomFloats(rng, m, 0), atEnd)
						act := testActivations[(i+gi)%len(testActivations)]
						n := p.OutH * p.OutW
						want := make([]float32, m*n)
						withoutEdgeKernels(func() { Conv2D(want, src, weights, bias, m, p, act) })
						label := fmt.Sprintf("%d filters, %+v, atEnd %t", m, p, atEnd)

						dst := guardedFloats(t, m*n, atEnd)
						Conv2D(dst, src, weights, bias, m, p, act)
						requireSameBits(t, "Conv2D "+label, dst, want)

						dst = guardedFloats(t, m*n, atEnd)
						Conv2DPacked(dst, src, PackWeights(weights, m, p.k()), bias, p, act)
						requireSameBits(t, "Conv2DPacked "+label, dst, want)
					}
				}

				for _, s := range []struct{ m, c, h, w int }{{7, 5, 8, 8}, {19, 17, 13, 13}, {64, 64, 13, 13}, {3, 2, 40, 12}, {5, 3, 9, 16}} {
					p := winogradRowsCase{m: s.m, c: s.c, outH: s.h, outW: s.w}.params()
					src := guardedCopy(t, randomFloats(rng, s.c*s.h*s.w, 0), atEnd)
					weights := PackWinogradWeights(randomFloats(rng, s.m*s.c*9, 0), s.m, p)
					bias := guardedCopy(t, randomFloats(rng, s.m, 0), atEnd)
					want := make([]float32, s.m*s.h*s.w)
					run := newWinogradRun(want, src, weights, bias, p, CappedReLU(0.5), 1)
					winogradOneRowPerCall(&run)
					dst := guardedFloats(t, len(want), atEnd)
					Conv2DWinograd(dst, src, weights, bias, p, CappedReLU(0.5))
					requireSameBits(t, fmt.Sprintf("Conv2DWinograd %+v atEnd %t", s, atEnd), dst, want)
				}
			}
		}
	})
}

// TestEdgeWrappersRejectHostileArguments checks that the edge kernels'
// wrappers panic on arguments that TestEdgeKernelsCheckBounds leaves out.
// These are k counts of 0, -1 and one that wraps around when multiplied,
// short A and offsets, a span outside src, and negative corners and
// leading dimensions. It also runs valid extremes next to an unmapped
// page: one row with the largest ldc, and an empty, non-nil bias.
func TestEdgeWrappersRejectHostileArguments(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		skipWithoutEdgeKernels(t)
		const kc, ldc = 4, gemmNR
		a, b := make([]float32, gemmMR*kc), make([]float32, gemmNR*kc)
		src := make([]float32, 60)
		offsets := []int{0, 10, 20, 60 - gemmNR}
		span := spanOf(offsets)
		c := make([]float32, gemmMR*ldc)
		const wrapping = 1 << 62 // 6 or 16 times it wraps around

		type call func(kc int, a []float32, offsets []int, span offsetSpan, c []float32, ldc int, bias []float32, rows, cols int)
		kernels := map[string]call{
			"sgemmEdge": func(kc int, a []float32, _ []int, _ offsetSpan, c []float32, ldc int, bias []float32, rows, cols int) {
				impl.sgemmEdge(kc, a, b, c, ldc, true, bias, ReLUActivation, rows, cols)
			},
			"convEdge": func(kc int, a []float32, offsets []int, span offsetSpan, c []float32, ldc int, bias []float32, rows, cols int) {
				impl.convEdge(kc, a, src, offsets, span, c, ldc, true, bias, ReLUActivation, rows, cols)
			},
			"convEdgePack": func(kc int, a []float32, offsets []int, span offsetSpan, c []float32, ldc int, bias []float32, rows, cols int) {
				impl.convEdgePack(kc, a, src, offsets, span, b, c, ldc, true, bias, ReLUActivation, rows, cols)
			},
		}
		for name, f := range kernels {
			cases := []panicCase{
				{name + " kc 0", func() { f(0, a, offsets, span, c, ldc, nil, 2, 3) }},
				{name + " kc -1", func() { f(-1, a, offsets, span, c, ldc, nil, 2, 3) }},
				{name + " wrapping kc", func() { f(wrapping, a, offsets, span, c, ldc, nil, 2, 3) }},
				{name + " short a", func() { f(kc, a[:len(a)-1], offsets, span, c, ldc, nil, 2, 3) }},
				{name + " rows -1", func() { f(kc, a, offsets, span, c, ldc, nil, -1, 3) }},
				{name + " cols -1", func() { f(kc, a, offsets, span, c, ldc, nil, 2, -1) }},
				{name + " ldc -16", func() { f(kc, a, offsets, span, c[5*ldc:], -ldc, nil, 2, 3) }},
				{name + " ldc 0", func() { f(kc, a, offsets, span, c, 0, nil, 2, 3) }},
			}
			if name != "sgemmEdge" {
				cases = append(cases,
					panicCase{name + " short offsets", func() { f(kc, a, offsets[:kc-1], span, c, ldc, nil, 2, 3) }},
					panicCase{name + " span before src", func() { f(kc, a, offsets, offsetSpan{min: -1, max: span.max}, c, ldc, nil, 2, 3) }},
					panicCase{name + " span past src", func() { f(kc, a, offsets, offsetSpan{min: 0, max: len(src) - gemmNR + 1}, c, ldc, nil, 2, 3) }},
				)
			}
			expectPanics(t, cases)

			for _, atEnd := range []bool{true, false} {
				for cols := 1; cols <= gemmNR; cols++ {
					oneRow := guardedCopy(t, make([]float32, cols), atEnd)
					f(kc, a, offsets, span, oneRow, math.MaxInt, []float32{}, 1, cols)
					f(kc, a, offsets, span, oneRow, cols, make([]float32, 1), 1, cols)
				}
			}
		}
	})
}
