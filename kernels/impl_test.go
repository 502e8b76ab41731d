package kernels

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// forEachImpl runs f once for every implementation this CPU supports, with
// that implementation selected, as a subtest named after it.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved := impl
	defer func() { impl = saved }()
	for _, ks := range availableKernels() {
		impl = ks
		t.Run(ks.name, f)
	}
	impl = saved
}

// sameFloat reports whether got and want are the same float32 bit pattern,
// treating every NaN as equal to every other NaN.
func sameFloat(got, want float32) bool {
	if got != got && want != want {
		return true
	}
	return math.Float32bits(got) == math.Float32bits(want)
}

// specialValues are the inputs where SIMD max and min instructions
// disagree with Go's max: NaN, signed zeros, infinities and subnormals.
var specialValues = []float32{
	float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1)),
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32, 1, -1,
}

// randomFloats returns n values, mostly in [-1, 1), with a special value
// at roughly one position in special (never when special is 0).
func randomFloats(rng *rand.Rand, n, special int) []float32 {
	x := make([]float32, n)
	for i := range x {
		if special > 0 && rng.IntN(special) == 0 {
			x[i] = specialValues[rng.IntN(len(specialValues))]
			continue
		}
		x[i] = rng.Float32()*2 - 1
	}
	return x
}

func TestRequestedImplementation(t *testing.T) {
	request := os.Getenv(implEnv)
	if request == "" {
		t.Skipf("%s is not set", implEnv)
	}
	if err := SelectionError(); err != nil {
		t.Fatal(err)
	}
	if got := Implementation(); got != request {
		t.Fatalf("Implementation() = %q, %s requested %q", got, implEnv, request)
	}
}

func TestSelectKernels(t *testing.T) {
	best := kernelSet{name: "best"}
	supported := []kernelSet{best, genericKernels}

	ks, err := selectKernels("", supported)
	if ks.name != "best" || err != nil {
		t.Errorf("no request: got %q, %v; want best, nil", ks.name, err)
	}
	ks, err = selectKernels("generic", supported)
	if ks.name != "generic" || err != nil {
		t.Errorf("request generic: got %q, %v; want generic, nil", ks.name, err)
	}
	ks, err = selectKernels("neon", supported)
	if ks.name != "best" || err == nil {
		t.Errorf("request neon: got %q, %v; want best and an error", ks.name, err)
	}
}

func TestImplementationsEndsWithGeneric(t *testing.T) {
	names := Implementations()
	if len(names) == 0 || names[len(names)-1] != "generic" {
		t.Fatalf("Implementations() = %v, want a list ending in generic", names)
	}
	if names[0] != Implementation() && os.Getenv(implEnv) == "" {
		t.Errorf("Implementation() = %q, want the best supported, %q", Implementation(), names[0])
	}
}
