//go:build !purego

package kernels

import "fmt"

// depthwise3x3SmallChecked checks that g is the layout of p and the
// slices are long enough for it, then runs the AVX-512 small-plane kernel
// of p's stride on all of p.Channels channels. The table's offsets and
// masks are trusted to be what g.fillTable writes for p, which keeps every
// access inside buf and dst.
func depthwise3x3SmallChecked(dst, src, weights, bias, buf []float32, table []int, g smallDepthwise, p Conv2DParams, act Activation) {
	if want, ok := newSmallDepthwise(p); !ok || want != g {
		panic(fmt.Sprintf("kernels: small 3×3 depthwise kernel called with layout %+v, which is not that of %+v", g, p))
	}
	c := p.Channels
	if c <= 0 {
		return
	}
	// Dividing the lengths avoids overflowing c times a plane. The layout
	// check above already guarantees g's stride and its vector count (a
	// positive multiple of 4).
	if len(src)/c < p.Height*p.Width || len(dst)/c < p.OutH*p.OutW || len(weights)/9 < c ||
		(bias != nil && len(bias) < c) || len(buf) < g.bufLen() || len(table) < g.tableLen {
		panic(fmt.Sprintf("kernels: small 3×3 depthwise kernel called with dst, src, weights, bias, buf or table too short for %d channels of %+v: %d, %d, %d, %d, %d, %d elements",
			c, p, len(dst), len(src), len(weights), len(bias), len(buf), len(table)))
	}
	kernel := depthwise3x3Small1AVX512
	if p.StrideW == 2 {
		kernel = depthwise3x3Small2AVX512
	}
	kernel(dst, src, weights, bias, buf, table, c, p.Height, g.vectors, act.relu, act.hi)
}
