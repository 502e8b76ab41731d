package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// threads is the number of goroutines that one kernel call may use;
// 0 means runtime.GOMAXPROCS(0) at the time of the call.
var threads atomic.Int32

// SetThreads sets how many goroutines one Sgemm call (and the layers built
// on it) may use. n <= 0 restores the default, GOMAXPROCS. Results do not
// depend on the count: every element of C is computed by the same
// sequence of operations whichever goroutine computes it.
//
// The goroutines past the first come from a pool that lives for the whole
// process. After a parallel call they poll for the next one for about a
// millisecond (workerSpin) before they park, so a process that has just
// run a model keeps its cores busy that long.
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

// Pieces is work split into pieces that may run concurrently: Piece(i)
// computes piece i. The kernels implement it with pointers to pooled
// argument structs (see jobPool), because a closure handed to another
// goroutine is allocated on every call, and steady-state inference must
// allocate nothing.
type Pieces interface {
	Piece(i int)
}

// pieceFunc adapts a function to Pieces, for callers that accept the
// closure's allocation.
type pieceFunc func(i int)

func (f pieceFunc) Piece(i int) { f(i) }

// task is piece i of a parallel call.
type task struct {
	job  Pieces
	i    int
	call *parallelCall
}

// parallelCall is the state that the pieces of one parallel call share.
// It counts the queued pieces that no goroutine has taken yet and those
// that have not finished. It keeps the first panic of a piece, which the
// caller raises again once every piece has finished. Calls are recycled
// through callPool. A piece touches its call for the last time when it
// counts itself finished, so the caller may recycle the call once
// unfinished is 0.
type parallelCall struct {
	unclaimed  atomic.Int32
	unfinished atomic.Int32
	panicked   atomic.Bool
	recovered  any // written by the piece that set panicked
}

var callPool = sync.Pool{New: func() any { return new(parallelCall) }}

// run computes the piece, recording a panic instead of letting it end the
// process, so that the caller can raise it where it can be recovered.
func (t task) run() {
	call := t.call
	call.unclaimed.Add(-1)
	defer func() {
		if r := recover(); r != nil && call.panicked.CompareAndSwap(false, true) {
			call.recovered = r
		}
		call.unfinished.Add(-1)
	}()
	t.job.Piece(t.i)
}

// jobPool recycles the argument structs of one kind of parallel call.
type jobPool[J any] struct{ pool sync.Pool }

// get returns a job to fill in.
func (p *jobPool[J]) get() *J {
	if j, ok := p.pool.Get().(*J); ok {
		return j
	}
	return new(J)
}

// put clears j, so that the pool holds no reference to the caller's
// slices, and returns it to the pool.
func (p *jobPool[J]) put(j *J) {
	var zero J
	*j = zero
	p.pool.Put(j)
}

// workerSpin is how long a worker keeps polling for the next piece after
// finishing one, before it parks. Starting a piece on a parked worker took
// 65–135 µs on a 2-core KVM guest (the idle vCPU halts), longer than many
// whole layers, while consecutive layers of one inference come
// microseconds apart. Polling bridges those gaps, as ONNX Runtime's spinning thread
// pool does, and stops soon after the last call.
const workerSpin = time.Millisecond

// workerPool is a set of goroutines that live for the whole process, so
// that a parallel call costs a channel send per piece instead of a
// goroutine start.
//
// Pieces wait in tasks until a polling worker or the caller itself takes
// them, and no goroutine blocks on tasks. A parked worker blocks on wake instead,
// and a caller sends a token there only when fewer workers poll than it
// queued pieces. Were parked workers blocked on tasks, the channel would
// hand each piece straight to one of them, ahead of the workers that
// poll, and the piece would wait until the parked one's thread woke.
var workerPool struct {
	once    sync.Once
	tasks   chan task
	wake    chan struct{}
	polling atomic.Int32 // workers in pollTask
}

// startWorkers starts the pool with one goroutine per CPU.
func startWorkers() {
	n := max(runtime.NumCPU(), 1)
	workerPool.tasks = make(chan task, 4*n)
	workerPool.wake = make(chan struct{}, n)
	for range n {
		go worker()
	}
}

// worker runs pieces until the process ends. It polls for the next piece
// for workerSpin after the last one, then parks until a caller wakes it.
func worker() {
	pool := &workerPool
	for {
		pool.polling.Add(1)
		for {
			t, ok := pollTask(pool.tasks, workerSpin)
			if !ok {
				break
			}
			pool.polling.Add(-1)
			t.run()
			pool.polling.Add(1)
		}
		pool.polling.Add(-1)

		// A caller that queued a piece while this worker stopped
		// polling may have counted it as polling and sent no token.
		// Look once more after leaving the count, so that such a
		// piece is not left to the caller alone.
		select {
		case t := <-pool.tasks:
			t.run()
			continue
		default:
		}
		<-pool.wake
	}
}

