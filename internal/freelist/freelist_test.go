package freelist

import (
	"runtime"
	"sync"
	"testing"
)

func TestGetReturnsPutObjects(t *testing.T) {
	var l List[int]
	if x := l.Get(); x != nil {
		t.Fatalf("Get on an empty list returned %v, want nil", x)
	}
	if x := l.GetOrNew(); x == nil || *x != 0 {
		t.Fatalf("GetOrNew on an empty list returned %v, want a new zero int", x)
	}

	a, b := new(int), new(int)
	l.Put(a)
	l.Put(b)
	l.Put(nil)
	if n := l.Len(); n != 2 {
		t.Fatalf("Len after two Puts and Put(nil) = %d, want 2", n)
	}
	first, second := l.Get(), l.Get()
	if !(first == b && second == a) {
		t.Errorf("Get returned %p then %p, want %p then %p (last in, first out)", first, second, b, a)
	}
	if x := l.Get(); x != nil {
		t.Errorf("Get after taking both objects returned %p, want nil", x)
	}
}

// TestSurvivesGarbageCollection checks what a sync.Pool lacks: an object
// put back is still there after collections, so reusing it allocates
// nothing.
func TestSurvivesGarbageCollection(t *testing.T) {
	var l List[[64]byte]
	l.Put(new([64]byte))
	allocs := testing.AllocsPerRun(20, func() {
		x := l.GetOrNew()
		runtime.GC()
		l.Put(x)
		runtime.GC()
	})
	if allocs != 0 {
		t.Errorf("Get and Put across garbage collections allocate %v times per run, want 0", allocs)
	}
}

// TestConcurrentUseKeepsEveryObject checks that no object is lost or
// handed to two goroutines at once: each goroutine marks the object it
// holds and checks that no other goroutine marked it meanwhile.
func TestConcurrentUseKeepsEveryObject(t *testing.T) {
	type object struct{ owner int }
	var l List[object]
	const goroutines, rounds = 8, 2000
	var wg sync.WaitGroup
	errs := make(chan string, goroutines)
	for g := 1; g <= goroutines; g++ {
		wg.Go(func() {
			for range rounds {
				x := l.GetOrNew()
				if x.owner != 0 {
					errs <- "an object came out of the list while another goroutine held it"
					return
				}
				x.owner = g
				runtime.Gosched()
				if x.owner != g {
					errs <- "an object was written by two goroutines at once"
					return
				}
				x.owner = 0
				l.Put(x)
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
	if n := l.Len(); n < 1 || n > goroutines {
		t.Errorf("the list holds %d objects after the run, want 1 to %d", n, goroutines)
	}
}
