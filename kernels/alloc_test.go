package kernels

import (
	"runtime"
	"testing"
	"time"
)

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

// TestParallelKernelsAllocateNothing is TestKernelsAllocateNothing for
// calls large enough to split across two goroutines: the argument structs
// and call state of the worker pool are recycled, not allocated per call.
// Each shape takes a different parallel path.
func TestParallelKernelsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	SetThreads(2)
	defer SetThreads(0)

	conv := func(c, m, size, kernel int) (p Conv2DParams, src, weights, bias, dst []float32) {
		pad := kernel / 2
		p = Conv2DParams{Channels: c, Height: size, Width: size, KernelH: kernel, KernelW: kernel,
			StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: pad, PadLeft: pad, OutH: size, OutW: size}
		return p, make([]float32, c*size*size), make([]float32, m*c*kernel*kernel), make([]float32, m), make([]float32, m*size*size)
	}
	a, b, c := make([]float32, 256*256), make([]float32, 256*256), make([]float32, 256*256)
	row, rows := make([]float32, 1024), make([]float32, 1024*1024)
	implicitP, implicitSrc, implicitW, implicitBias, implicitDst := conv(32, 16, 56, 3)
	packedP, packedSrc, packedW, _, packedDst := conv(16, 128, 28, 3)
	packed := PackWeights(packedW, 128, packedP.k())
	pointP, pointSrc, pointW, pointBias, pointDst := conv(64, 64, 56, 1)
	depthP, depthSrc, depthW, depthBias, depthDst := conv(64, 64, 56, 3)
	winoP, winoSrc, winoW, winoBias, winoDst := conv(64, 64, 28, 3)
	wino := PackWinogradWeights(winoW, 64, winoP)
	smallP, smallSrc, smallW, _, smallDst := conv(256, 256, 8, 3)
	small := PackWinogradWeights(smallW, 256, smallP)

	cases := map[string]func(){
		"Sgemm":                 func() { Sgemm(false, false, 256, 256, 256, 1, a, 256, b, 256, 0, c, 256) },
		"Sgemm single row":      func() { Sgemm(false, true, 1, 1024, 1024, 1, row, 1024, rows, 1024, 0, c, 1024) },
		"Conv2D implicit":       func() { Conv2D(implicitDst, implicitSrc, implicitW, implicitBias, 16, implicitP, ReLUActivation) },
		"Conv2DPacked":          func() { Conv2DPacked(packedDst, packedSrc, packed, nil, packedP, NoActivation) },
		"Conv2D pointwise":      func() { Conv2D(pointDst, pointSrc, pointW, pointBias, 64, pointP, CappedReLU(6)) },
		"DepthwiseConv2D":       func() { DepthwiseConv2D(depthDst, depthSrc, depthW, depthBias, depthP, ReLUActivation) },
		"Conv2DWinograd":        func() { Conv2DWinograd(winoDst, winoSrc, wino, winoBias, winoP, ReLUActivation) },
		"Conv2DWinograd shared": func() { Conv2DWinograd(smallDst, smallSrc, small, nil, smallP, NoActivation) },
		"ParallelRun":           func() { ParallelRun(2, noopPieces{}) },
	}
	for name, call := range cases {
		call() // warm the pools
		if n := testing.AllocsPerRun(10, call); n != 0 {
			t.Errorf("%s allocates %v times per call with 2 threads, want 0", name, n)
		}

		// A collection empties every sync.Pool; the pools of calls,
		// jobs and buffers must keep what they hold.
		afterGC := func() { runtime.GC(); call() }
		if n := testing.AllocsPerRun(3, afterGC); n != 0 {
			t.Errorf("%s allocates %v times per call after a garbage collection, want 0", name, n)
		}
	}
}

// noopPieces is a Pieces that does nothing, to measure the pool's own
// cost.
type noopPieces struct{}

func (noopPieces) Piece(int) {}

// TestParallelBusyWorkersAllocateNothing checks that calls allocate
// nothing while every worker is busy, as when the host does not schedule
// them: the tickets these calls queue stay unserved, and the calls must be
// recycled all the same.
func TestParallelBusyWorkersAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	SetThreads(2)
	defer SetThreads(0)
	workerPool.once.Do(startWorkers)
	workers := cap(workerPool.wake)

	// Occupy every worker and one more goroutine with a piece each.
	started := make(chan struct{}, workers+1)
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ParallelFor(workers+1, func(int) {
			started <- struct{}{}
			<-release
		})
	}()
	defer func() {
		close(release)
		<-done
	}()
	for range workers + 1 {
		select {
		case <-started:
		case <-time.After(time.Minute):
			t.Fatal("the workers did not all take a piece within a minute")
		}
	}

	// Fewer calls than the queue holds, so that each one queues a ticket.
	runs := cap(workerPool.tickets) / 2
	if n := testing.AllocsPerRun(runs, func() { ParallelRun(2, noopPieces{}) }); n != 0 {
		t.Errorf("ParallelRun allocates %v times per call while the workers are busy, want 0", n)
	}
}
