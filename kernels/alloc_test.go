package kernels

import "testing"

// TestKernelsAllocateNothing checks that serial calls of the public
// kernels allocate nothing once their buffer pools are warm, so that a
// model's steady-state inference does not feed the garbage collector.
func TestKernelsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	SetThreads(1)
	defer SetThreads(0)

	a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64)
	src := make([]float32, 8*30*30)
	weights := make([]float32, 16*8*9)
	bias := make([]float32, 16)
	dst := make([]float32, 16*28*28)
	p := Conv2DParams{Channels: 8, Height: 30, Width: 30, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: 28, OutW: 28}
	strided := p
	strided.StrideH, strided.StrideW, strided.OutH, strided.OutW = 2, 2, 14, 14
	narrow := p
	narrow.OutW, narrow.Width = 5, 7 // too narrow for the implicit path

	cases := map[string]func(){
		"Sgemm":                   func() { Sgemm(false, false, 64, 64, 64, 1, a, 64, b, 64, 0, c, 64) },
		"Sgemm transposed":        func() { Sgemm(true, true, 64, 64, 64, 2, a, 64, b, 64, 1, c, 64) },
		"Sgemm single row":        func() { Sgemm(false, true, 1, 64, 64, 1, a, 64, b, 64, 0, c, 64) },
		"Conv2D":                  func() { Conv2D(dst, src, weights, bias, 16, p, ReLUActivation) },
		"Conv2D stride 2":         func() { Conv2D(dst, src, weights, bias, 16, strided, NoActivation) },
		"Conv2D packed":           func() { Conv2D(dst, src, weights, nil, 16, narrow, NoActivation) },
		"DepthwiseConv2D":         func() { DepthwiseConv2D(dst, src, weights, bias, p, ReLUActivation) },
		"ReLU, MaxRows, MaxPairs": func() { ReLU(c, c); MaxRows(c, a, b); MaxPairs(c[:32], a); Clamp(c, c, 0, 6) },
	}
	for name, call := range cases {
		call() // warm the pools
		if n := testing.AllocsPerRun(10, call); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, n)
		}
	}
}
