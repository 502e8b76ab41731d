package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Fuzz targets compare every assembly implementation that the CPU
// supports against the portable one. With only the portable one (purego
// builds, other CPUs) they still run the seeds, against Go's max.

// floatsFromBytes reads data as little-endian float32s, dropping a partial
// last value, so that the fuzzer can reach every bit pattern, NaN payloads
// and subnormals included.
func floatsFromBytes(data []byte) []float32 {
	x := make([]float32, len(data)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return x
}

func bytesFromFloats(x ...float32) []byte {
	data := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return data
}

// assemblyKernels returns every supported implementation except the
// portable one.
func assemblyKernels() []kernelSet {
	sets := availableKernels()
	return sets[:len(sets)-1]
}

func addFloatSeeds(f *testing.F) {
	f.Add(bytesFromFloats())
	f.Add(bytesFromFloats(specialValues...))
	f.Add(bytesFromFloats(append(append([]float32(nil), specialValues...), specialValues...)...))
	f.Add(bytesFromFloats(-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 12, -13, 14, -15, 16, -17))
}

func FuzzReLU(f *testing.F) {
	addFloatSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		src := floatsFromBytes(data)
		want := make([]float32, len(src))
		reluGeneric(want, src)
		for _, ks := range assemblyKernels() {
			got := make([]float32, len(src))
			ks.relu(got, src)
			for i := range got {
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("%s: ReLU(%v) at index %d of %d = %v, generic %v", ks.name, src[i], i, len(src), got[i], want[i])
				}
			}
		}
	})
}

func FuzzMaxRows(f *testing.F) {
	addFloatSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		all := floatsFromBytes(data)
		n := len(all) / 2
		x, y := all[:n], all[n:2*n]
		want := make([]float32, n)
		maxRowsGeneric(want, x, y)
		for _, ks := range assemblyKernels() {
			got := make([]float32, n)
			ks.maxRows(got, x, y)
			for i := range got {
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("%s: max(%v, %v) at index %d of %d = %v, generic %v", ks.name, x[i], y[i], i, n, got[i], want[i])
				}
			}
		}
	})
}

func FuzzMaxPairs(f *testing.F) {
	addFloatSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		src := floatsFromBytes(data)
		n := len(src) / 2
		want := make([]float32, n)
		maxPairsGeneric(want, src[:2*n])
		for _, ks := range assemblyKernels() {
			got := make([]float32, n)
			ks.maxPairs(got, src[:2*n])
			for i := range got {
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("%s: max(%v, %v) at output %d of %d = %v, generic %v", ks.name, src[2*i], src[2*i+1], i, n, got[i], want[i])
				}
			}
		}
	})
}

// FuzzSgemm draws the shape, flags and scalars from the fuzzer and the
// matrices from a seeded generator. The implementations differ by
// rounding (fused multiply-add or not), so results must agree within a
// tolerance proportional to k and to the magnitude of the products.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint16(1), false, false, float32(1), float32(0), uint64(1), uint8(0))
	f.Add(uint8(7), uint8(17), uint16(300), true, false, float32(-2), float32(1), uint64(2), uint8(3))
	f.Add(uint8(13), uint8(33), uint16(5), false, true, float32(0.5), float32(0.25), uint64(3), uint8(7))
	f.Add(uint8(6), uint8(16), uint16(257), true, true, float32(1), float32(-1), uint64(4), uint8(1))
	f.Add(uint8(0), uint8(5), uint16(0), false, false, float32(1), float32(2), uint64(5), uint8(0))
	f.Add(uint8(12), uint8(64), uint16(9), false, false, float32(1), float32(1), uint64(6), uint8(2))   // two B panels side by side
	f.Add(uint8(31), uint8(49), uint16(600), false, false, float32(1), float32(1), uint64(7), uint8(4)) // one column after three panels
	f.Fuzz(func(t *testing.T, m, n uint8, k uint16, transA, transB bool, alpha, beta float32, seed uint64, pad uint8) {
		g := gemmCase{transA: transA, transB: transB, m: int(m % 50), n: int(n % 70), k: int(k % 700),
			alpha: alpha, beta: beta, padA: int(pad % 5), padB: int(pad % 7), padC: int(pad % 3)}
		if !isFinite(alpha) || !isFinite(beta) || math.Abs(float64(alpha)) > 1e6 || math.Abs(float64(beta)) > 1e6 {
			t.Skip("scalars outside the range where a tolerance is meaningful")
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		a, lda, b, ldb, c, ldc := g.operands(rng)

		saved := impl
		defer func() { impl = saved }()
		impl = genericKernels
		want := append([]float32(nil), c...)
		Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, want, ldc)
		checkGemm(t, g, a, lda, b, ldb, c, want, ldc)

		for _, ks := range assemblyKernels() {
			impl = ks
			got := append([]float32(nil), c...)
			Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, got, ldc)
			checkGemm(t, g, a, lda, b, ldb, c, got, ldc)
		}
	})
}

