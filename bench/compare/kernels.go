package main

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/simdnn/simdnn/bench/report"
)

// kernelBenchmarks selects the benchmarks of the Sgemm, peak and memory
// tables from the bench package's tests.
const kernelBenchmarks = "^Benchmark(Peak|Sgemm|MemoryBound)$"

// benchLine matches a result line of go test -bench, such as
// "BenchmarkSgemm/gonum/256x256x256  \t 20\t 5000000 ns/op\t 6.7 GFLOPS".
// With -cpu 1 go test adds no -N suffix to the names.
var benchLine = regexp.MustCompile(`^Benchmark(\S+)\s+\d+\s+([0-9.]+) ns/op(.*)$`)

// runKernelPasses builds the bench package's test binary and runs the
// kernel benchmarks passes times at GOMAXPROCS 1, one pass after the other,
// so that simdnn, gonum, copy and the FMA peak loop are interleaved pass by
// pass. Each pass gives one sample per benchmark (its mean over
// benchtime), and the result holds the median over the passes.
func runKernelPasses(passes int, benchtime string) (*report.KernelResult, error) {
	dir, err := os.MkdirTemp("", "simdnn-compare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	binary := filepath.Join(dir, "bench.test")
	build := exec.Command("go", "test", "-c", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go test -c: %w", err)
	}

	samples := map[string]map[string][]float64{"ns/op": {}, "GFLOPS": {}, "MB/s": {}}
	var order []string
	for pass := range passes {
		slog.Info("timing kernels", "pass", pass+1, "of", passes)
		cmd := exec.Command(binary, "-test.run", "^$", "-test.bench", kernelBenchmarks,
			"-test.cpu", "1", "-test.benchtime", benchtime, "-test.count", "1")
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, stdout.String())
		}

		scanner := bufio.NewScanner(&stdout)
		for scanner.Scan() {
			name, metrics, ok := parseBenchLine(scanner.Text())
			if !ok {
				continue
			}
			if pass == 0 {
				order = append(order, name)
			}
			for unit, v := range metrics {
				if _, known := samples[unit]; known {
					samples[unit][name] = append(samples[unit][name], v)
				}
			}
		}
	}

	res := &report.KernelResult{
		Passes: passes, Order: order,
		NsOp: medians(samples["ns/op"]), GFLOPS: medians(samples["GFLOPS"]), MBps: medians(samples["MB/s"]),
	}
	return res, nil
}

// parseBenchLine returns the benchmark name without its Benchmark prefix
// and the value of each unit on a go test -bench result line.
func parseBenchLine(line string) (string, map[string]float64, bool) {
	m := benchLine.FindStringSubmatch(line)
	if m == nil {
		return "", nil, false
	}
	metrics := map[string]float64{}
	ns, err := strconv.ParseFloat(m[2], 64)
	if err != nil {
		return "", nil, false
	}
	metrics["ns/op"] = ns

	// The remaining fields come in pairs: a value and its unit.
	fields := strings.Fields(m[3])
	for i := 0; i+1 < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			continue
		}
		metrics[fields[i+1]] = v
	}
	return m[1], metrics, true
}

func medians(byName map[string][]float64) map[string]float64 {
	out := make(map[string]float64, len(byName))
	for name, xs := range byName {
		out[name] = median(xs)
	}
	return out
}
