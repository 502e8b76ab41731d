// Package bench compares simdnn's kernels with peer libraries in one
// `go test -bench` run. It is a module of its own so that the peers (gonum)
// never enter the dependency graph of programs that import simdnn.
//
//	cd bench && go test -bench . -benchtime 2s
//
// Each benchmark is named Library/Shape and reports GFLOPS for
// compute-bound kernels or MB/s for memory-bound ones.
package bench
