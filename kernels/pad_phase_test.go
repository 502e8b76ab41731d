package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSplitPhases2 checks the stride-2 phase split against the layout
// rule it implements: column lo+t goes to phase (lo+t)%2 at (lo+t)/2. It
// covers odd and even first columns and odd and even lengths, and checks
// that nothing outside those slots is written.
func TestSplitPhases2(t *testing.T) {
	const phaseW = 8
	for lo := 0; lo < 4; lo++ {
		for n := 0; lo+n <= 2*phaseW; n++ {
			in := make([]float32, n)
			for i := range in {
				in[i] = float32(i + 1)
			}
			row := make([]float32, 2*phaseW)
			splitPhases2(row[:phaseW], row[phaseW:], lo, in)

			want := make([]float32, 2*phaseW)
			for i, v := range in {
				col := lo + i
				want[(col%2)*phaseW+col/2] = v
			}
			for i := range row {
				if row[i] != want[i] {
					t.Errorf("lo %d, %d columns: row[%d] = %v, want %v", lo, n, i, row[i], want[i])
				}
			}
		}
	}
}

// naivePadded builds imageB's padded copy from its definition: column col
// of padded row r is src[r-PadTop][col-PadLeft] (zero outside), at
// (col%StrideW)*phaseW + col/StrideW of its row.
func naivePadded(src []float32, b imageB) []float32 {
	p := b.p
	out := make([]float32, p.Channels*b.plane)
	for c := 0; c < p.Channels; c++ {
		for r := 0; r < b.paddedH; r++ {
			for col := 0; col < b.paddedW; col++ {
				y, x := r-p.PadTop, col-p.PadLeft
				if y < 0 || y >= p.Height || x < 0 || x >= p.Width {
					continue
				}
				out[c*b.plane+r*b.rowLen+(col%p.StrideW)*b.phaseW+col/p.StrideW] = src[(c*p.Height+y)*p.Width+x]
			}
		}
	}
	return out
}

// stride2Geometries returns the stride-2 convolutions with outputs over
// heights 1 to 40 (step 3), widths 1 to 40 (step widthStep), top pads 0
// to 3, odd square kernels up to 7 and dilations 1 and 2. The channels
// (1 to 5) and the bottom and right pads come from rng.
func stride2Geometries(rng *rand.Rand, widthStep int) []convCase {
	var cases []convCase
	for h := 1; h <= 40; h += 3 {
		for w := 1; w <= 40; w += widthStep {
			for pad := 0; pad <= 3; pad++ {
				for k := 1; k <= 7; k += 2 {
					for dil := 1; dil <= 2; dil++ {
						tc := convCase{m: 1, c: 1 + rng.IntN(5), h: h, w: w, kh: k, kw: k, sh: 2, sw: 2, dh: dil, dw: dil,
							pt: pad, pl: (pad + w) % 4, pb: rng.IntN(4), pr: rng.IntN(4)}
						if p := tc.params(); p.OutH > 0 && p.OutW > 0 {
							cases = append(cases, tc)
						}
					}
				}
			}
		}
	}
	return cases
}

// TestImageBStride2Sweep compares newImageB's padded copy with the
// definition for stride-2 geometries, with every implementation and with
// 1 and 3 threads, bit for bit, and checks the slack stays zero.
func TestImageBStride2Sweep(t *testing.T) {
	defer SetThreads(0)
	rng := rand.New(rand.NewPCG(93, 94))
	widthStep := 1
	if testing.Short() {
		widthStep = 3
	}
	cases := stride2Geometries(rng, widthStep)
	t.Logf("%d geometries", len(cases))

	forEachImpl(t, func(t *testing.T) {
		for _, threads := range []int{1, 3} {
			SetThreads(threads)
			for _, tc := range cases {
				src := randomFloats(rng, tc.c*tc.h*tc.w, 3)
				b := newImageB(src, tc.params())
				want := naivePadded(src, b)
				got := b.padded[:len(want)]
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v threads=%d: padded[%d] = %v, want %v", tc, threads, i, got[i], want[i])
					}
				}
				for i, v := range b.padded[len(want):] {
					if v != 0 {
						t.Fatalf("%v: slack element %d = %v, want 0", tc, i, v)
					}
				}
				putScratch(b.padded)
			}
		}
	})
}
