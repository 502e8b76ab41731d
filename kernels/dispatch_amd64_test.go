//go:build !purego

package kernels

import (
	"reflect"
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
	want := "avx2"
	if hasAVX512(cpuid.CPU) {
		want = "avx512"
	}
	if got := supportedKernels()[0].name; got != want {
		t.Fatalf("best supported implementation is %q, want %s", got, want)
	}
}

// TestAVX512NeedsEveryFeature checks that the AVX-512 set is not chosen
// without a feature that its kernels use: VRANGEPS is AVX512DQ, PEXTQ
// and BZHIL are BMI2 and ANDNL is BMI1, as the Requires lines that avo
// writes in the generated assembly list.
func TestAVX512NeedsEveryFeature(t *testing.T) {
	if !hasAVX512(cpuid.CPU) {
		t.Skip("this CPU lacks the AVX-512 set's features")
	}
	for _, f := range []cpuid.FeatureID{cpuid.AVX512F, cpuid.AVX512DQ, cpuid.BMI1, cpuid.BMI2, cpuid.AVX2, cpuid.FMA3} {
		cpu := cpuid.CPU
		cpu.Disable(f)
		if hasAVX512(cpu) {
			t.Errorf("hasAVX512 is true without %v", f)
		}
	}
}

// TestAVX512SetIsComplete checks that the AVX-512 set has a kernel for
// every entry and differs from the AVX2 set only in its micro-kernels.
func TestAVX512SetIsComplete(t *testing.T) {
	v := reflect.ValueOf(avx512Kernels)
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Func && f.IsNil() {
			t.Errorf("avx512 kernel set has no %s", v.Type().Field(i).Name)
		}
	}
	if avx512Kernels.name != "avx512" || avx512Kernels.convTileBorrowed || avx512Kernels.winogradBorrowed {
		t.Errorf("avx512 set is %q with borrowed kernels", avx512Kernels.name)
	}
}

// TestAVX2SetIsComplete checks that the AVX2 set has a kernel of its own
// for every entry, so that no generic fallback hides a missing one. The
// pair kernels are optional: the AVX2 tile already keeps its FMA port busy.
// So is the small-plane depthwise kernel, which needs AVX-512's masks and
// compress instruction, and so are the edge kernels, which store through
// AVX-512's masks.
func TestAVX2SetIsComplete(t *testing.T) {
	v := reflect.ValueOf(avx2Kernels)
	for i := 0; i < v.NumField(); i++ {
		if name := v.Type().Field(i).Name; name == "sgemmTilePair" || name == "sgemmTilePairRows" || name == "convTilePair" || name == "convTilePairPack" || name == "depthwise3x3Small" ||
			name == "sgemmEdge" || name == "convEdge" || name == "convEdgePack" {
			continue
		}
		if f := v.Field(i); f.Kind() == reflect.Func && f.IsNil() {
			t.Errorf("avx2 kernel set has no %s", v.Type().Field(i).Name)
		}
	}
}
