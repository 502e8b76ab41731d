package kernels

import "testing"

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
