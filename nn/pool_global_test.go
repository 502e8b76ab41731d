package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// refGlobalPool returns the float64 mean and Go-max of each plane of x
// [N, C, spatial...]: a scalar loop over the plane. An empty plane gives
// NaN and -Inf.
func refGlobalPool(x *Tensor) (mean, maximum []float64) {
	planeSize := elementCount(x.Shape[2:])
	for plane := 0; plane < x.Shape[0]*x.Shape[1]; plane++ {
		sum, m := 0.0, math.Inf(-1)
		for _, v := range x.Data[plane*planeSize : (plane+1)*planeSize] {
			sum += float64(v)
			m = max(m, float64(v))
		}
		mean = append(mean, sum/float64(planeSize))
		maximum = append(maximum, m)
	}
	return mean, maximum
}

// globalShape returns [N, C, 1, ..., 1] for an input shape.
func globalShape(shape []int) []int {
	out := []int{shape[0], shape[1]}
	for range shape[2:] {
		out = append(out, 1)
	}
	return out
}

func TestGlobalPoolsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Plane sizes around multiples of the MaxRows chunk of 64 elements
	// check the vector body and the scalar tail of GlobalMaxPool.
	shapes := [][]int{
		{2, 3, 7}, {1, 2, 64}, {1, 2, 127}, {1, 2, 128}, {1, 1, 129}, {2, 2, 8, 25},
		{1, 3, 5, 5}, {2, 2, 3, 4, 5}, {1, 1, 2, 2, 2, 2}, {0, 3, 4, 4}, {2, 0, 3}, {1, 2, 0, 3},
	}
	for _, shape := range shapes {
		for _, withSpecial := range []bool{false, true} {
			x := randomTensor(t, rng, shape...)
			if withSpecial {
				specialValues(rng, x)
			}
			label := fmt.Sprintf("x %v, special values %v", shape, withSpecial)
			wantMean, wantMax := refGlobalPool(x)

			avg := forwardOne(t, GlobalAveragePool{NodeName: "gap1"}, x)
			if !sameShape(avg.Shape, globalShape(shape)) {
				t.Errorf("%s: GlobalAveragePool shape %v, want %v", label, avg.Shape, globalShape(shape))
			} else {
				checkClose(t, label+" GlobalAveragePool", avg.Data, wantMean, averageTolerance(wantMean))
			}

			maxOut := forwardOne(t, GlobalMaxPool{NodeName: "gmp1"}, x)
			if !sameShape(maxOut.Shape, globalShape(shape)) {
				t.Errorf("%s: GlobalMaxPool shape %v, want %v", label, maxOut.Shape, globalShape(shape))
			} else {
				checkExact(t, label+" GlobalMaxPool", maxOut.Data, wantMax)
			}
		}
	}
}

func TestGlobalAveragePoolMillionOnes(t *testing.T) {
	// A float32 running sum stops at 2^24 = 16777216 and drifts long before
	// that for non-integers; the float64 sum makes both means exact.
	x, _ := New(1, 2, 1000, 1000)
	for i := range x.Data {
		x.Data[i] = 1
		if i >= 1000*1000 {
			x.Data[i] = 0.1
		}
	}
	got := forwardOne(t, GlobalAveragePool{NodeName: "gap1"}, x)
	if got.Data[0] != 1 {
		t.Errorf("mean of 10^6 ones = %v, want exactly 1", got.Data[0])
	}
	if got.Data[1] != float32(0.1) {
		t.Errorf("mean of 10^6 values 0.1 = %v, want float32(0.1)", got.Data[1])
	}
}