func isFinite(x float32) bool { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }

func FuzzClamp(f *testing.F) {
	addFloatSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		all := floatsFromBytes(data)
		if len(all) < 2 {
			return
		}
		lo, hi, src := all[0], all[1], all[2:]
		want := make([]float32, len(src))
		clampGeneric(want, src, lo, hi)
		for _, ks := range assemblyKernels() {
			got := make([]float32, len(src))
			ks.clamp(got, src, lo, hi)
			for i := range got {
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("%s: clamp(%v, %v, %v) at index %d of %d = %v, generic %v", ks.name, src[i], lo, hi, i, len(src), got[i], want[i])
				}
			}
		}
	})
}

// FuzzPlaneMeans reads planes of 1 + sizeSeed%40 floats from data, as
// many whole planes as it holds, and compares every assembly kernel with
// the portable one.
func FuzzPlaneMeans(f *testing.F) {
	f.Add(uint8(0), bytesFromFloats(specialValues...))
	f.Add(uint8(6), bytesFromFloats(append(append([]float32(nil), specialValues...), specialValues...)...))
	f.Add(uint8(12), bytesFromFloats(-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 12, -13, 14, -15, 16, -17, 18, -19, 20, -21, 22, -23, 24, -25, 26))
	f.Fuzz(func(t *testing.T, sizeSeed uint8, data []byte) {
		src := floatsFromBytes(data)
		size := 1 + int(sizeSeed%40)
		planes := len(src) / size
		want := make([]float32, planes)
		planeMeansGeneric(want, src, size)
		for _, ks := range assemblyKernels() {
			got := make([]float32, planes)
			ks.planeMeans(got, src[:planes*size], size)
			for i := range got {
				if !sameFloat(got[i], want[i]) {
					t.Fatalf("%s: size %d, plane %d of %d: mean %v, generic %v", ks.name, size, i, planes, got[i], want[i])
				}
			}
		}
	})
}

// FuzzMaxPool3x3Stride2 reads a plane of width 1 + widthSeed%72 from data,
// as many whole rows as it holds. It pools the plane with a left padding
// of 1 if padded and 0 otherwise, and with both top paddings, to an output
// size chosen by outHSeed and outWSeed among those the kernel accepts.
func FuzzMaxPool3x3Stride2(f *testing.F) {
	specials := bytesFromFloats(append(append(append([]float32(nil), specialValues...), specialValues...), specialValues...)...)
	ramp := bytesFromFloats(-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 12, -13, 14, -15, 16, -17, 18, -19, 20)
	for _, padded := range []bool{true, false} {
		f.Add(specials, uint8(10), uint8(0), uint8(5), padded)
		f.Add(specials, uint8(19), uint8(1), uint8(9), padded)
		f.Add(ramp, uint8(19), uint8(0), uint8(10), padded)
	}
	f.Fuzz(func(t *testing.T, data []byte, widthSeed, outHSeed, outWSeed uint8, padded bool) {
		all := floatsFromBytes(data)
		w := 1 + int(widthSeed)%72
		h := len(all) / w
		if h == 0 {
			return
		}
		src := all[:h*w]
		left := 0
		if padded {
			left = 1
		}
		for top := range 2 {
			outH := 1 + int(outHSeed)%((h-1+top)/2+1)
			outW := 1 + int(outWSeed)%((w-1+left)/2+1)
			want := make([]float32, outH*outW)
			maxPool3x3Stride2Generic(want, src, h, w, outH, outW, top, left)
			for _, ks := range assemblyKernels() {
				got := make([]float32, outH*outW)
				ks.maxPool3x3Stride2(got, src, h, w, outH, outW, top, left)
				for k := range got {
					if !sameFloat(got[k], want[k]) {
						t.Fatalf("%s: %dx%d to %dx%d, padding %d top and %d left: output (%d, %d) = %v, generic %v",
							ks.name, h, w, outH, outW, top, left, k/outW, k%outW, got[k], want[k])
					}
				}
			}
		}
	})
}

