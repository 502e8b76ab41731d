// Package peak measures the floating-point peak of one core: the rate of
// independent float32 fused multiply-adds on registers, with no memory
// traffic, on the widest vectors the CPU runs (16 lanes with AVX-512, 8
// with AVX2). It is the ceiling that benchmark figures are read against,
// measured on the machine that runs them.
package peak

import "time"

// FlopsPerIteration returns the work of one iteration of the FMA loop:
// 12 FMAs on Lanes() float32 lanes, 2 operations each.
func FlopsPerIteration() float64 { return float64(12 * lanes() * 2) }

// Lanes returns the float32 lanes of the vectors that the FMA loop uses:
// 16 where the CPU runs AVX-512, else 8.
func Lanes() int { return lanes() }

// Available reports whether this build and CPU have the FMA loop (AVX and
// FMA3 on amd64, without the purego tag).
func Available() bool { return available() }

// Loop runs iterations of the FMA loop, or nothing if it is not Available.
func Loop(iterations int) { runFMA(iterations) }

// Measure runs the FMA loop on the calling goroutine for about d and
// returns the best rate of its rounds in GFLOPS. It returns ok false when
// this build or CPU has no such loop (no AVX and FMA3, or the purego tag).
func Measure(d time.Duration) (gflops float64, ok bool) {
	if !available() {
		return 0, false
	}
	const iterations = 1 << 16
	deadline := time.Now().Add(d)
	for {
		start := time.Now()
		runFMA(iterations)
		elapsed := time.Since(start).Seconds()
		if elapsed > 0 {
			gflops = max(gflops, FlopsPerIteration()*iterations/elapsed/1e9)
		}
		if time.Now().After(deadline) {
			return gflops, true
		}
	}
}
