package kernels

import (
	"encoding/binary"
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
