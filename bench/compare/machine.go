package main

import (
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/simdnn/simdnn/bench/report"
	"github.com/simdnn/simdnn/kernels"
)

// reportedFeatures are the CPU features that decide which kernels the
// engines can use; the machine table lists those the CPU has.
var reportedFeatures = []string{
	"AVX", "AVX2", "FMA3", "F16C",
	"AVX512F", "AVX512BW", "AVX512DQ", "AVX512VL", "AVX512VNNI", "AVX512BF16", "AVX512FP16",
	"AMXBF16", "AMXTILE", "ASIMD", "SVE",
}

// describeMachine returns the CPU, Go and simdnn facts of this run; the
// load averages are filled in by the caller.
func describeMachine() report.Machine {
	c := cpuid.CPU
	m := report.Machine{
		CPU:      strings.TrimSpace(c.BrandName),
		Family:   c.Family,
		Model:    c.Model,
		Cores:    runtime.NumCPU(),
		L1D:      c.Cache.L1D,
		L2:       c.Cache.L2,
		L3:       c.Cache.L3,
		Go:       runtime.Version(),
		Kernels:  kernels.Implementation(),
		Features: []string{},
	}
	if c.VM() {
		m.Hypervisor = c.HypervisorVendorID.String()
		if c.HypervisorVendorID == cpuid.VendorUnknown {
			m.Hypervisor = "unknown"
		}
	}
	have := c.FeatureSet()
	for _, f := range reportedFeatures {
		if slices.Contains(have, f) {
			m.Features = append(m.Features, f)
		}
	}
	return m
}

// loadAverage returns the 1, 5 and 15 minute load averages from
// /proc/loadavg, or "unknown" where that file does not exist.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}
