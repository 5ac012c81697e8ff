package exporter

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/topology"
)

// Scanner rescans the machine on an interval and when kicked (a uevent),
// keeps the latest graph for scrapes and API calls, and records each scan
// in the state folder when there is one. Scrapes read what it holds; they
// never wait on hardware.
type Scanner struct {
	Registry *collectors.Registry
	Env      collectors.Env
	Interval time.Duration
	Timeout  time.Duration
	Store    *history.Store // nil: no history
	Logger   *slog.Logger
	// OnScan, when set, is called with each new graph (the NFD feature
	// file is written from it).
	OnScan func(*topology.Graph)

	graph  atomic.Pointer[topology.Graph]
	kick   chan struct{}
	once   sync.Once
	recent recentEvents
}

func (s *Scanner) init() {
	s.once.Do(func() { s.kick = make(chan struct{}, 1) })
}

// Graph is the last scan, nil before the first finished.
func (s *Scanner) Graph() *topology.Graph { return s.graph.Load() }

// Kick asks for a rescan now.
func (s *Scanner) Kick() {
	s.init()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// ScanOnce scans, records and publishes one graph.
func (s *Scanner) ScanOnce(ctx context.Context) *topology.Graph {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	prev := s.Graph()
	if prev == nil && s.Store != nil {
		prev, _ = s.Store.Last()
	}
	g := s.Registry.Scan(ctx, s.Env, prev)
	if s.Store != nil {
		if err := s.Store.Record(g, time.Now().UTC()); err != nil && s.Logger != nil {
			s.Logger.Error("recording the scan", "err", err)
		}
	} else if prev != nil {
		g.Events = append(topology.Diff(prev, g, time.Now().UTC()), g.Events...)
	}
	s.recent.add(g.Events)
	s.graph.Store(g)
	if s.OnScan != nil {
		s.OnScan(g)
	}
	if s.Logger != nil {
		for _, st := range g.Collectors {
			if !st.Success() {
				s.Logger.Warn("collector failed", "collector", st.Name, "state", st.State, "err", st.Error)
			}
		}
	}
	return g
}

// Run scans until ctx is done.
func (s *Scanner) Run(ctx context.Context) {
	s.init()
	interval := s.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	for {
		s.ScanOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-time.After(interval):
		}
	}
}

// Events returns recent events: from the journal when there is one, else
// those this process saw.
func (s *Scanner) Events(since time.Time, id string) ([]topology.Event, error) {
	if s.Store != nil {
		return s.Store.Journal.Query(since, id)
	}
	return s.recent.query(since, id), nil
}

// Counts are the events per kind for hwgraph_events_total.
func (s *Scanner) Counts() map[string]uint64 {
	if s.Store != nil {
		if c, err := s.Store.Journal.Counts(); err == nil {
			return c
		}
	}
	return s.recent.counts()
}

// recentEvents keeps the last events in memory when there is no journal.
type recentEvents struct {
	mu     sync.Mutex
	events []topology.Event
	total  map[string]uint64
}

const recentMax = 1000

func (r *recentEvents) add(es []topology.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.total == nil {
		r.total = map[string]uint64{}
	}
	for _, e := range es {
		r.total[e.Kind]++
	}
	r.events = append(r.events, es...)
	if len(r.events) > recentMax {
		r.events = r.events[len(r.events)-recentMax:]
	}
}

func (r *recentEvents) query(since time.Time, id string) []topology.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []topology.Event
	for _, e := range r.events {
		if !e.Time.Before(since) && (id == "" || e.Component == id || e.Link == id) {
			out = append(out, e)
		}
	}
	return out
}

func (r *recentEvents) counts() map[string]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]uint64, len(r.total))
	for k, v := range r.total {
		out[k] = v
	}
	return out
}