// FuzzDepthwise3x3 draws the geometry of one channel from the fuzzer and
// the values from a seeded generator: floats in [-1, 1] mixed with NaN,
// infinities and signed zeros. Products and sums of those give the same
// special values whether fused or not, so special results must match
// exactly and finite ones within depthwise3x3Tolerance. The small-plane
// kernels must match their set's row kernel bit for bit.
func FuzzDepthwise3x3(f *testing.F) {
	f.Add(uint8(112), uint8(112), false, uint8(40), true, uint64(1))
	f.Add(uint8(56), uint8(56), true, uint8(40), false, uint64(2))
	f.Add(uint8(7), uint8(7), false, uint8(40), true, uint64(3))
	f.Add(uint8(14), uint8(13), true, uint8(0), true, uint64(4))
	f.Add(uint8(1), uint8(1), false, uint8(80), false, uint64(5))
	f.Add(uint8(9), uint8(17), true, uint8(61), true, uint64(6))
	f.Fuzz(func(t *testing.T, h, w uint8, stride2 bool, pads uint8, relu bool, seed uint64) {
		// pads holds the four pads as base-3 digits.
		tc := depthwise3x3Case{h: 1 + int(h%128), w: 1 + int(w%128), stride: 1,
			pt: int(pads % 3), pl: int(pads / 3 % 3), pb: int(pads / 9 % 3), pr: int(pads / 27 % 3), relu: relu}
		if stride2 {
			tc.stride = 2
		}
		if seed%2 == 1 {
			// A cap inside the outputs' range, which are below 3 in size.
			tc.cap = 0.5
		}
		p := tc.params()
		if p.OutH < 1 || p.OutW < 1 {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))}
		draw := func(n int) []float32 {
			x := make([]float32, n)
			for i := range x {
				if rng.IntN(32) == 0 {
					x[i] = special[rng.IntN(len(special))]
				} else {
					x[i] = rng.Float32()*2 - 1
				}
			}
			return x
		}
		src, weights, bias := draw(p.Height*p.Width), draw(9), draw(1)

		want := make([]float32, p.OutH*p.OutW)
		depthwise3x3Generic(want, src, weights, bias, make([]float32, depthwise3x3BufferLen(p)), p, tc.activation())
		for _, ks := range assemblyKernels() {
			if ks.depthwise3x3Borrowed {
				continue
			}
			got := make([]float32, len(want))
			ks.depthwise3x3(got, src, weights, bias, make([]float32, depthwise3x3BufferLen(p)), p, tc.activation())
			checkDepthwise3x3Against(t, fmt.Sprintf("%s %v", ks.name, tc), got, want, src, weights, bias, p)

			// The small-plane kernel, where it applies, must give the row
			// kernel's bits.
			g, ok := newSmallDepthwise(p)
			if ks.depthwise3x3Small == nil || !ok {
				continue
			}
			small := make([]float32, len(want))
			table := make([]int, g.tableLen)
			g.fillTable(table, p)
			ks.depthwise3x3Small(small, src, weights, bias, make([]float32, g.bufLen()), table, g, p, tc.activation())
			for i := range got {
				if math.Float32bits(small[i]) != math.Float32bits(got[i]) {
					t.Fatalf("%s %v: small-plane output %d = %#x, row kernel %#x", ks.name, tc, i, math.Float32bits(small[i]), math.Float32bits(got[i]))
				}
			}
		}
	})
}
