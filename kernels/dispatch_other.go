//go:build purego || !(amd64 || arm64)

package kernels

func supportedKernels() []kernelSet {
	return []kernelSet{genericKernels}
}
