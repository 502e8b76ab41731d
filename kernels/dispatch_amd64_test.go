//go:build !purego

package kernels

import (
	"testing"

	"github.com/klauspost/cpuid/v2"
)

func TestAVX2NeedsEveryFeature(t *testing.T) {
	if !hasAVX2(cpuid.CPU) {
		t.Skip("this CPU lacks AVX2 or FMA3")
	}
	// cpuid reports AVX only when the OS saves YMM state, so disabling AVX
	// stands for an OS without that support.
	for _, f := range []cpuid.FeatureID{cpuid.AVX, cpuid.AVX2, cpuid.FMA3} {
		cpu := cpuid.CPU
		cpu.Disable(f)
		if hasAVX2(cpu) {
			t.Errorf("hasAVX2 is true without %v", f)
		}
	}
}

func TestAVX2SelectedWhenSupported(t *testing.T) {
	if !hasAVX2(cpuid.CPU) {
		t.Skip("this CPU lacks AVX2 or FMA3")
	}
	if got := supportedKernels()[0].name; got != "avx2" {
		t.Fatalf("best supported implementation is %q, want avx2", got)
	}
}
