// Package parallel spreads the independent reads of a sysfs walk over the
// CPUs. Each read is a few system calls that wait on nothing but the
// kernel, so a walk of hundreds of devices or CPUs finishes in a fraction
// of the time on a machine with more than one core.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// MaxWorkers bounds the goroutines of one walk, so that a scan on a
// 200-core host does not occupy every core for its sysfs reads.
const MaxWorkers = 8

// For calls fn(i) for every i in [0, n) from up to min(GOMAXPROCS,
// MaxWorkers) goroutines and returns when all calls have. fn must only
// write to what index i owns. A panic in fn is raised again in the
// caller's goroutine, after the other calls finished, so the collector
// that called For fails alone instead of the process.
func For(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), MaxWorkers, n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var panicked atomic.Pointer[any]
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					panicked.CompareAndSwap(nil, &r)
				}
			}()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
	if r := panicked.Load(); r != nil {
		panic(*r)
	}
}
