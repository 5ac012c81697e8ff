package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestForCallsEachIndexOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n, cpu int
	}{
		{"nothing", 0, 4},
		{"one", 1, 4},
		{"one core", 137, 1},
		{"more items than workers", 4110, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tc.cpu))
			calls := make([]atomic.Int32, tc.n)
			For(tc.n, func(i int) { calls[i].Add(1) })
			for i := range calls {
				if c := calls[i].Load(); c != 1 {
					t.Fatalf("index %d called %d times", i, c)
				}
			}
		})
	}
}

// TestForRaisesPanicInCaller: a panicking call must reach the caller's
// goroutine, where the collector registry recovers it, not kill the
// process from a worker.
func TestForRaisesPanicInCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var calls atomic.Int32
	defer func() {
		r := recover()
		if r != "index 7 is garbage" {
			t.Errorf("recovered %v", r)
		}
		if c := calls.Load(); c != 100 {
			t.Errorf("%d calls: the others must still run", c)
		}
	}()
	For(100, func(i int) {
		calls.Add(1)
		if i == 7 {
			panic("index 7 is garbage")
		}
	})
	t.Error("For returned")
}
