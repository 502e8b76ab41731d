package kernels

// kernelSet is one implementation of every kernel.
type kernelSet struct {
	name     string
	relu     func(dst, src []float32)
	maxRows  func(dst, x, y []float32)
	maxPairs func(dst, src []float32)
}

var generic = kernelSet{
	name:     "generic",
	relu:     reluGeneric,
	maxRows:  maxRowsGeneric,
	maxPairs: maxPairsGeneric,
}

var impl = generic

// Implementation returns the name of the kernels in use: "avx2" or "generic".
func Implementation() string { return impl.name }
