//go:build linux

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// guardedFloats returns a slice of n float32s in memory of its own that
// ends exactly where a PROT_NONE page begins (atEnd) or starts exactly
// where one ends. A kernel that reads or writes one element past the end
// (or before the start) of the slice faults instead of passing silently.
// The memory is unmapped when the test ends.
func guardedFloats(t *testing.T, n int, atEnd bool) []float32 {
	t.Helper()
	page := unix.Getpagesize()
	dataPages := (n*4 + page - 1) / page
	mem, err := unix.Mmap(-1, 0, (dataPages+2)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	if err := unix.Mprotect(mem[(dataPages+1)*page:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	start := page
	if atEnd {
		start = (dataPages+1)*page - n*4
	}
	if n == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&mem[start])), 0)
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[start])), n)
}

// guardedCopy returns a guarded slice holding a copy of x.
func guardedCopy(t *testing.T, x []float32, atEnd bool) []float32 {
	g := guardedFloats(t, len(x), atEnd)
	copy(g, x)
	return g
}

func TestKernelsAtGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 18))
		for _, atEnd := range []bool{true, false} {
			for n := 0; n <= 3*8+1; n++ {
				src := guardedCopy(t, randomFloats(rng, n, 3), atEnd)
				dst := guardedFloats(t, n, atEnd)
				ReLU(dst, src)
				ReLU(src, src)
				Clamp(dst, src, 0, 6)

				x := guardedCopy(t, randomFloats(rng, n, 3), atEnd)
				y := guardedCopy(t, randomFloats(rng, n, 3), atEnd)
				MaxRows(dst, x, y)
				Add(dst, x, y, true)

				// Depthwise rows: three taps whose runs end exactly at the
				// end of src (atEnd) or start at its first element.
				offsets := []int{0, 1, 2}
				weights := guardedCopy(t, randomFloats(rng, 3, 0), atEnd)
				row := guardedCopy(t, randomFloats(rng, n+2, 3), atEnd)
				impl.tapsRow(dst, row, offsets, weights, 0.5, true)

				// Matrix-vector kernels: two rows of w, the second ending at
				// the end of w, and an axpy over whole guarded slices.
				w := guardedCopy(t, randomFloats(rng, 2*n+1, 0), atEnd)
				dots := guardedFloats(t, 2, atEnd)
				if n > 0 {
					impl.dotRows(dots, x, w, n+1)
				}
				impl.axpy(y, x, 0.5)

				pairs := guardedCopy(t, randomFloats(rng, 2*n, 3), atEnd)
				MaxPairs(dst, pairs)
				for i := range dst {
					if want := max(pairs[2*i], pairs[2*i+1]); !sameFloat(dst[i], want) {
						t.Fatalf("n=%d atEnd=%v: MaxPairs output %d = %v, want %v", n, atEnd, i, dst[i], want)
					}
				}
			}
		}
	})
}

func TestSgemmAtGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(19, 20))
		for _, atEnd := range []bool{true, false} {
			for _, g := range []gemmCase{
				{m: 1, n: 1, k: 1, alpha: 1},
				{m: 5, n: 15, k: 3, alpha: 1, beta: 1},
				{m: 6, n: 16, k: 4, alpha: 1},
				{m: 7, n: 17, k: 9, alpha: 2, beta: 0.5, transA: true},
				{m: 13, n: 33, k: 5, alpha: 1, transB: true},
				{m: 12, n: 64, k: 7, alpha: 1, beta: 1},
			} {
				a, lda, b, ldb, c, ldc := g.operands(rng)
				a, b, c = guardedCopy(t, a, atEnd), guardedCopy(t, b, atEnd), guardedCopy(t, c, atEnd)
				c0 := append([]float32(nil), c...)
				Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c, ldc)
				checkGemm(t, g, a, lda, b, ldb, c0, c, ldc)
			}

			// The micro-kernel itself, on panels and a C tile that end (or
			// start) at a guard page.
			for _, kc := range []int{1, 3, 4, 5, 8} {
				a := guardedCopy(t, randomFloats(rng, gemmMR*kc, 0), atEnd)
				b := guardedCopy(t, randomFloats(rng, gemmNR*kc, 0), atEnd)
				c := guardedFloats(t, gemmMR*gemmNR, atEnd)
				impl.sgemmTile(kc, a, b, c, gemmNR, false)
				impl.sgemmTile(kc, a, b, c, gemmNR, true)
				bias := guardedCopy(t, randomFloats(rng, gemmMR, 0), atEnd)
				impl.sgemmTileEpilogue(kc, a, b, c, gemmNR, true, bias, ReLUActivation)

				if impl.sgemmTilePair == nil {
					continue
				}
				b2 := guardedCopy(t, randomFloats(rng, 2*gemmNR*kc, 0), atEnd)
				c2 := guardedFloats(t, gemmMR*2*gemmNR, atEnd)
				impl.sgemmTilePair(kc, a, b2, c2, 2*gemmNR, false, nil, NoActivation)
				impl.sgemmTilePair(kc, a, b2, c2, 2*gemmNR, true, bias, CappedReLU(6))
			}

			// The column kernel reads b[p*16] only, so b may end right
			// after its last element. Its masked loads of A must stop at
			// the panel's end.
			for _, kc := range []int{1, 3, 4, 5, 8} {
				if impl.sgemmColumns == nil {
					break
				}
				a := guardedCopy(t, randomFloats(rng, gemmMR*kc, 0), atEnd)
				b := guardedCopy(t, randomFloats(rng, gemmNR*(kc-1)+1, 0), atEnd)
				sums := guardedFloats(t, 4*gemmMR, atEnd)
				impl.sgemmColumns(kc, a, a, a, a, b, sums)
			}
		}
	})
}

