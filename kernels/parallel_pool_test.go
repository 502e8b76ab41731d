package kernels

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallelForNestedStress runs nested parallel calls from several
// goroutines at once. Pieces then go to idle and busy workers and run on
// the callers. It checks that every index of every call runs once and
// that no call waits forever for a worker that waits for it.
func TestParallelForNestedStress(t *testing.T) {
	defer SetThreads(0)
	SetThreads(max(4, runtime.NumCPU()))
	rounds := 200
	if testing.Short() {
		rounds = 40
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		var callers sync.WaitGroup
		for c := range 4 {
			callers.Add(1)
			go func() {
				defer callers.Done()
				for r := range rounds {
					outer := 2 + (c+r)%5
					counts := make([]atomic.Int32, outer*7)
					parallelFor(outer, func(i int) {
						parallelFor(7, func(j int) {
							counts[i*7+j].Add(1)
						})
					})
					for k := range counts {
						if got := counts[k].Load(); got != 1 {
							t.Errorf("caller %d round %d: piece %d ran %d times, want 1", c, r, k, got)
							return
						}
					}
					switch r % 32 {
					case 0:
						// A gap that polling workers bridge.
						time.Sleep(200 * time.Microsecond)
					case 16:
						// Let the workers park, so that the next
						// call has to wake them.
						time.Sleep(2 * workerSpin)
					}
				}
			}()
		}
		callers.Wait()
	}()

	waitOrFail(t, done, "nested parallel calls")
}

// TestParallelPiecesHoldingALock runs pieces that each take one mutex
// around a parallel Sgemm. The goroutine that holds the mutex must compute
// only its own Sgemm's pieces: were it to take another piece of the outer
// call from the queue, that piece would wait for the mutex it holds.
func TestParallelPiecesHoldingALock(t *testing.T) {
	defer SetThreads(0)
	SetThreads(2)
	const size = 256
	a, b, c := make([]float32, size*size), make([]float32, size*size), make([]float32, size*size)

	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			ParallelFor(8, func(int) {
				mu.Lock()
				defer mu.Unlock()
				Sgemm(false, false, size, size, size, 1, a, size, b, size, 0, c, size)
			})
		}
	}()

	waitOrFail(t, done, "pieces that hold a lock around a parallel call")
}

// waitOrFail waits for done to close and fails the test if that takes
// more than 2 minutes, which means the calls named by what deadlocked.
func waitOrFail(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s did not finish within 2 minutes", what)
	}
}

// TestParallelGoexitKeepsWorkers checks that a piece calling
// runtime.Goexit on a worker, as t.FailNow does, neither hangs the call
// nor shrinks the pool: the worker starts a replacement.
func TestParallelGoexitKeepsWorkers(t *testing.T) {
	defer SetThreads(0)
	SetThreads(2)
	ParallelFor(2, func(int) {})
	time.Sleep(2 * workerSpin)
	before := runtime.NumGoroutine()

	for range 20 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			caller := goroutineID()
			onWorker := make(chan struct{})
			ParallelFor(2, func(int) {
				// Exit only on a worker, so that the caller returns.
				if goroutineID() != caller {
					close(onWorker)
					runtime.Goexit()
				}
				// Give a worker the time to take the other piece.
				select {
				case <-onWorker:
				case <-time.After(100 * time.Millisecond):
				}
			})
		}()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("a call whose piece called runtime.Goexit did not return")
		}
	}

	time.Sleep(2 * workerSpin)
	if after := runtime.NumGoroutine(); after < before {
		t.Errorf("%d goroutines after 20 calls whose worker piece called runtime.Goexit, want at least %d", after, before)
	}
}

// goroutineID returns the calling goroutine's id from its stack header,
// for tests only.
func goroutineID() string {
	var buf [64]byte
	header := string(buf[:runtime.Stack(buf[:], false)])
	id, _, _ := strings.Cut(strings.TrimPrefix(header, "goroutine "), " ")
	return id
}
