package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestSgemmThreadCountBitwise checks that splitting C across goroutines,
// by rows or by columns, gives bitwise the same result as one goroutine.
func TestSgemmThreadCountBitwise(t *testing.T) {
	defer SetThreads(0)
	forEachImpl(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, shape := range [][3]int{{64, 1000, 300}, {500, 40, 300}, {37, 333, 129}} {
			m, n, k := shape[0], shape[1], shape[2]
			a := randomFloats(rng, m*k, 0)
			b := randomFloats(rng, k*n, 0)
			SetThreads(1)
			want := make([]float32, m*n)
			Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
			for _, threads := range []int{2, 3, 8} {
				SetThreads(threads)
				got := make([]float32, m*n)
				Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, got, n)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("m=%d n=%d k=%d threads=%d: C[%d] = %v, one thread gives %v", m, n, k, threads, i, got[i], want[i])
					}
				}
			}
		}
	})
}

func TestSplitGemm(t *testing.T) {
	cases := []struct {
		m, n, k, threads int
		parts            int
		alongN           bool
	}{
		{1, 1, 1, 8, 1, false},
		{512, 512, 512, 2, 2, true},
		{512, 512, 512, 1, 1, false},
		{512, 40, 4096, 4, 4, false},
		{1000, 169, 512, 2, 2, false},
		{169, 1000, 512, 2, 2, true},
		{1000, 40, 512, 2, 2, false},
		{8, 40, 1 << 20, 4, 1, false},
	}
	for _, tc := range cases {
		parts, alongN := splitGemm(tc.m, tc.n, tc.k, tc.threads)
		if parts != tc.parts || alongN != tc.alongN {
			t.Errorf("splitGemm(%d, %d, %d, %d) = %d, %v; want %d, %v", tc.m, tc.n, tc.k, tc.threads, parts, alongN, tc.parts, tc.alongN)
		}
	}
}

func TestBandBoundsCoverEveryIndexOnce(t *testing.T) {
	for _, total := range []int{1, 5, 16, 17, 100, 1000} {
		for parts := 1; parts <= 7; parts++ {
			next := 0
			for part := 0; part < parts; part++ {
				lo, hi := bandBounds(total, parts, gemmNR, part)
				if lo != next || hi < lo {
					t.Fatalf("total=%d parts=%d: band %d is [%d, %d), want it to start at %d", total, parts, part, lo, hi, next)
				}
				if lo%gemmNR != 0 {
					t.Fatalf("total=%d parts=%d: band %d starts at %d, not a multiple of %d", total, parts, part, lo, gemmNR)
				}
				next = hi
			}
			if next != total {
				t.Fatalf("total=%d parts=%d: bands end at %d", total, parts, next)
			}
		}
	}
}

// TestSgemmConcurrentCalls runs many Sgemm calls at once, which makes the
// worker pool busy so that pieces also run on the calling goroutines.
func TestSgemmConcurrentCalls(t *testing.T) {
	const m, n, k = 64, 512, 256
	rng := rand.New(rand.NewPCG(23, 24))
	a := randomFloats(rng, m*k, 0)
	b := randomFloats(rng, k*n, 0)
	want := make([]float32, m*n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)

	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 16 {
		wg.Go(func() {
			got := make([]float32, m*n)
			Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, got, n)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					errs <- "concurrent Sgemm result differs from a lone call"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestThreadsAtLeastOne(t *testing.T) {
	defer SetThreads(0)
	SetThreads(-3)
	if Threads() < 1 {
		t.Fatalf("Threads() = %d after SetThreads(-3), want at least 1", Threads())
	}
	SetThreads(5)
	if Threads() != 5 {
		t.Fatalf("Threads() = %d after SetThreads(5), want 5", Threads())
	}
}

// TestParallelForRaisesPanicsInCaller checks that a panic in a piece,
// whichever goroutine runs it, reaches the caller, where it can be
// recovered, instead of ending the process.
func TestParallelForRaisesPanicsInCaller(t *testing.T) {
	for failing := 0; failing < 3; failing++ {
		recovered := func() (r any) {
			defer func() { r = recover() }()
			ParallelFor(3, func(i int) {
				if i == failing {
					panic(fmt.Sprintf("piece %d fails", i))
				}
			})
			return nil
		}()
		if want := fmt.Sprintf("piece %d fails", failing); recovered != want {
			t.Errorf("failing piece %d: recovered %v, want %q", failing, recovered, want)
		}
	}
}

func TestSgemmSingleRowPropagatesNaN(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		inf := float32(math.Inf(1))
		for _, beta := range []float32{0, 1} {
			c := []float32{0, 0}
			Sgemm(false, false, 1, 2, 2, 1, []float32{0, 0}, 2, []float32{inf, 1, 2, 3}, 2, beta, c, 2)
			if !math.IsNaN(float64(c[0])) || c[1] != 0 {
				t.Errorf("beta=%v: [0 0]·[[Inf 1] [2 3]] = %v, want [NaN 0]", beta, c)
			}
		}
	})
}
