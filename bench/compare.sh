#!/bin/sh
# Compare simdnn with ONNX Runtime and PyTorch and regenerate the tables of
# BENCHMARKS.md. One command, from anywhere:
#
#     bench/compare.sh [DRIVER FLAGS]
#
# It takes about 3 minutes on 2 cores and:
#  1. exports the single-layer ONNX models (bench/layers/export.py, needs
#     Debian's python3-torch and python3-onnx) into bench/layers/out/;
#  2. installs onnxruntime-node 1.30.0 into bench/peers/node_modules/ unless
#     it is there; if npm fails, the run goes on without ONNX Runtime;
#  3. runs the driver (bench/compare): the Sgemm, FMA peak and memory-bound
#     kernel benchmarks in 20 passes, then every layer on simdnn, ONNX
#     Runtime and PyTorch at 1 and 2 threads in 20 interleaved rounds. It
#     prints Markdown, writes bench/results/compare.json and replaces the
#     generated part of BENCHMARKS.md;
#  4. draws bench/results/layers-1thread.png (bench/chart).
#
# Flags are passed to the driver, for example -rounds 5 -kernel-passes 3
# for a quick try; `go run ./compare -h` in bench/ lists them. Other
# processes on the machine skew every engine's times, so run it on an
# otherwise idle machine and compare engines only within one run.
set -eu
cd "$(dirname "$0")"

echo "== exporting the layer models" >&2
/usr/bin/python3 layers/export.py

if [ ! -d peers/node_modules/onnxruntime-node ]; then
	echo "== installing onnxruntime-node into bench/peers/node_modules" >&2
	# Without ONNXRUNTIME_NODE_INSTALL=skip the package's install script
	# downloads CUDA libraries; the CPU library ships inside the package.
	if ! (cd peers && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-package-lock --no-fund --no-audit); then
		echo "npm install failed: the comparison goes on without ONNX Runtime" >&2
	fi
fi

echo "== timing (see bench/compare/main.go)" >&2
go run ./compare -update ../BENCHMARKS.md "$@"

echo "== drawing the chart" >&2
go run ./chart -in results/compare.json -out results/layers-1thread.png
