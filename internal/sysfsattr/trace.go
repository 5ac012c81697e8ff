package sysfsattr

import "sync/atomic"

// tracer is the function Trace installed, nil when none: one atomic load
// per read is all tracing costs when off.
var tracer atomic.Pointer[func(string)]

// Trace calls fn with the path of every file this package opens, stats or
// reads a link of, and every folder it lists, until stop is called. It is
// for tests that check what a collector reads against what a capture
// copies; fn is called from many goroutines at once. One tracer at a
// time: a second call replaces the first.
func Trace(fn func(path string)) (stop func()) {
	tracer.Store(&fn)
	return func() { tracer.CompareAndSwap(&fn, nil) }
}

func trace(path string) {
	if fn := tracer.Load(); fn != nil {
		(*fn)(path)
	}
}
