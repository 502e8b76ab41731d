//go:build !purego

package peak

import "github.com/klauspost/cpuid/v2"

func available() bool { return cpuid.CPU.Supports(cpuid.AVX, cpuid.FMA3) }

func runFMA(iterations int) { fmaPeakAVX2(iterations) }
