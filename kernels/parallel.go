package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// threads is the number of goroutines that one kernel call may use;
// 0 means runtime.GOMAXPROCS(0) at the time of the call.
var threads atomic.Int32

// SetThreads sets how many goroutines one Sgemm call (and the layers built
// on it) may use. n <= 0 restores the default, GOMAXPROCS. Results do not
// depend on the count: every element of C is computed by the same
// sequence of operations whichever goroutine computes it.
func SetThreads(n int) {
	threads.Store(int32(max(n, 0)))
}

// Threads returns the number of goroutines that one kernel call may use,
// at least 1.
func Threads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return max(runtime.GOMAXPROCS(0), 1)
}

// task is one piece of a parallel call: run f(i) and report to done.
type task struct {
	f    func(i int)
	i    int
	done *sync.WaitGroup
	call *parallelCall
}

// parallelCall is the state that the pieces of one parallelFor share: the
// first panic of a piece that ran on a worker, which parallelFor raises
// again on the calling goroutine.
type parallelCall struct {
	once      sync.Once
	recovered any
	panicked  bool
}

// run calls t.f(t.i) on a worker, recording a panic instead of letting it
// end the process, so that the caller can raise it where it can be
// recovered.
func (t task) run() {
	defer t.done.Done()
	defer func() {
		if r := recover(); r != nil {
			t.call.once.Do(func() {
				t.call.recovered, t.call.panicked = r, true
			})
		}
	}()
	t.f(t.i)
}

// workerPool is a set of goroutines that live for the whole process, so
// that a parallel call costs a channel send per piece instead of a
// goroutine start.
var workerPool struct {
	once  sync.Once
	tasks chan task
}

// startWorkers starts the pool with one goroutine per CPU. Calls that ask
// for more pieces than there are workers still finish, because the
// calling goroutine runs pieces itself when no worker is free.
func startWorkers() {
	workerPool.tasks = make(chan task)
	for range max(runtime.NumCPU(), 1) {
		go func() {
			for t := range workerPool.tasks {
				t.run()
			}
		}()
	}
}

// parallelFor calls f(i) for i in [0, n), using the worker pool for all but
// the last piece, which the caller runs. It returns when every call has
// returned. A panic in a piece is raised again on the calling goroutine
// once every piece has finished.
func parallelFor(n int, f func(i int)) {
	if n <= 1 {
		if n == 1 {
			f(0)
		}
		return
	}
	workerPool.once.Do(startWorkers)

	var done sync.WaitGroup
	var call parallelCall
	done.Add(n - 1)
	for i := 0; i < n-1; i++ {
		t := task{f: f, i: i, done: &done, call: &call}
		select {
		case workerPool.tasks <- t:
		default:
			// Every worker is busy (another call is running): do this
			// piece here rather than wait.
			t.run()
		}
	}

	// The caller's own piece: if it panics, wait for the workers first, so
	// that none still runs f when the panic unwinds the caller.
	func() {
		defer func() {
			if r := recover(); r != nil {
				done.Wait()
				panic(r)
			}
		}()
		f(n - 1)
	}()
	done.Wait()
	if call.panicked {
		panic(call.recovered)
	}
}

// ParallelFor calls f(i) for every i in [0, n) on the worker pool that
// the kernels use, and returns when all calls have returned. The calls run
// concurrently, so f must be safe for that. Kernels called inside f run
// their own pieces on the calling goroutine when every worker is busy, so
// nesting never deadlocks. A panic in a call is raised again in the
// caller. Layers use ParallelFor to split a batch across cores.
func ParallelFor(n int, f func(i int)) {
	parallelFor(n, f)
}
