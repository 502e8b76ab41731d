package bench

import (
	"testing"

	"github.com/simdnn/simdnn/internal/peak"
)

// BenchmarkPeak measures the FMA peak of one core with a register-only
// loop of independent FMAs on the widest vectors the CPU runs: the ceiling for every GFLOPS figure
// reported by the other benchmarks in the same run.
func BenchmarkPeak(b *testing.B) {
	if !peak.Available() {
		b.Skip("no FMA loop in this build or on this CPU")
	}
	const iterations = 1 << 16
	for b.Loop() {
		peak.Loop(iterations)
	}
	flops := peak.FlopsPerIteration() * float64(iterations) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
}
