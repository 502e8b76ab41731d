//go:build !purego

package peak

import "github.com/klauspost/cpuid/v2"

// wide is set when the CPU and OS run AVX-512. Its 16-wide loop is then
// the peak. On cores that split 512-bit operations in two (AMD's Zen 4)
// that loop measures the same rate as the 8-wide one; on cores with two
// 512-bit FMA ports (Intel's server cores), twice that rate.
var wide = cpuid.CPU.Supports(cpuid.AVX512F)

func available() bool { return cpuid.CPU.Supports(cpuid.AVX, cpuid.FMA3) }

func lanes() int {
	if wide {
		return 16
	}
	return 8
}

func runFMA(iterations int) {
	if wide {
		fmaPeakAVX512(iterations)
		return
	}
	fmaPeakAVX2(iterations)
}
