// Package memo keeps the result of an expensive read of what changes only
// with the hardware (a walk of the sysfs device tree) between scans: until
// it is older than MaxAge, or Forget is called (a device event).
package memo

import (
	"sync"
	"time"
)

// Memo holds one result. The zero Memo keeps its result until Forget; a
// nil *Memo keeps nothing.
type Memo[T any] struct {
	// MaxAge bounds how long a result is kept; 0 keeps it until Forget.
	MaxAge time.Duration

	mu  sync.Mutex
	v   T
	at  time.Time
	set bool
}

// Get returns the kept result, or read's, which is kept when it did not
// fail.
func (m *Memo[T]) Get(read func() (T, error)) (T, error) {
	if m == nil {
		return read()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.set && (m.MaxAge <= 0 || time.Since(m.at) <= m.MaxAge) {
		return m.v, nil
	}
	v, err := read()
	if err == nil {
		m.v, m.at, m.set = v, time.Now(), true
	}
	return v, err
}

// Forget drops the kept result.
func (m *Memo[T]) Forget() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var zero T
	m.v, m.set = zero, false
}
