// Package memo keeps, between scans, the results of reads of what changes
// only with the hardware (a walk of the sysfs device tree: Memo; each
// device's identity: Map): until they are older than MaxAge, or Forget is
// called (a device event).
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

// Map keeps results by key, as Memo keeps one: each until it is older
// than MaxAge, or Forget is called (a device event). A nil *Map keeps
// nothing.
type Map[K comparable, V any] struct {
	// MaxAge bounds how long a result is kept; 0 keeps it until Forget.
	MaxAge time.Duration

	mu sync.Mutex
	m  map[K]entry[V]
	// forgets counts the calls of Forget, for PutUnlessForgotten.
	forgets uint64
}

type entry[V any] struct {
	v  V
	at time.Time
}

// Get returns the result kept for k; ok is false when none is, or it
// was older than MaxAge.
func (m *Map[K, V]) Get(k K) (v V, ok bool) {
	if m == nil {
		return v, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[k]
	if !ok || m.MaxAge > 0 && time.Since(e.at) > m.MaxAge {
		delete(m.m, k)
		return v, false
	}
	return e.v, true
}

// Put keeps v for k.
func (m *Map[K, V]) Put(k K, v V) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(k, v)
}

func (m *Map[K, V]) put(k K, v V) {
	if m.m == nil {
		m.m = map[K]entry[V]{}
	}
	m.m[k] = entry[V]{v, time.Now()}
}

// Forgets is the number of calls of Forget so far: noted before a read
// that is not held under the Map's lock, for PutUnlessForgotten.
func (m *Map[K, V]) Forgets() uint64 {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.forgets
}

// PutUnlessForgotten keeps v for k unless Forget was called after
// Forgets returned since: what was read before a device event may
// predate what the event brought.
func (m *Map[K, V]) PutUnlessForgotten(since uint64, k K, v V) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.forgets == since {
		m.put(k, v)
	}
}

// Forget drops every result kept.
func (m *Map[K, V]) Forget() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m = nil
	m.forgets++
}
