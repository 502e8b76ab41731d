package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simdnn/simdnn/internal/freelist"
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

// parallelCall is one parallel call: its job, its n pieces, how many
// are still unclaimed and how many have finished, and the first panic of
// a piece, which the caller raises again once every piece has finished.
// Goroutines claim pieces by counting unclaimed down, so each piece runs
// once.
//
// Calls are recycled through freeCalls as soon as their caller returns,
// even while tickets for them still wait in the queue. A worker that takes
// such a stale ticket finds nothing left to claim, or claims pieces of the
// call's next use, which is work a ticket was queued for too. It reads job
// and n only after a claim succeeds, and a claimed piece keeps the call
// from finishing, so what it reads belongs to the use it claimed from.
// Recycling a call only once its last ticket was served would let a
// worker that the host does not schedule pin one call per kernel call, so
// that every call allocated.
type parallelCall struct {
	job       Pieces
	n         int
	unclaimed atomic.Int64 // pieces not yet claimed, below 0 once all are
	finished  atomic.Int64
	panicked  atomic.Bool
	recovered any // written by the piece that set panicked
}

// freeCalls holds the calls that no caller uses. It is a free list, not
// a sync.Pool, so that no garbage collection and no move of the caller to
// another processor makes a call allocate.
var freeCalls freelist.List[parallelCall]

// start prepares a recycled call for job. It stores unclaimed last, so
// that a goroutine whose claim succeeds reads this job and n.
func (call *parallelCall) start(n int, job Pieces) {
	call.job, call.n = job, n
	call.finished.Store(0)
	call.unclaimed.Store(int64(n))
}

// work claims and runs pieces of the call until none is left.
func (call *parallelCall) work() {
	for {
		unclaimed := call.unclaimed.Add(-1)
		if unclaimed < 0 {
			return
		}
		call.runPiece(call.n - 1 - int(unclaimed))
	}
}

// runPiece runs piece i, recording a panic instead of letting it end the
// process, so that the caller can raise it where it can be recovered. It
// counts the piece as finished however it ends, runtime.Goexit included.
func (call *parallelCall) runPiece(i int) {
	defer func() {
		if r := recover(); r != nil && call.panicked.CompareAndSwap(false, true) {
			call.recovered = r
		}
		call.finished.Add(1)
	}()
	call.job.Piece(i)
}

// recycle clears the call, so that the pool holds no reference to the
// caller's job, and returns it to the pool. Only the caller recycles, once
// every piece has finished.
func (call *parallelCall) recycle() {
	call.job, call.recovered = nil, nil
	call.panicked.Store(false)
	freeCalls.Put(call)
}

// jobPool recycles the argument structs of one kind of parallel call.
type jobPool[J any] struct{ free freelist.List[J] }

// get returns a job to fill in.
func (p *jobPool[J]) get() *J { return p.free.GetOrNew() }

// put clears j, so that the pool holds no reference to the caller's
// slices, and returns it to the pool.
func (p *jobPool[J]) put(j *J) {
	var zero J
	*j = zero
	p.free.Put(j)
}

// workerSpin is how long a worker keeps polling for the next ticket after
// serving one, before it parks. Starting a piece on a parked worker took
// 65–135 µs on a 2-core KVM guest (the idle vCPU halts), longer than many
// whole layers, while consecutive layers of one inference come
// microseconds apart. Polling bridges those gaps, as ONNX Runtime's
// spinning thread pool does, and stops soon after the last call.
const workerSpin = time.Millisecond

// workerPool is a set of goroutines that live for the whole process, so
// that a parallel call costs a channel send per ticket instead of a
// goroutine start.
//
// A ticket is a call that wants one more goroutine. Tickets wait in
// tickets until a polling worker takes one, and no goroutine blocks on
// that channel. A parked worker blocks on wake instead, and a caller sends
// a token there only when fewer workers poll than it queued tickets. Were
// parked workers blocked on tickets, the channel would hand each ticket
// straight to one of them, ahead of the workers that poll, and the work
// would wait until the parked one's thread woke.
var workerPool struct {
	once    sync.Once
	tickets chan *parallelCall
	wake    chan struct{}
	polling atomic.Int32 // workers in pollTicket
}

// startWorkers starts the pool with one goroutine per CPU.
func startWorkers() {
	n := max(runtime.NumCPU(), 1)
	workerPool.tickets = make(chan *parallelCall, 4*n)
	workerPool.wake = make(chan struct{}, n)
	for range n {
		go worker()
	}
}