// wakeWorkers makes sure that up to queued workers are looking for pieces,
// sending a token to parked ones when fewer than that poll. A token that
// finds no parked worker waits in the channel and later starts one
// polling round that finds nothing, which costs only that round.
func wakeWorkers(queued int) {
	for range queued - int(workerPool.polling.Load()) {
		select {
		case workerPool.wake <- struct{}{}:
		default:
			return
		}
	}
}

// pollTask waits up to d for a piece without parking the thread. It
// yields between polls, so that other goroutines waiting for this
// processor still run. Yielding puts this goroutine on the global run
// queue, from which its own processor takes it back at once when nothing
// else waits.
func pollTask(tasks chan task, d time.Duration) (task, bool) {
	deadline := time.Now().Add(d)
	for {
		// Reading the clock costs more than a poll, so it is read once
		// per batch of polls (a few microseconds).
		for range 32 {
			select {
			case t := <-tasks:
				return t, true
			default:
			}
			runtime.Gosched()
		}
		if time.Now().After(deadline) {
			return task{}, false
		}
	}
}

// helpUntilClaimed runs queued pieces on the calling goroutine until no
// piece of call is left in the queue. A piece it takes may belong to
// another call, and it runs that one too. This keeps nested and
// concurrent calls free of deadlock, because a goroutine then waits only
// for pieces that are already running.
func helpUntilClaimed(call *parallelCall) {
	for call.unclaimed.Load() > 0 {
		select {
		case t := <-workerPool.tasks:
			t.run()
		default:
			// The queue is empty, so every piece is running somewhere.
			return
		}
	}
}

// waitFinished returns once every queued piece of call has finished. It
// polls, yielding in between, for up to workerSpin, and then sleeps
// between polls. It does not park until the last piece wakes it. A
// goroutine woken that way is queued on the processor of the worker that
// woke it, behind that worker. Its own processor meanwhile sleeps, and
// waking it takes tens of microseconds on a virtual machine.
func waitFinished(call *parallelCall) {
	deadline := time.Now().Add(workerSpin)
	for call.unfinished.Load() > 0 {
		for range 32 {
			if call.unfinished.Load() == 0 {
				return
			}
			runtime.Gosched()
		}
		if time.Now().After(deadline) {
			// A piece that runs this long is worth far more than
			// the sleep's wake-up.
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// parallelFor calls f(i) for i in [0, n) as parallelRun does.
func parallelFor(n int, f func(i int)) {
	parallelRun(n, pieceFunc(f))
}

// parallelRun computes pieces [0, n) of job: it queues all but the last
// for the worker pool, computes the last on the caller, and then computes
// any queued piece that no worker has taken yet. It returns when every
// piece has finished. A panic in a piece is raised again on the calling
// goroutine once every piece has finished.
func parallelRun(n int, job Pieces) {
	if n <= 1 {
		if n == 1 {
			job.Piece(0)
		}
		return
	}
	workerPool.once.Do(startWorkers)

	call := callPool.Get().(*parallelCall)
	call.unclaimed.Store(int32(n - 1))
	call.unfinished.Store(int32(n - 1))
	for i := 0; i < n-1; i++ {
		t := task{job: job, i: i, call: call}
		select {
		case workerPool.tasks <- t:
		default:
			// The queue is full (other calls are running): do this
			// piece here rather than wait.
			t.run()
		}
	}
	wakeWorkers(int(call.unclaimed.Load()))

	// The caller's own piece: if it panics, finish the other pieces
	// first, so that none still runs when the panic unwinds the caller.
	func() {
		defer func() {
			if r := recover(); r != nil {
				helpUntilClaimed(call)
				waitFinished(call)
				panic(r)
			}
		}()
		job.Piece(n - 1)
	}()
	helpUntilClaimed(call)
	waitFinished(call)

	panicked, recovered := call.panicked.Load(), call.recovered
	call.panicked.Store(false)
	call.recovered = nil
	callPool.Put(call)
	if panicked {
		panic(recovered)
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

// ParallelRun is ParallelFor for work held in a value: it computes
// p.Piece(i) for every i in [0, n). A pointer to a reused struct passed as
// p allocates nothing, where the closure that ParallelFor takes is
// allocated on every call.
func ParallelRun(n int, p Pieces) {
	parallelRun(n, p)
}
