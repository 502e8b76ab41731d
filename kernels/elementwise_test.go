package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// vectorLengths covers every tail from 0 to three AVX2 vectors plus one,
// the unrolled blocks, and a length that is no multiple of anything.
func vectorLengths() []int {
	var ns []int
	for n := 0; n <= 3*8+1; n++ {
		ns = append(ns, n)
	}
	return append(ns, 31, 32, 33, 63, 64, 65, 1000, 4099)
}

// withSentinel returns a slice of n elements followed in its backing array
// by guard elements holding a sentinel value, and a function that reports
// whether the guard is intact.
func withSentinel(n int) ([]float32, func() bool) {
	const guard = 16
	const sentinel = float32(-12345.5)
	buf := make([]float32, n+guard)
	for i := n; i < len(buf); i++ {
		buf[i] = sentinel
	}
	intact := func() bool {
		for _, v := range buf[n:] {
			if v != sentinel {
				return false
			}
		}
		return true
	}
	return buf[:n], intact
}

func TestReLUMatchesPyTorch(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, n := range vectorLengths() {
			for _, special := range []int{0, 3, 1} {
				src := randomFloats(rng, n, special)
				dst, intact := withSentinel(n)
				ReLU(dst, src)
				for i, v := range src {
					if want := reluValue(v); !sameFloat(dst[i], want) {
						t.Fatalf("n=%d: ReLU(%v) at index %d = %v, want %v", n, v, i, dst[i], want)
					}
				}
				if !intact() {
					t.Fatalf("n=%d: ReLU wrote past the end of dst", n)
				}

				inPlace := append([]float32(nil), src...)
				ReLU(inPlace, inPlace)
				for i := range inPlace {
					if !sameFloat(inPlace[i], dst[i]) {
						t.Fatalf("n=%d: in-place ReLU at index %d = %v, out-of-place %v", n, i, inPlace[i], dst[i])
					}
				}
			}
		}
	})
}

// TestReLUSignedZeroAndNaN pins the contract that PyTorch's ReLU sets:
// -0 stays -0 and NaN stays NaN.
func TestReLUSignedZeroAndNaN(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		negZero := float32(math.Copysign(0, -1))
		src := []float32{negZero, float32(math.NaN()), -1, 2}
		for n := 1; n <= 3*8+1; n += 8 {
			x := make([]float32, 0, n+len(src))
			for len(x) < n {
				x = append(x, 1)
			}
			x = append(x, src...) // in the vector body for some n, the tail for others
			dst := make([]float32, len(x))
			ReLU(dst, x)
			got := dst[n:]
			if math.Float32bits(got[0]) != math.Float32bits(negZero) {
				t.Errorf("n=%d: ReLU(-0) = %v (bits %#x), want -0", n, got[0], math.Float32bits(got[0]))
			}
			if got[1] == got[1] {
				t.Errorf("n=%d: ReLU(NaN) = %v, want NaN", n, got[1])
			}
			if got[2] != 0 || got[3] != 2 {
				t.Errorf("n=%d: ReLU(-1), ReLU(2) = %v, %v; want 0, 2", n, got[2], got[3])
			}
		}
	})
}

// TestMaxSpecialValuesEveryPosition puts every pair of special values at
// every position of a row, so that both the vector body and the scalar
// tail see each pair.
func TestMaxSpecialValuesEveryPosition(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		const n = 2*8 + 8 + 7
		for _, x := range specialValues {
			for _, y := range specialValues {
				for pos := 0; pos < n; pos++ {
					a := make([]float32, n)
					b := make([]float32, n)
					a[pos], b[pos] = x, y
					dst := make([]float32, n)
					MaxRows(dst, a, b)
					if want := max(x, y); !sameFloat(dst[pos], want) {
						t.Fatalf("MaxRows: max(%v, %v) at index %d = %v, want %v", x, y, pos, dst[pos], want)
					}

					pairs := make([]float32, 2*n)
					pairs[2*pos], pairs[2*pos+1] = x, y
					MaxPairs(dst, pairs)
					if want := max(x, y); !sameFloat(dst[pos], want) {
						t.Fatalf("MaxPairs: max(%v, %v) at output %d = %v, want %v", x, y, pos, dst[pos], want)
					}

					ReLU(dst, a)
					if want := reluValue(x); !sameFloat(dst[pos], want) {
						t.Fatalf("ReLU(%v) at index %d = %v, want %v", x, pos, dst[pos], want)
					}
				}
			}
		}
	})
}

func TestMaxRowsMatchesGoMax(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		for _, n := range vectorLengths() {
			x := randomFloats(rng, n, 4)
			y := randomFloats(rng, n, 4)
			dst, intact := withSentinel(n)
			MaxRows(dst, x, y)
			for i := range dst {
				if want := max(x[i], y[i]); !sameFloat(dst[i], want) {
					t.Fatalf("n=%d: max(%v, %v) at index %d = %v, want %v", n, x[i], y[i], i, dst[i], want)
				}
			}
			if !intact() {
				t.Fatalf("n=%d: MaxRows wrote past the end of dst", n)
			}

			// dst may alias either input.
			aliased := append([]float32(nil), x...)
			MaxRows(aliased, aliased, y)
			for i := range aliased {
				if !sameFloat(aliased[i], dst[i]) {
					t.Fatalf("n=%d: MaxRows with dst = x differs at index %d", n, i)
				}
			}
		}
	})
}

