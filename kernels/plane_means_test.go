package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestPlaneMeansOrder checks every kernel set bit for bit against the
// documented order: element i added to partial sum i%8 in turn, then the
// fixed tree, then one division. Magnitudes from 2^-20 to 2^20 make any
// other order round differently. Sizes up to 40 cover planes shorter than
// a group of 8, every tail length and several groups.
func TestPlaneMeansOrder(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(89, 90))
		for size := 1; size <= 40; size++ {
			const planes = 3
			src := make([]float32, planes*size)
			for i := range src {
				src[i] = float32(math.Ldexp(2*rng.Float64()-1, rng.IntN(41)-20))
			}
			got := make([]float32, planes)
			PlaneMeans(got, src, size)
			for plane, v := range got {
				var s [8]float64
				for i, x := range src[plane*size : (plane+1)*size] {
					s[i%8] += float64(x)
				}
				sum := ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
				if want := float32(sum / float64(size)); math.Float32bits(v) != math.Float32bits(want) {
					t.Fatalf("size %d, plane %d: mean %v, want %v", size, plane, v, want)
				}
			}
		}
	})
}

// TestPlaneMeansSpecialValues checks planes of NaN, infinities, signed
// zeros and subnormals against the portable kernel: a plane of -0 must
// keep its sign whatever its tail length.
func TestPlaneMeansSpecialValues(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		for size := 1; size <= 19; size++ {
			for _, v := range specialValues {
				src := make([]float32, 2*size)
				for i := range src {
					src[i] = v
				}
				src[size] = 1 // the second plane mixes v with a finite value
				got, want := make([]float32, 2), make([]float32, 2)
				PlaneMeans(got, src, size)
				planeMeansGeneric(want, src, size)
				for i := range got {
					if !sameFloat(got[i], want[i]) {
						t.Fatalf("size %d, value %v, plane %d: mean %v, portable kernel %v", size, v, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestPlaneMeansEdges checks no planes, planes of size 0 (NaN, as 0/0),
// a source longer than needed, and the panics of bad arguments.
func TestPlaneMeansEdges(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		PlaneMeans(nil, nil, 5)

		empty := []float32{7, 7}
		PlaneMeans(empty, nil, 0)
		for i, v := range empty {
			if !math.IsNaN(float64(v)) {
				t.Fatalf("plane %d of size 0: mean %v, want NaN", i, v)
			}
		}

		got := []float32{0}
		PlaneMeans(got, []float32{1, 2, 3, 100}, 3)
		if got[0] != 2 {
			t.Fatalf("mean of 1, 2, 3 with a float past the plane: %v, want 2", got[0])
		}
	})
	expectPanics(t, []panicCase{
		{"negative size", func() { PlaneMeans(make([]float32, 1), make([]float32, 4), -1) }},
		{"short source", func() { PlaneMeans(make([]float32, 2), make([]float32, 7), 4) }},
	})
}

// BenchmarkPlaneMeans times the last pooling layers of SqueezeNet 1.1
// (1000 planes of 13×13) and MobileNetV2 (1280 of 7×7) with each kernel
// set, one thread.
func BenchmarkPlaneMeans(b *testing.B) {
	rng := rand.New(rand.NewPCG(91, 92))
	for _, s := range []struct{ planes, size int }{{1000, 13 * 13}, {1280, 7 * 7}} {
		src := randomFloats(rng, s.planes*s.size, 0)
		dst := make([]float32, s.planes)
		benchEachImpl(b, fmt.Sprintf("%dx%d", s.planes, s.size), func(b *testing.B) {
			b.SetBytes(int64(4 * len(src)))
			for b.Loop() {
				PlaneMeans(dst, src, s.size)
			}
		})
	}
}
