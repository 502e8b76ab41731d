package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// memorySizes are output lengths in floats: L1-resident (16 KiB), the
// 64×56×56 feature map (784 KiB, within a 1 MiB L2), the 64×112×112 one
// (3 MiB, beyond L2) and 64 MiB. The last is meant to exceed the L3 cache
// that one core uses, which the machine's L3 size confirms or not.
var memorySizes = []struct {
	name string
	n    int
}{
	{"16KiB", 4 << 10},
	{"64x56x56", 64 * 56 * 56},
	{"64x112x112", 64 * 112 * 112},
	{"64MiB", 16 << 20},
}

// BenchmarkMemoryBound times ReLU, MaxRows and MaxPairs beside a built-in
// copy that writes the same number of floats, in one run. The byte count
// (b.SetBytes) is every byte read plus every byte written, so MB/s is
// memory traffic and copy's figure is the bandwidth ceiling for the others:
// copy and ReLU move 8 bytes per output float, MaxRows and MaxPairs 12.
//
// NOTE: on amd64, Go's copy switches to non-temporal stores, which bypass
// the caches, from 1 MiB on (runtime/memmove_amd64.s in Go 1.26). So at
// 64x112x112, which fits in many L3 caches, copy runs below the kernels and
// is no ceiling. It is one in L1 and L2 (16KiB, 64x56x56) and in DRAM.
func BenchmarkMemoryBound(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	impl := "simdnn-" + kernels.Implementation()

	for _, size := range memorySizes {
		n := size.n
		src := make([]float32, 2*n)
		for i := range src {
			src[i] = rng.Float32()*2 - 1
		}
		dst := make([]float32, n)

		b.Run("copy/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, src[:n])
			}
		})
		b.Run(fmt.Sprintf("%s/ReLU/%s", impl, size.name), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			for b.Loop() {
				kernels.ReLU(dst, src[:n])
			}
		})
		b.Run(fmt.Sprintf("%s/MaxRows/%s", impl, size.name), func(b *testing.B) {
			b.SetBytes(int64(12 * n))
			b.ReportAllocs()
			for b.Loop() {
				kernels.MaxRows(dst, src[:n], src[n:])
			}
		})
		b.Run(fmt.Sprintf("%s/MaxPairs/%s", impl, size.name), func(b *testing.B) {
			b.SetBytes(int64(12 * n))
			b.ReportAllocs()
			for b.Loop() {
				kernels.MaxPairs(dst, src)
			}
		})
	}
}
