package peak

import (
	"testing"
	"time"
)

func TestMeasureReportsPositiveRate(t *testing.T) {
	gflops, ok := Measure(20 * time.Millisecond)
	if !ok {
		t.Skip("no FMA loop in this build or on this CPU")
	}
	// One 8-wide FMA per cycle at 0.5 GHz is 8 GFLOPS; any CPU with FMA3
	// does far better, so less means the loop or the arithmetic is wrong.
	if gflops < 8 {
		t.Fatalf("Measure = %.1f GFLOPS, want at least 8", gflops)
	}
	t.Logf("FMA peak: %.1f GFLOPS", gflops)
}