// TestAddMatchesGoLoop checks Add bit for bit against Go's x[i] + y[i]
// followed by ReLU, NaN payloads included: where both operands are NaN,
// the sum is x's NaN, as in Go's scalar code.
func TestAddMatchesGoLoop(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(19, 20))
		for _, n := range vectorLengths() {
			x := randomFloats(rng, n, 4)
			y := randomFloats(rng, n, 4)
			for i := range x {
				if rng.IntN(8) == 0 {
					x[i] = math.Float32frombits(0x7fc00000 | uint32(rng.IntN(1<<22)))
				}
				if rng.IntN(8) == 0 {
					y[i] = math.Float32frombits(0xffc00000 | uint32(rng.IntN(1<<22)))
				}
			}
			for _, relu := range []bool{false, true} {
				dst, intact := withSentinel(n)
				Add(dst, x, y, relu)
				for i := range dst {
					want := x[i] + y[i]
					if relu && want < 0 {
						want = 0
					}
					if math.Float32bits(dst[i]) != math.Float32bits(want) {
						t.Fatalf("n=%d relu=%v: %v + %v at index %d = %#x, want %#x", n, relu, x[i], y[i], i, math.Float32bits(dst[i]), math.Float32bits(want))
					}
				}
				if !intact() {
					t.Fatalf("n=%d: Add wrote past the end of dst", n)
				}

				// dst may alias either input.
				for _, side := range []string{"x", "y"} {
					aliased := append([]float32(nil), x...)
					a, b := aliased, y
					if side == "y" {
						aliased = append([]float32(nil), y...)
						a, b = x, aliased
					}
					Add(aliased, a, b, relu)
					for i := range aliased {
						if math.Float32bits(aliased[i]) != math.Float32bits(dst[i]) {
							t.Fatalf("n=%d: Add with dst = %s differs at index %d", n, side, i)
						}
					}
				}
			}
		}
	})
}

// TestDeinterleaveCopiesBits checks that the kernel that splits a row
// into its even and odd elements moves every bit, NaN payloads included,
// and writes nothing past len(even) in either output.
func TestDeinterleaveCopiesBits(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, n := range vectorLengths() {
			src := make([]float32, 2*n+1)
			for i := range src {
				src[i] = math.Float32frombits(rng.Uint32())
			}
			even, evenIntact := withSentinel(n)
			odd, oddIntact := withSentinel(n)
			impl.deinterleave(even, odd, src[:2*n])
			checkDeinterleaved(t, fmt.Sprintf("n=%d", n), even, odd, src)
			if !evenIntact() || !oddIntact() {
				t.Fatalf("n=%d: deinterleave wrote past the end of an output", n)
			}
		}
	})
}

// checkDeinterleaved fails t unless even[i] and odd[i] have the bits of
// src[2*i] and src[2*i+1] for every i < len(even).
func checkDeinterleaved(t *testing.T, label string, even, odd, src []float32) {
	t.Helper()
	for i := range even {
		if math.Float32bits(even[i]) != math.Float32bits(src[2*i]) || math.Float32bits(odd[i]) != math.Float32bits(src[2*i+1]) {
			t.Fatalf("%s: pair %d is %#x %#x, want %#x %#x", label, i,
				math.Float32bits(even[i]), math.Float32bits(odd[i]), math.Float32bits(src[2*i]), math.Float32bits(src[2*i+1]))
		}
	}
}

func TestMaxPairsMatchesGoMax(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		for _, n := range vectorLengths() {
			// An odd source length: the last element has no partner and
			// must not be read into any output.
			src := randomFloats(rng, 2*n+1, 4)
			dst, intact := withSentinel(n)
			MaxPairs(dst, src)
			for i := range dst {
				if want := max(src[2*i], src[2*i+1]); !sameFloat(dst[i], want) {
					t.Fatalf("n=%d: max(%v, %v) at output %d = %v, want %v", n, src[2*i], src[2*i+1], i, dst[i], want)
				}
			}
			if !intact() {
				t.Fatalf("n=%d: MaxPairs wrote past the end of dst", n)
			}
		}
	})
}

func TestElementwisePanicsOnShortSlices(t *testing.T) {
	expectPanics(t, []panicCase{
		{"ReLU", func() { ReLU(make([]float32, 3), make([]float32, 4)) }},
		{"MaxRows", func() { MaxRows(make([]float32, 4), make([]float32, 4), make([]float32, 3)) }},
		{"Add", func() { Add(make([]float32, 4), make([]float32, 3), make([]float32, 4), true) }},
		{"MaxPairs", func() { MaxPairs(make([]float32, 4), make([]float32, 7)) }},
	})
}

func TestClampMatchesGoMinMax(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(61, 62))
		bounds := [][2]float32{{0, 6}, {-1, 1}, {0, float32(math.Inf(1))}, {float32(math.Copysign(0, -1)), 0}, {2, 2}}
		for _, n := range vectorLengths() {
			for _, b := range bounds {
				src := randomFloats(rng, n, 2)
				dst, intact := withSentinel(n)
				Clamp(dst, src, b[0], b[1])
				for i, v := range src {
					if want := min(max(v, b[0]), b[1]); !sameFloat(dst[i], want) {
						t.Fatalf("n=%d: Clamp(%v, %v, %v) at index %d = %v, want %v", n, v, b[0], b[1], i, dst[i], want)
					}
				}
				if !intact() {
					t.Fatalf("n=%d: Clamp wrote past the end of dst", n)
				}
			}
		}
		// Every special value at every position of the body and the tail.
		for _, v := range specialValues {
			for pos := 0; pos < 2*8+7; pos++ {
				src := make([]float32, 2*8+7)
				src[pos] = v
				dst := make([]float32, len(src))
				Clamp(dst, src, float32(math.Copysign(0, -1)), 6)
				if want := min(max(v, float32(math.Copysign(0, -1))), 6); !sameFloat(dst[pos], want) {
					t.Fatalf("Clamp(%v, -0, 6) at index %d = %v, want %v", v, pos, dst[pos], want)
				}
			}
		}
	})
}
