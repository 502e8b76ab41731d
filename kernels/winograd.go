package kernels

import (
	"fmt"
	"os"
)

// Winograd F(4×4, 3×3) convolution (Lavin and Gray, 2016). Each 4×4 block
// of outputs, a tile, is computed from the 6×6 block of input under it:
//
//	Y = Aᵀ·[Σ over channels of U ⊙ V]·A, U = G·g·Gᵀ, V = Bᵀ·d·B
//
// The 36 elements of U ⊙ V, summed over the input channels, are 36
// independent GEMMs (filters × channels times channels × tiles), which
// take 36 multiply-adds per tile, filter and channel where direct
// convolution takes 144. The transforms of d and of the sums cost a few
// dozen additions per tile and channel, so the method pays when there are
// enough filters and channels to amortise them.
//
// Its rounding differs from direct convolution's: the transforms scale
// some terms by up to 8 (and 1/24 in G), so the error grows to about
// 1e-6 of the sum of |weight·input| over the taps instead of 1e-7. See
// the README's numeric contract.

// winogradEnv names the environment variable that turns Winograd
// convolution off ("off") for programs that need direct convolution's
// rounding.
const winogradEnv = "SIMDNN_WINOGRAD"

// winogradEnabled is false when SIMDNN_WINOGRAD=off. Tests of this package
// change it.
var winogradEnabled = os.Getenv(winogradEnv) != "off"

// Tile geometry: a tile is winogradOut×winogradOut outputs from
// winogradIn×winogradIn inputs; winogradPoints products per tile.
const (
	winogradOut    = 4
	winogradIn     = 6
	winogradPoints = winogradIn * winogradIn

	// winogradGroup is the number of tiles of one tile row that the
	// transform kernels process per iteration, one per vector lane.
	winogradGroup = 8
)

// winogradG is G, which maps a 3-tap filter to the 6 interpolation points.
var winogradG = [6][3]float64{
	{1.0 / 4, 0, 0},
	{-1.0 / 6, -1.0 / 6, -1.0 / 6},
	{-1.0 / 6, 1.0 / 6, -1.0 / 6},
	{1.0 / 24, 1.0 / 12, 1.0 / 6},
	{1.0 / 24, -1.0 / 12, 1.0 / 6},
	{0, 0, 1},
}

// WinogradWeights is the weights of a 3×3 convolution transformed for
// Winograd F(4×4, 3×3), or F(2×2, 3×3) for small images, and packed: one
// filters×channels matrix per point.
type WinogradWeights struct {
	m, channels int
	small       bool // F(2×2, 3×3)
	points      []*PackedWeights
}

// PackWinogradWeights transforms weights (m filters of p.Channels×3×3,
// row-major) for Conv2DWinograd with geometry p, which picks the tile
// size. It panics if weights is shorter than m*p.Channels*9.
func PackWinogradWeights(weights []float32, m int, p Conv2DParams) *WinogradWeights {
	channels := p.Channels
	if m < 0 || channels < 0 || len(weights) < m*channels*9 {
		panic(fmt.Sprintf("kernels: PackWinogradWeights with m=%d, channels=%d and %d weights", m, channels, len(weights)))
	}
	ww := &WinogradWeights{m: m, channels: channels, small: winogradSmall(p)}
	g := winogradG[:]
	if ww.small {
		g = winogradSmallG[:]
	}
	in := len(g)

	// u[q][o*channels+c] is point q of filter o, channel c: U = G·g·Gᵀ,
	// computed in float64 and rounded once.
	u := make([][]float32, in*in)
	for q := range u {
		u[q] = make([]float32, m*channels)
	}
	for f := 0; f < m*channels; f++ {
		filter := weights[9*f : 9*f+9]
		var gg [winogradIn][3]float64 // G·g
		for r := 0; r < in; r++ {
			for j := 0; j < 3; j++ {
				for i := 0; i < 3; i++ {
					gg[r][j] += g[r][i] * float64(filter[3*i+j])
				}
			}
		}
		for r := 0; r < in; r++ {
			for c := 0; c < in; c++ {
				var sum float64
				for j := 0; j < 3; j++ {
					sum += gg[r][j] * g[c][j]
				}
				u[in*r+c][f] = float32(sum)
			}
		}
	}
	for q := range u {
		ww.points = append(ww.points, PackWeights(u[q], m, channels))
	}
	return ww
}

