package kernels

import (
	"runtime"
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

	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("nested parallel calls did not finish within 2 minutes")
	}
}
