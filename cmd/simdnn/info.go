package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/simdnn/simdnn/kernels"
)

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("info", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, "info takes no arguments, got %q", fs.Args())
	}

	cpu := cpuid.CPU
	fmt.Fprintf(stdout, "cpu:             %s\n", cpu.BrandName)
	fmt.Fprintf(stdout, "arch:            %s/%s, %d logical cores, GOMAXPROCS %d\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "features:        %s\n", featureList(cpu))
	fmt.Fprintf(stdout, "implementations: %s (best first)\n", strings.Join(kernels.Implementations(), ", "))
	fmt.Fprintf(stdout, "in use:          %s\n", kernels.Implementation())
	if err := kernels.SelectionError(); err != nil {
		fmt.Fprintf(stdout, "warning:         %v\n", err)
	}
	return nil
}

// featureList names the CPU features that matter to the kernels, each
// followed by yes or no.
func featureList(cpu cpuid.CPUInfo) string {
	features := []cpuid.FeatureID{cpuid.SSE4, cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.AVX512F, cpuid.ASIMD}
	parts := make([]string, len(features))
	for i, f := range features {
		mark := "no"
		if cpu.Supports(f) {
			mark = "yes"
		}
		parts[i] = fmt.Sprintf("%s=%s", f, mark)
	}
	return strings.Join(parts, " ")
}

// newFlagSet returns a flag set that reports errors instead of exiting,
// with a usage line built from the command's argument synopsis.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: simdnn %s [flags] %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}
