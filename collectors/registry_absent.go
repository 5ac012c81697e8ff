package collectors

import (
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// absences keeps, between heard scans, the status of each collector that
// found no source (no hwmon chip, no BMC device, no GPU library). A
// source comes with a device (a chip registered, a driver bound), so it
// is not looked for again until a device event, or maxAge. A nil
// *absences keeps nothing.
type absences struct {
	maxAge time.Duration

	mu sync.Mutex
	// gen counts the forgets: an absence read before one is not kept
	// after it (the event may have brought the source mid-read).
	gen  uint64
	kept map[string]absence
}

type absence struct {
	st topology.CollectorStatus
	at time.Time
}

// generation is the number of forgets so far, for put.
func (a *absences) generation() uint64 {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen
}

// get returns the kept absence of the named collector.
func (a *absences) get(name string) (topology.CollectorStatus, bool) {
	if a == nil {
		return topology.CollectorStatus{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	k, ok := a.kept[name]
	if !ok || a.maxAge > 0 && time.Since(k.at) > a.maxAge {
		delete(a.kept, name)
		return topology.CollectorStatus{}, false
	}
	return k.st, true
}

// put keeps st, found by a call started at generation gen, unless a
// forget came since.
func (a *absences) put(gen uint64, st topology.CollectorStatus) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if gen != a.gen {
		return
	}
	if a.kept == nil {
		a.kept = map[string]absence{}
	}
	a.kept[st.Name] = absence{st, time.Now()}
}

// forget drops every absence kept, and any being found.
func (a *absences) forget() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	a.kept = nil
}
