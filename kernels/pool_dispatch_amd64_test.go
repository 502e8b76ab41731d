//go:build !purego

package kernels

import (
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestAVX512NeedsPoolFeatures checks that the AVX-512 set is not chosen
// without a feature that maxPool3x3Stride2AVX512 uses. VRANGEPS is
// AVX512DQ, PEXTQ and BZHIL are BMI2, and ANDNL is BMI1, as the Requires
// line that avo writes above the function in pool_amd64.s lists.
func TestAVX512NeedsPoolFeatures(t *testing.T) {
	if !hasAVX512(cpuid.CPU) {
		t.Skip("this CPU lacks the AVX-512 set's features")
	}
	for _, f := range []cpuid.FeatureID{cpuid.AVX512DQ, cpuid.BMI1, cpuid.BMI2} {
		cpu := cpuid.CPU
		cpu.Disable(f)
		if hasAVX512(cpu) {
			t.Errorf("hasAVX512 is true without %v", f)
		}
	}
}