func TestGlobalMaxPoolSpecialValuesEverywhere(t *testing.T) {
	// NaN, +Inf and +0 at every position of a 200-element plane, which
	// covers the chunk fold and the tail, must win under Go's max.
	const size = 200
	negZero := float32(math.Copysign(0, -1))
	cases := []struct {
		name    string
		fill    float32
		special float32
		want    float64
	}{
		{"NaN", -1, float32(math.NaN()), math.NaN()},
		{"+Inf", 5, float32(math.Inf(1)), math.Inf(1)},
		{"+0 over -0", negZero, 0, 0},
	}
	for _, tc := range cases {
		for pos := 0; pos < size; pos++ {
			data := make([]float32, size)
			for i := range data {
				data[i] = tc.fill
			}
			data[pos] = tc.special
			got := forwardOne(t, GlobalMaxPool{NodeName: "gmp1"}, mustTensor(t, data, 1, 1, size))
			g := got.Data[0]
			ok := g == float32(tc.want) && !math.Signbit(float64(g)) || math.IsNaN(tc.want) && g != g
			if !ok {
				t.Errorf("%s at %d: output %v, want %v", tc.name, pos, g, tc.want)
			}
		}
	}

	// A plane of -0 keeps the sign.
	data := make([]float32, size)
	for i := range data {
		data[i] = negZero
	}
	got := forwardOne(t, GlobalMaxPool{NodeName: "gmp1"}, mustTensor(t, data, 1, 1, size))
	if got.Data[0] != 0 || !math.Signbit(float64(got.Data[0])) {
		t.Errorf("max of -0 values = %v, want -0", got.Data[0])
	}
}

func TestGlobalPoolsEmptyPlane(t *testing.T) {
	x, _ := New(1, 2, 0, 4)
	avg := forwardOne(t, GlobalAveragePool{NodeName: "gap1"}, x)
	checkExact(t, "GlobalAveragePool", avg.Data, []float64{math.NaN(), math.NaN()})
	maxOut := forwardOne(t, GlobalMaxPool{NodeName: "gmp1"}, x)
	checkExact(t, "GlobalMaxPool", maxOut.Data, []float64{math.Inf(-1), math.Inf(-1)})
}

func TestGlobalPoolsValidation(t *testing.T) {
	xInt, _ := FromInt64(make([]int64, 4), 1, 1, 4)
	x := mustTensor(t, make([]float32, 4), 1, 1, 4)
	for _, l := range []Layer{GlobalAveragePool{NodeName: "g1"}, GlobalMaxPool{NodeName: "g1"}} {
		wantError(t, l, "input X has rank 2 (shape [2 3]), want at least 3", mustTensor(t, make([]float32, 6), 2, 3))
		wantError(t, l, "input X has element type int64, want float32", xInt)
		wantError(t, l, "input X is missing", nil)
		wantError(t, l, "got 2 inputs, want 1", x, x)
	}
}

// TestGlobalAveragePoolSplitBitwise checks that splitting the planes
// across threads gives the bits of one thread and stays close to the
// float64 reference. 21 planes do not divide evenly into 2, 3 or 5 parts.
func TestGlobalAveragePoolSplitBitwise(t *testing.T) {
	defer kernels.SetThreads(0)
	rng := rand.New(rand.NewPCG(85, 86))
	x := randomTensor(t, rng, 3, 7, 130, 131)
	if len(x.Data) < 5*minSplitElements {
		t.Fatalf("input of %d elements is too small for 5 parts", len(x.Data))
	}
	wantMean, _ := refGlobalPool(x)

	kernels.SetThreads(1)
	want := forwardOne(t, GlobalAveragePool{NodeName: "gap1"}, x)
	checkClose(t, "one thread", want.Data, wantMean, averageTolerance(wantMean))
	for _, threads := range []int{2, 3, 5} {
		kernels.SetThreads(threads)
		got := forwardOne(t, GlobalAveragePool{NodeName: "gap1"}, x)
		for i := range got.Data {
			if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Fatalf("%d threads: mean %d = %v, one thread gives %v", threads, i, got.Data[i], want.Data[i])
			}
		}
	}
}

// BenchmarkGlobalAveragePool times the last pooling layers of SqueezeNet
// 1.1 (1000 planes of 13×13), ResNet-18 (512 of 7×7) and MobileNetV2
// (1280 of 7×7) on one thread.
func BenchmarkGlobalAveragePool(b *testing.B) {
	defer kernels.SetThreads(0)
	kernels.SetThreads(1)
	rng := rand.New(rand.NewPCG(87, 88))
	for _, s := range []struct{ channels, side int }{{1000, 13}, {512, 7}, {1280, 7}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.channels, s.side, s.side), func(b *testing.B) {
			x := randomTensor(b, rng, 1, s.channels, s.side, s.side)
			y, err := New(1, s.channels, 1, 1)
			if err != nil {
				b.Fatal(err)
			}
			pool := GlobalAveragePool{NodeName: "gap"}
			b.SetBytes(int64(4 * len(x.Data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := pool.ForwardInto([]*Tensor{y}, []*Tensor{x}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