// TestMaxPool3x3Stride2AtGuardPages runs, for pads 0 and 1, every output
// size of planes whose rows take the AVX2 kernel's scalar path only
// (w < 17 with pad 0, w < 18 with pad 1) and its vector blocks, and the
// AVX-512 kernel's masked steps only (w < 33) and its unmasked ones, with
// the plane ending at a guard page (atEnd) or starting right after one,
// and the output likewise.
// The plane kernel also runs with the other top padding, as a fused
// convolution calls it on bands of rows, against the generic kernel.
func TestMaxPool3x3Stride2AtGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(25, 26))
		for _, atEnd := range []bool{true, false} {
			for _, pad := range []int{0, 1} {
				for _, h := range []int{1, 2, 3, 6, 7} {
					for _, w := range []int{1, 2, 5, 16, 17, 18, 19, 24, 25, 33, 34, 35, 36, 65, 66, 67, 68} {
						for outH := 1; outH <= (h-1+pad)/2+1; outH++ {
							for outW := 1; outW <= (w-1+pad)/2+1; outW++ {
								src := guardedCopy(t, randomFloats(rng, h*w, 5), atEnd)
								dst := guardedFloats(t, outH*outW, atEnd)
								MaxPool3x3Stride2(dst, src, h, w, outH, outW, pad)
								want := maxPool3x3Stride2Reference(src, h, w, outH, outW, pad, pad)
								for k := range dst {
									if !sameFloat(dst[k], want[k]) {
										t.Fatalf("%dx%d to %dx%d, pad %d, atEnd=%v: output (%d, %d) = %v, want %v",
											h, w, outH, outW, pad, atEnd, k/outW, k%outW, dst[k], want[k])
									}
								}
							}
						}

						top := 1 - pad
						for outH := 1; outH <= (h-1+top)/2+1; outH++ {
							outW := (w-1+pad)/2 + 1
							src := guardedCopy(t, randomFloats(rng, h*w, 5), atEnd)
							dst := guardedFloats(t, outH*outW, atEnd)
							impl.maxPool3x3Stride2(dst, src, h, w, outH, outW, top, pad)
							want := make([]float32, outH*outW)
							maxPool3x3Stride2Generic(want, src, h, w, outH, outW, top, pad)
							for k := range dst {
								if !sameFloat(dst[k], want[k]) {
									t.Fatalf("%dx%d to %dx%d, padding %d top and %d left, atEnd=%v: output (%d, %d) = %v, generic %v",
										h, w, outH, outW, top, pad, atEnd, k/outW, k%outW, dst[k], want[k])
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestDeinterleaveAtGuardPages runs impl.deinterleave with each of
// its three slices next to a PROT_NONE page on either side, for every
// length from 0 to 100, and checks every bit of the result.
func TestDeinterleaveAtGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(91, 92))
		for n := 0; n <= 100; n++ {
			for mask := 0; mask < 8; mask++ {
				evenEnd, oddEnd, srcEnd := mask&1 != 0, mask&2 != 0, mask&4 != 0
				raw := make([]float32, 2*n)
				for i := range raw {
					raw[i] = math.Float32frombits(rng.Uint32())
				}
				src := guardedCopy(t, raw, srcEnd)
				even := guardedFloats(t, n, evenEnd)
				odd := guardedFloats(t, n, oddEnd)
				impl.deinterleave(even, odd, src)
				checkDeinterleaved(t, fmt.Sprintf("n=%d mask=%d", n, mask), even, odd, raw)
			}
		}
	})
}
