//go:build purego || !amd64

package kernels

func supportedKernels() []kernelSet {
	return []kernelSet{genericKernels}
}