// WinogradSuitable reports whether Conv2DWinograd computes p with m
// filters and is expected to be faster than Conv2D. That takes a 3×3
// kernel with stride and dilation 1, transform kernels of this CPU's own,
// and enough filters, channels and outputs to amortise the transforms. It
// is false when the environment variable SIMDNN_WINOGRAD is "off".
func WinogradSuitable(p Conv2DParams, m int) bool {
	if !winogradEnabled || impl.winogradBorrowed || p.check() != nil {
		return false
	}
	if p.KernelH != 3 || p.KernelW != 3 || p.StrideH != 1 || p.StrideW != 1 || p.DilationH != 1 || p.DilationW != 1 {
		return false
	}
	if m < 16 || p.Channels < 16 || p.OutH < 4 || p.OutW < 4 {
		return false
	}
	// Multiply-adds per filter and channel: 9 per output for direct
	// convolution, 36 per 4×4 tile (16 per 2×2 tile) for Winograd, whose
	// tiles overhang the output's bottom and right edges. Require half the
	// direct count with 4×4 tiles and two thirds with 2×2 tiles, whose
	// GEMMs have few columns and whose transforms are plain Go.
	out, points, ratio := winogradOut, winogradPoints, 4.5
	if winogradSmall(p) {
		// With AVX-512 the direct GEMM runs at twice the rate of these
		// Go transforms' share: ResNet-18's 7×7 layers take 1.8 ms direct
		// and 4 ms with F(2×2, 3×3) on an Intel Xeon (simdnn bench -layers).
		if impl.wideGEMM {
			return false
		}
		out, points, ratio = 2, 16, 6
	}
	tilesH := (p.OutH + out - 1) / out
	tilesW := (p.OutW + out - 1) / out
	return float64(tilesH*tilesW)*float64(points) <= ratio*float64(p.OutH)*float64(p.OutW)
}

// Conv2DWinograd is Conv2D for a 3×3 kernel with stride and dilation 1,
// computed with Winograd's method from weights transformed by
// PackWinogradWeights(weights, m, p). Its results differ from Conv2D's by
// rounding only, by at most about 2e-5 of the largest sum of
// |weight·input| in an output's tile. It panics if p is not such a
// convolution or a slice is too short.
func Conv2DWinograd(dst, src []float32, weights *WinogradWeights, bias []float32, p Conv2DParams, act Activation) {
	if err := p.check(); err != nil {
		panic("kernels: Conv2DWinograd: " + err.Error())
	}
	if p.KernelH != 3 || p.KernelW != 3 || p.StrideH != 1 || p.StrideW != 1 || p.DilationH != 1 || p.DilationW != 1 {
		panic(fmt.Sprintf("kernels: Conv2DWinograd needs a 3x3 kernel with stride and dilation 1, got %+v", p))
	}
	if weights == nil || weights.channels != p.Channels || len(weights.points) == 0 {
		panic("kernels: Conv2DWinograd weights transformed for another channel count")
	}
	m, n := weights.m, p.OutH*p.OutW
	if len(src) < p.Channels*p.Height*p.Width || len(dst) < m*n {
		panic(fmt.Sprintf("kernels: Conv2DWinograd src or dst too short: %d and %d elements, want %d and %d", len(src), len(dst), p.Channels*p.Height*p.Width, m*n))
	}
	if bias != nil && len(bias) < m {
		panic(fmt.Sprintf("kernels: Conv2DWinograd bias has %d elements, want %d", len(bias), m))
	}
	if m == 0 || n == 0 {
		return
	}
	if p.Channels == 0 {
		clear(dst[:m*n])
		epilogue{bias: bias, act: act}.apply(dst, n, 0, m, n)
		return
	}

	// An estimate of the GEMMs' multiply-adds: 36 per 16 outputs with 4×4
	// tiles. With 2×2 tiles (16 per 4 outputs) it is an underestimate.
	work := float64(m) * float64(p.Channels) * float64(n) * winogradPoints / 16
	parts := max(1, min(Threads(), int(work/minParallelWork)))
	run := newWinogradRun(dst, src, weights, bias, p, act, parts)
	switch {
	case parts == 1:
		run.rowRange(0, run.tilesH)
	case run.blocks() >= parts:
		run.split(parts)
	default:
		run.shared(parts)
	}
}

// winogradTileStride returns the row length of the V and M matrices of a
// block of tiles. The transform kernels write up to 7 tiles past the last
// (the group of the last tile row), and the GEMM micro-kernels read and
// write 16 columns from any multiple of 16 below tiles, or 32 from one
// that is at least 16 below tiles. A stride that is
// a multiple of 1024 floats would map every row to the same L1 cache set,
// so it is moved off such multiples.
func winogradTileStride(tiles int) int {
	stride := roundUp(tiles, gemmNR) + gemmNR
	if stride%256 == 0 {
		stride += gemmNR
	}
	return stride
}
