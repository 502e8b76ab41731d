package kernels

import "sync"

// bufferList is a free list of slices that kernels borrow for the length
// of a call. Unlike a sync.Pool it is never emptied by the garbage
// collector, so steady-state calls allocate nothing; it holds as many
// buffers as calls have ever used at once.
type bufferList[T any] struct {
	sync.Mutex
	free  [][]T
	alloc func(n int) []T
}

// get returns a buffer of n elements, reusing a free one with room for n.
func (l *bufferList[T]) get(n int) []T {
	l.Lock()
	defer l.Unlock()
	for i, buf := range l.free {
		if cap(buf) >= n {
			last := len(l.free) - 1
			l.free[i] = l.free[last]
			l.free = l.free[:last]
			return buf[:n]
		}
	}
	return l.alloc(n)
}

// put returns buf to the list.
func (l *bufferList[T]) put(buf []T) {
	l.Lock()
	l.free = append(l.free, buf)
	l.Unlock()
}

// scratch holds float32 buffers, 64-byte aligned, for the planes that
// kernels pad; intScratch holds int buffers for tap offsets.
var (
	scratch    = bufferList[float32]{alloc: alignedFloats}
	intScratch = bufferList[int]{alloc: func(n int) []int { return make([]int, n) }}
)

func getScratch(n int) []float32 { return scratch.get(n) }
func putScratch(buf []float32)   { scratch.put(buf) }
func getIntScratch(n int) []int  { return intScratch.get(n) }
func putIntScratch(buf []int)    { intScratch.put(buf) }
