// Package bench compares simdnn's kernels and layers with peer libraries.
// It is a module of its own so that the peers (gonum, gonum/plot) never
// enter the dependency graph of programs that import simdnn.
//
//	cd bench && go test -bench . -benchtime 2s
//
// The benchmarks are named Category/Library/Case:
//   - Sgemm/simdnn-IMPL/SHAPE and Sgemm/gonum/SHAPE report GFLOPS; Peak
//     reports the FMA peak of one core, their ceiling.
//   - MemoryBound/copy/SIZE and MemoryBound/simdnn-IMPL/KERNEL/SIZE
//     report MB/s of bytes read plus written, so that copy's figure is
//     the bandwidth ceiling of ReLU, MaxRows and MaxPairs.
//   - Layer/simdnn/NAME times model.Predict on each single-layer ONNX model
//     that layers/export.py writes to layers/out (GFLOPS or MB/s); it skips
//     when that folder is missing. Run -cpu 1 and -cpu 2 separately to set
//     the thread count. Given a list, go test runs the sub-benchmarks of the
//     first entry at the last entry's GOMAXPROCS (https://go.dev/issue/49980).
//
// bench/compare.sh times the same layers on simdnn, ONNX Runtime and
// PyTorch in one run (see the compare, chart and peers folders) and
// regenerates the tables of BENCHMARKS.md at the repository root.
package bench
