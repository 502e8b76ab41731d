// Package freelist provides a free list for objects that steady-state
// code reuses between calls, such as the state of a parallel call or the
// buffers of a model run.
//
// A sync.Pool does not keep steady-state code free of allocations. The
// garbage collector empties it, and an object put back on one processor
// sits in that processor's private slot, where a Get on another processor
// does not look. A goroutine that moves between processors therefore
// misses objects that are idle. A List has neither fault. It keeps every
// object put back until the program drops the List, so it holds as many
// objects as its users ever held at once.
package freelist

import "sync"

// List is a free list of *T. The zero value is an empty list, ready to
// use. It is safe for concurrent use.
type List[T any] struct {
	mu   sync.Mutex
	free []*T
}

// Get removes an object from the list and returns it, or returns nil if
// the list is empty.
func (l *List[T]) Get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.free)
	if n == 0 {
		return nil
	}
	x := l.free[n-1]
	l.free[n-1] = nil
	l.free = l.free[:n-1]
	return x
}

// GetOrNew returns an object from the list, or a new zero T if the list
// is empty.
func (l *List[T]) GetOrNew() *T {
	if x := l.Get(); x != nil {
		return x
	}
	return new(T)
}

// Put adds x to the list. It allocates only when the list grows past its
// longest length so far. Put(nil) does nothing.
func (l *List[T]) Put(x *T) {
	if x == nil {
		return
	}
	l.mu.Lock()
	l.free = append(l.free, x)
	l.mu.Unlock()
}

// Len returns the number of objects in the list.
func (l *List[T]) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.free)
}
