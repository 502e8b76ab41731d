package kernels

import "math/bits"

// The small-plane layout of the 3×3 depthwise kernels: see
// asm/depthwise/small.go for how the kernels walk it. A channel's padded
// input is written as stride² phase planes of phaseH rows of phaseW
// floats, and the outputs are computed in the order of the flat index
// y*phaseW + x, 16 at a time.

// smallDepthwiseMaxFloats bounds the phase planes (and so buf) at 32 KiB,
// so that a channel's planes stay in the L1 cache next to its output.
const smallDepthwiseMaxFloats = 8192

// smallDepthwise is the layout of the phase planes for one geometry.
type smallDepthwise struct {
	stride         int
	phaseH, phaseW int
	vectors        int // 16-output vectors per channel, a multiple of 4
	planesLen      int // floats of the planes plus the last block's reads
	tableLen       int // ints of the table of offsets and masks
}

// Entries of the table before the rows' offsets. asm/depthwise/small.go
// reads them at the same indexes.
const (
	smallTableLoadLo = iota
	smallTableLoadHi
	smallTableStoreLo
	smallTableStoreHi
	smallTableRowBytes
	smallTableHalfBytes
	smallTableVectors
	smallTableTaps
	smallTableRows = smallTableTaps + 9
)

// newSmallDepthwise returns the layout for p and whether the small-plane
// kernels suit p. They take a geometry that depthwise3x3Fits accepts,
// outputs at most 16 wide, planes of at most smallDepthwiseMaxFloats, and
// input rows that one masked load reads (16 floats, stride 1) or two (32
// floats, stride 2). Wider rows fill the row kernels' 8-lane strips well
// enough. On an Intel Xeon (Emerald Rapids), one thread,
// BenchmarkDepthwiseConv2D's MobileNetV2 layers took 0.49 (960 channels
// at 7×7), 0.52 (576, 14×14 to 7×7), 0.67 (192, 28×28 to 14×14) and 0.85
// (576 at 14×14) of the row kernels' time.
func newSmallDepthwise(p Conv2DParams) (smallDepthwise, bool) {
	// Heights past the planes' bound are rejected first, so that the sums
	// below cannot overflow.
	s := p.StrideW
	if !depthwise3x3Fits(p) || p.Width > 16*s || p.OutW > 16 ||
		p.Height > smallDepthwiseMaxFloats || p.OutH > smallDepthwiseMaxFloats {
		return smallDepthwise{}, false
	}
	// Output (y, x) reads phase rows y..y+2/s and columns x..x+2/s, and
	// the image's last row and column must have a place too.
	g := smallDepthwise{
		stride: s,
		phaseW: max(p.OutW+2/s, (p.Width+p.PadLeft+s-1)/s),
		phaseH: max(p.OutH+2/s, (p.Height+p.PadTop+s-1)/s),
	}
	planes := s * s * g.phaseH * g.phaseW
	if g.phaseH > smallDepthwiseMaxFloats || planes > smallDepthwiseMaxFloats {
		return smallDepthwise{}, false
	}
	g.vectors = roundUp((p.OutH*g.phaseW+15)/16, 4)
	g.planesLen = max(planes, 16*g.vectors+g.maxTap())
	g.tableLen = smallTableRows + 2*p.Height + 3*g.vectors
	return g, true
}

// bufLen returns the floats of buf: two copies of the planes, one that a
// channel is computed from while the next channel fills the other.
func (g smallDepthwise) bufLen() int { return 2 * g.planesLen }

// tap returns the offset in floats of tap (i, j) from an output's flat
// index: its phase plane, then the rows and columns it lies below and
// right of output (0, 0)'s read in that plane.
func (g smallDepthwise) tap(i, j int) int {
	s := g.stride
	plane := (i%s)*s + j%s
	return plane*g.phaseH*g.phaseW + (i/s)*g.phaseW + j/s
}

// maxTap returns the largest tap offset: tap (1, 1)'s, in the last plane,
// for stride 2.
func (g smallDepthwise) maxTap() int {
	m := 0
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			m = max(m, g.tap(i, j))
		}
	}
	return m
}

// fillTable writes the table that the kernels read. It starts with the
// fill's masks, the bytes per input row, the bytes from one copy of the
// planes in buf to the other, the byte offset in the table of the
// vectors' entries and the taps' byte offsets. Two byte offsets per input
// row follow: where its even and its odd columns go (stride 1 uses the
// first). Each output vector then gets the mask of its lanes that are
// outputs, the mask of as many lanes from 0, and the bytes that they make.
func (g smallDepthwise) fillTable(table []int, p Conv2DParams) {
	s := g.stride
	lowBits := func(n int) int { return 1<<n - 1 }
	table[smallTableRowBytes] = 4 * p.Width
	table[smallTableHalfBytes] = 4 * g.planesLen
	table[smallTableVectors] = 8 * (smallTableRows + 2*p.Height)
	if s == 1 {
		table[smallTableLoadLo] = lowBits(p.Width)
		table[smallTableStoreLo] = lowBits(p.Width)
		table[smallTableLoadHi], table[smallTableStoreHi] = 0, 0
	} else {
		table[smallTableLoadLo] = lowBits(min(p.Width, 16))
		table[smallTableLoadHi] = lowBits(max(p.Width-16, 0))
		table[smallTableStoreLo] = lowBits((p.Width + 1) / 2)
		table[smallTableStoreHi] = lowBits(p.Width / 2)
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			table[smallTableTaps+3*i+j] = 4 * g.tap(i, j)
		}
	}

	// Padded position (r, c) lies in plane (r%s, c%s) at row r/s, column
	// c/s. Input column 0 is padded column PadLeft, column 1 PadLeft+1.
	rows := table[smallTableRows : smallTableRows+2*p.Height]
	for y := 0; y < p.Height; y++ {
		r := y + p.PadTop
		for part := 0; part < 2; part++ {
			c := p.PadLeft + part
			plane := (r%s)*s + c%s
			rows[2*y+part] = 4 * (plane*g.phaseH*g.phaseW + r/s*g.phaseW + c/s)
		}
	}

	vectors := table[smallTableRows+2*p.Height : g.tableLen]
	last := p.OutH * g.phaseW // flat indexes from here on are past the last row
	for v := 0; v < g.vectors; v++ {
		mask := 0
		for lane := 0; lane < 16; lane++ {
			if q := 16*v + lane; q < last && q%g.phaseW < p.OutW {
				mask |= 1 << lane
			}
		}
		n := bits.OnesCount(uint(mask))
		vectors[3*v], vectors[3*v+1], vectors[3*v+2] = mask, lowBits(n), 4*n
	}
}

// depthwise3x3SmallChannels convolves channels [c0, c1) with the
// small-plane kernel of impl, for the layout g of p.
func depthwise3x3SmallChannels(dst, src, weights, bias []float32, p Conv2DParams, act Activation, g smallDepthwise, c0, c1 int) {
	inPlane, outPlane := p.Height*p.Width, p.OutH*p.OutW
	buf := getScratch(g.bufLen())
	defer putScratch(buf)
	table := getIntScratch(g.tableLen)
	defer putIntScratch(table)

	// The channels write the image's positions only, so the rest of the
	// planes is padding that stays zero for all of them.
	clear(buf)
	g.fillTable(table, p)
	if bias != nil {
		bias = bias[c0:c1]
	}
	part := p
	part.Channels = c1 - c0
	impl.depthwise3x3Small(dst[c0*outPlane:c1*outPlane], src[c0*inPlane:c1*inPlane], weights[c0*9:c1*9], bias, buf, table, g, part, act)
}
