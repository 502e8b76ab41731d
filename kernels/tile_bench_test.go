package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemmTile times the micro-kernel alone on panels that stay in
// the L1 cache: the upper bound for the whole GEMM.
func BenchmarkSgemmTile(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, kc := range []int{64, 256, 512} {
		a := randomFloats(rng, gemmMR*kc, 0)
		bp := randomFloats(rng, gemmNR*kc, 0)
		c := make([]float32, gemmMR*gemmNR)
		benchEachImpl(b, fmt.Sprintf("kc=%d", kc), func(b *testing.B) {
			for b.Loop() {
				impl.sgemmTile(kc, a, bp, c, gemmNR, true)
			}
			flops := 2 * gemmMR * gemmNR * float64(kc) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
