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