// worker serves tickets until the process ends. It polls for the next
// ticket for workerSpin after the last one, then parks until a caller
// wakes it.
func worker() {
	pool := &workerPool
	for {
		pool.polling.Add(1)
		for {
			call, ok := pollTicket(pool.tickets, workerSpin)
			if !ok {
				break
			}
			pool.polling.Add(-1)
			serve(call)
			pool.polling.Add(1)
		}
		pool.polling.Add(-1)

		// A caller that queued a ticket while this worker stopped
		// polling may have counted it as polling and sent no token.
		// Look once more after leaving the count, so that such a
		// ticket is not left to the caller alone.
		select {
		case call := <-pool.tickets:
			serve(call)
			continue
		default:
		}
		<-pool.wake
	}
}

// serve works on call for a worker. A piece that calls runtime.Goexit ends the worker's
// goroutine, which no recover stops, so serve then starts a replacement.
func serve(call *parallelCall) {
	returned := false
	defer func() {
		if !returned {
			go worker()
		}
	}()
	call.work()
	returned = true
}

// wakeWorkers makes sure that up to queued workers are looking for
// tickets, sending a token to parked ones when fewer than that poll. A
// token that finds no parked worker waits in the channel and later starts
// one polling round that finds nothing, which costs only that round.
func wakeWorkers(queued int) {
	for range queued - int(workerPool.polling.Load()) {
		select {
		case workerPool.wake <- struct{}{}:
		default:
			return
		}
	}
}

// spin calls ready until it reports true or d has passed, without
// parking the thread, and reports whether ready did. It yields between
// calls, so that other goroutines waiting for this processor still run.
// Yielding puts this goroutine on the global run queue, from which its own
// processor takes it back at once when nothing else waits.
func spin(d time.Duration, ready func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		// Reading the clock costs more than a call of ready, so it is
		// read once per batch of calls (a few microseconds).
		for range 32 {
			if ready() {
				return true
			}
			runtime.Gosched()
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// pollTicket waits up to d for a ticket without parking the thread.
func pollTicket(tickets chan *parallelCall, d time.Duration) (*parallelCall, bool) {
	var call *parallelCall
	ok := spin(d, func() bool {
		select {
		case call = <-tickets:
			return true
		default:
			return false
		}
	})
	return call, ok
}

// waitFinished returns once every piece of call has finished. It spins
// for up to workerSpin and then sleeps between checks. It does not park
// until the last piece wakes it. A goroutine woken that way is queued on
// the processor of the worker that woke it, behind that worker. Its own
// processor meanwhile sleeps, and waking it takes tens of microseconds on
// a virtual machine.
func waitFinished(call *parallelCall) {
	n := int64(call.n)
	finished := func() bool { return call.finished.Load() == n }
	if spin(workerSpin, finished) {
		return
	}
	for !finished() {
		// A piece that runs this long is worth far more than the
		// sleep's wake-up.
		time.Sleep(20 * time.Microsecond)
	}
}

// parallelFor calls f(i) for i in [0, n) as parallelRun does.
func parallelFor(n int, f func(i int)) {
	parallelRun(n, pieceFunc(f))
}

// parallelRun computes pieces [0, n) of job: it queues up to n-1 tickets
// for the worker pool and then claims and computes pieces itself until
// none is left. It returns when every piece has finished. The caller runs
// no other call's pieces, so a piece may hold a lock around a nested
// parallel call. A panic in a piece is raised again on the calling
// goroutine once every piece has finished.
func parallelRun(n int, job Pieces) {
	if n <= 1 {
		if n == 1 {
			job.Piece(0)
		}
		return
	}
	workerPool.once.Do(startWorkers)

	call := freeCalls.GetOrNew()
	call.start(n, job)
	queued := 0
	for range n - 1 {
		select {
		case workerPool.tickets <- call:
			queued++
		default:
			// The queue is full (other calls are running): this
			// goroutine claims the piece instead.
		}
	}
	wakeWorkers(queued)

	// A piece that calls runtime.Goexit ends this goroutine here, as it
	// would have without the pool; the call is then never recycled.
	call.work()
	waitFinished(call)

	panicked, recovered := call.panicked.Load(), call.recovered
	call.recycle()
	if panicked {
		panic(recovered)
	}
}

// ParallelFor calls f(i) for every i in [0, n) on the worker pool that
// the kernels use, and returns when all calls have returned. The calls run
// concurrently, so f must be safe for that. A goroutine waiting for its
// own call computes that call's unclaimed pieces and never another
// call's. Nested calls therefore do not deadlock, even when f holds a lock
// around a kernel that splits its work. A panic in a call is raised again
// in the caller. Layers use ParallelFor to split a batch across cores.
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
