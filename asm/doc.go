// Module asm holds the programs that generate simdnn's assembly kernels.
//
// It is a module of its own so that the generator's dependencies (avo and
// golang.org/x/tools) never enter the dependency graph of programs that
// import simdnn. Run `go generate ./...` from the repository root to rewrite
// every generated file; each generator writes one .s file and the Go
// declarations (stubs) of the functions in it, into ../kernels.
package asm
