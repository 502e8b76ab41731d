// Command simdnn classifies images with CNNs on simdnn's SIMD kernels,
// runs ONNX backend-test folders and reports what the CPU supports.
//
// Usage:
//
//	simdnn classify [-batch N]                      MNIST test set, embedded model
//	simdnn classify -model M.onnx [-k N] IMAGE...   your own model and images
//	simdnn bench [-batch N] [-profile] [MODEL]      latency, throughput, per-node times
//	simdnn onnx-test [-rtol R] [-atol A] DIR...     ONNX backend-test folders
//	simdnn info                                     CPU features and kernels
package main

import (
	"errors"

	"fmt"
	"github.com/simdnn/simdnn/kernels"
	"io"
	"log/slog"
	"os"
)

// command is one subcommand: run parses args (the words after the
// subcommand's name), writes its report to stdout and usage messages to
// stderr.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"classify", "classify the embedded MNIST test set, or your images with your model", runClassify},
	{"bench", "time a model (the embedded MNIST model by default) and report the FMA peak", runBench},
	{"onnx-test", "run folders in the ONNX backend-test layout and compare outputs", runONNXTest},
	{"info", "print the CPU's features and the kernels in use", runInfo},
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, logger))
}

// run executes the command line args and returns the process exit code:
// 0 on success, 1 when the command failed, 2 for a usage error.
func run(args []string, stdout, stderr io.Writer, logger *slog.Logger) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if err := kernels.SelectionError(); err != nil {
		logger.Warn("kernel selection", "error", err)
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		if err := c.run(args[1:], stdout, stderr); err != nil {
			if errors.Is(err, errHelp) {
				return 0
			}
			if errors.Is(err, errUsage) {
				return 2
			}
			logger.Error("command failed", "command", c.name, "error", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "simdnn: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: simdnn COMMAND [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'simdnn COMMAND -h' for the flags of a command.")
}
