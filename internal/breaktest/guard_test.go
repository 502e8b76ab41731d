//go:build linux

package breaktest

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/simdnn/simdnn/kernels"
)

// guarded returns n float32s that end right before a PROT_NONE page
// (atEnd) or start right after one, filled from fill, so that a kernel
// that reads or writes outside the slice faults.
func guarded(t *testing.T, fill []float32, atEnd bool) []float32 {
	t.Helper()
	n := len(fill)
	page := unix.Getpagesize()
	pages := (n*4 + page - 1) / page
	mem, err := unix.Mmap(-1, 0, (pages+2)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mprotect(mem[(pages+1)*page:], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	start := page
	if atEnd {
		start = (pages+1)*page - n*4
	}
	s := unsafe.Slice((*float32)(unsafe.Pointer(&mem[start])), n)
	copy(s, fill)
	return s
}

func randomFill(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}

// TestPublicKernelsAtGuardPages calls Sgemm (every path: m = 1, edge
// tiles, several kc blocks, parallel bands), Conv2D (im2col and implicit
// paths) and DepthwiseConv2D with every operand at a guard page, on both
// sides, in shapes whose last row ends at the last element.
func TestPublicKernelsAtGuardPages(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, atEnd := range []bool{true, false} {
		for _, s := range [][3]int{{1, 1, 1}, {1, 33, 300}, {1, 300, 7}, {5, 17, 3}, {6, 16, 256}, {7, 31, 257}, {13, 100, 520}, {150, 70, 40}, {64, 3100, 8}} {
			m, n, k := s[0], s[1], s[2]
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				aRows, aCols, bRows, bCols := m, k, k, n
				if tr[0] {
					aRows, aCols = k, m
				}
				if tr[1] {
					bRows, bCols = n, k
				}
				a := guarded(t, randomFill(r, aRows*aCols), atEnd)
				b := guarded(t, randomFill(r, bRows*bCols), atEnd)
				c := guarded(t, randomFill(r, m*n), atEnd)
				kernels.Sgemm(tr[0], tr[1], m, n, k, 1.5, a, aCols, b, bCols, 0.5, c, n)
				kernels.Sgemm(tr[0], tr[1], m, n, k, 1, a, aCols, b, bCols, 0, c, n)
			}
		}

		for _, p := range []kernels.Conv2DParams{
			{Channels: 3, Height: 9, Width: 37, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, OutH: 9, OutW: 37},
			{Channels: 2, Height: 8, Width: 16, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: 6, OutW: 14},
			{Channels: 4, Height: 11, Width: 23, KernelH: 2, KernelW: 5, StrideH: 2, StrideW: 3, DilationH: 2, DilationW: 1, PadTop: 2, PadLeft: 3, OutH: 7, OutW: 9},
			{Channels: 1, Height: 5, Width: 64, KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, OutH: 5, OutW: 64},
			{Channels: 5, Height: 3, Width: 3, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 4, PadLeft: 4, OutH: 9, OutW: 9},
		} {
			for _, filters := range []int{1, 6, 7, 13} {
				taps := p.Channels * p.KernelH * p.KernelW
				src := guarded(t, randomFill(r, p.Channels*p.Height*p.Width), atEnd)
				w := guarded(t, randomFill(r, filters*taps), atEnd)
				bias := guarded(t, randomFill(r, filters), atEnd)
				dst := guarded(t, make([]float32, filters*p.OutH*p.OutW), atEnd)
				kernels.Conv2D(dst, src, w, bias, filters, p, kernels.ReLUActivation)
				kernels.Conv2D(dst, src, w, nil, filters, p, kernels.NoActivation)
			}
			dw := guarded(t, randomFill(r, p.Channels*p.KernelH*p.KernelW), atEnd)
			src := guarded(t, randomFill(r, p.Channels*p.Height*p.Width), atEnd)
			bias := guarded(t, randomFill(r, p.Channels), atEnd)
			dst := guarded(t, make([]float32, p.Channels*p.OutH*p.OutW), atEnd)
			kernels.DepthwiseConv2D(dst, src, dw, bias, p, kernels.ReLUActivation)
			kernels.DepthwiseConv2D(dst, src, dw, nil, p, kernels.NoActivation)
		}
	}
}
