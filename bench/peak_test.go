//go:build amd64 && !purego

package bench

import (
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// BenchmarkPeak measures the FMA peak of one core with a register-only
// loop of independent 8-wide FMAs: the ceiling for every GFLOPS figure
// reported by the other benchmarks in the same run.
func BenchmarkPeak(b *testing.B) {
	if !cpuid.CPU.Supports(cpuid.AVX, cpuid.FMA3) {
		b.Skip("the CPU lacks AVX or FMA3")
	}
	const iterations = 1 << 16
	for b.Loop() {
		fmaPeakAVX2(iterations)
	}
	flops := 192 * float64(iterations) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
}
