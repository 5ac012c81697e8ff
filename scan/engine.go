// Package scan is hwgraph's one engine. A Source makes a graph — a
// machine's collectors run under a deadline (Machine), or a fleet
// gathered from its agents (cluster.Fleet) —, and the engine judges it against the previous graph (the state folder's baseline
// and last scan, or the scan before in memory), records it, keeps the
// recent events, and rescans when the kernel announces a device event.
// The CLI's commands, `serve` and `cluster serve` all scan through it.
package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/topology"
)

// Defaults of the flags that set Timeout, the interval of Run and
// FoldWindow.
const (
	DefaultTimeout  = 10 * time.Second
	DefaultInterval = 30 * time.Second
	// DefaultFoldWindow is --events.fold-window's: a storm makes one
	// event each five minutes, its count exact.
	DefaultFoldWindow = 5 * time.Minute
)

// Engine scans and remembers. Source makes each graph (a Machine, or a
// fleet); the rest is optional.
type Engine struct {
	Source Source
	// Timeout bounds one scan; 0 is DefaultTimeout.
	Timeout time.Duration
	// Store, when set, is the state folder each scan is judged against
	// (baseline, last scan) and recorded in (last scan, journal).
	Store *history.Store
	// Logger hears what went wrong that is not in the graph: a state
	// folder that could not be read or written, a watcher that stopped;
	// and, from Run, collectors that failed. nil discards.
	Logger *slog.Logger
	// OnScan, when set, is called with each new graph.
	OnScan func(*topology.Graph)
	// FoldWindow folds event storms: repeats of one kind on one part
	// within it of the first are one event with a count, in the scan's
	// events, the journal and the recent events. 0 folds nothing.
	FoldWindow time.Duration
	// Details, when set, gives the whole graph of one part of a compact
	// graph (a host of a fleet built from Prometheus' series): the page
	// asks for it when someone opens that host.
	Details func(ctx context.Context, root string) (*topology.Graph, error)

	mu       sync.Mutex // one scan at a time
	graph    atomic.Pointer[topology.Graph]
	kick     chan struct{}
	once     sync.Once
	recent   recentEvents
	degraded atomic.Pointer[string] // the last state damage, for /healthz

	// While the state folder cannot be written: why (nil when it can),
	// how often a write failed, and the retry of what waits.
	unwritten   atomic.Pointer[string]
	writeErrors atomic.Uint64
	retry       *time.Timer
	backoff     time.Duration
}

// DeviceEvents is whether a Machine listens to the kernel's device
// events (Machine.DeviceEvents). While it hears them, its registry trusts
// what changes only with one between them (collectors.Registry.SetHeard).
type DeviceEvents int

// The DeviceEvents an engine can be given.
const (
	// DeviceEventsAuto listens on the live machine, not below a captured
	// tree, whose files no kernel event describes.
	DeviceEventsAuto DeviceEvents = iota
	// DeviceEventsOn listens below a captured tree too: for a tree that
	// changes only with this machine's devices, and for benchmarks that
	// measure what a live agent reads.
	DeviceEventsOn
	// DeviceEventsOff never listens: every scan reads in full.
	DeviceEventsOff
)

// maxBackoff bounds the wait between retries of a state folder that
// cannot be written.
const maxBackoff = time.Minute

func (e *Engine) init() {
	e.once.Do(func() { e.kick = make(chan struct{}, 1) })
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Graph is the last scan, nil before the first finished.
func (e *Engine) Graph() *topology.Graph { return e.graph.Load() }

// Detail is the whole graph under root, from Details when set and it
// knows root; else the last graph's part under root.
func (e *Engine) Detail(ctx context.Context, root string) (*topology.Graph, error) {
	if e.Details != nil {
		if g, err := e.Details(ctx, root); g != nil || err != nil {
			return g, err
		}
	}
	g := e.Graph()
	if g == nil {
		return nil, errors.New("no scan finished yet")
	}
	if g = g.Subgraph(root); g == nil {
		return nil, fmt.Errorf("no component %q", root)
	}
	return g, nil
}

// Kick asks Run for a scan now.
func (e *Engine) Kick() {
	e.init()
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// previous is what a scan is judged against: the last scan of this
// process, else the state folder's.
func (e *Engine) previous() *topology.Graph {
	if g := e.Graph(); g != nil {
		return g
	}
	if e.Store == nil {
		return nil
	}
	g, err := e.Store.Last()
	if err != nil {
		e.logger().Warn("judging without the last scan", "err", err)
	}
	return g
}

// make has the source make a graph under the timeout; nil when it
// failed.
func (e *Engine) make(ctx context.Context, prev *topology.Graph) *topology.Graph {
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	g, err := e.Source.Make(ctx, prev)
	if err != nil {
		e.logger().Error("gathering", "err", err)
		return nil
	}
	return g
}

// Scan makes a graph, judges and records it, and publishes it: Graph,
// Events and the next scans see it. Its Events are what changed since
// the previous graph and what the collectors reported.
func (e *Engine) Scan(ctx context.Context) *topology.Graph {
	e.mu.Lock()
	defer e.mu.Unlock()
	prev := e.previous()
	g := e.make(ctx, prev)
	if g == nil {
		return prev // nothing new to show: the last graph stays
	}
	now := time.Now().UTC()
	_, judged := e.Source.(Judged)
	switch {
	case judged:
		// As its agents made it: their parts judged, their events.
	case e.Store != nil && e.Store.ReadOnly():
		// Another process writes the folder: judge against it only.
		if _, err := e.Store.Judge(g, prev, now); err != nil {
			e.logger().Error("judging the scan", "err", err)
		}
	case e.Store != nil:
		e.Store.FoldWindow = e.FoldWindow
		e.recorded(e.Store.Record(g, prev, now))
	case prev != nil:
		g.Events = append(topology.Diff(prev, g, now), g.Events...)
	}
	g.Events = topology.FoldEvents(g.Events, e.FoldWindow)
	e.recent.add(g.Events, e.FoldWindow)
	e.graph.Store(g)
	e.reportDamage()
	if e.OnScan != nil {
		e.OnScan(g)
	}
	return g
}

// recorded takes the outcome of a write of the state folder (with e.mu
// held): a failure is said once, when writing starts to fail, and
// retried with a backoff doubling to maxBackoff; what it left waits in
// the store (Store.Pending). The recovery is said once too.
func (e *Engine) recorded(err error) {
	if err == nil {
		if e.unwritten.Swap(nil) != nil {
			e.logger().Info("state folder written again; nothing judged was lost")
		}
		e.backoff = 0
		if e.retry != nil {
			e.retry.Stop()
		}
		return
	}
	e.writeErrors.Add(1)
	pending, dropped := e.Store.Pending()
	why := fmt.Sprintf("state folder not written (%v); %d events wait in memory", err, pending)
	if dropped > 0 {
		why += fmt.Sprintf(", %d dropped because more waited than %d", dropped, history.MaxPending)
	}
	if e.unwritten.Swap(&why) == nil {
		e.logger().Error("recording the scan: retrying until it can be written", "err", err, "pending_events", pending)
	}
	e.backoff = min(max(2*e.backoff, time.Second), maxBackoff)
	if e.retry == nil {
		e.retry = time.AfterFunc(e.backoff, e.flush)
	} else {
		e.retry.Reset(e.backoff)
	}
}

// flush retries what a failed write left, between scans.
func (e *Engine) flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.unwritten.Load() != nil {
		e.recorded(e.Store.Flush())
	}
}

// StateWrites is how often a write of the state folder failed
// (hwgraph_state_write_errors_total) and how many events wait for the
// next to succeed (hwgraph_state_pending_events).
func (e *Engine) StateWrites() (errors uint64, pending int) {
	if e.Store == nil {
		return 0, 0
	}
	pending, _ = e.Store.Pending()
	return e.writeErrors.Load(), pending
}

// reportDamage says, once each, the state files found damaged.
func (e *Engine) reportDamage() {
	if e.Store == nil {
		return
	}
	for _, d := range e.Store.TakeDamage() {
		e.logger().Warn("state file damaged", "file", d.File, "err", d.Err, "moved_to", d.MovedTo)
		s := d.String()
		e.degraded.Store(&s)
	}
}

// Degraded says why the engine works on less than its whole state: that
// the state folder cannot be written now, else the last state file found
// damaged; "" when neither.
func (e *Engine) Degraded() string {
	if s := e.unwritten.Load(); s != nil {
		return *s
	}
	if s := e.degraded.Load(); s != nil {
		return *s
	}
	return ""
}

// StateErrors counts, by file, the state files found damaged:
// hwgraph_state_errors_total.
func (e *Engine) StateErrors() map[string]uint64 {
	if e.Store == nil {
		return nil
	}
	return e.Store.DamageCounts()
}

// Accept scans, unjudged, and makes the result the state folder's
// baseline: the new normal after a planned change.
func (e *Engine) Accept(ctx context.Context) (*topology.Graph, error) {
	if e.Store == nil {
		return nil, errors.New("accepting a baseline needs a state folder")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.make(ctx, nil)
	if g == nil {
		return nil, errors.New("no graph to accept")
	}
	err := e.Store.Accept(g)
	e.reportDamage()
	return g, err
}

// Start starts what the source listens to between scans (Starter), until
// ctx is done: a device event, an Xid, kicks a scan.
func (e *Engine) Start(ctx context.Context) {
	e.init()
	if s, ok := e.Source.(Starter); ok {
		s.Start(ctx, e.Kick, e.logger())
	}
}

// Wait returns after interval, or at once when kicked; false when ctx is
// done first.
func (e *Engine) Wait(ctx context.Context, interval time.Duration) bool {
	e.init()
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTimer(interval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-e.kick:
	case <-t.C:
	}
	return true
}

// Run starts the listeners and scans on the interval and when kicked,
// until ctx is done. A graph scanned before (to serve from the first
// request) counts as the first scan.
func (e *Engine) Run(ctx context.Context, interval time.Duration) {
	e.Start(ctx)
	if e.Graph() != nil && !e.Wait(ctx, interval) {
		return
	}
	for {
		// A one-shot scan shows a failed collector in its output; an
		// agent's log is where its operator looks.
		if g := e.Scan(ctx); g != nil {
			for _, st := range g.Collectors {
				if !st.Success() {
					e.logger().Warn("collector failed", "collector", st.Name, "state", st.State, "err", st.Error)
				}
			}
		}
		if !e.Wait(ctx, interval) {
			return
		}
	}
}

// EventPage returns events newest first, as q asks: from the journal
// when there is one, else those this process saw.
func (e *Engine) EventPage(q topology.EventQuery) (topology.EventPage, error) {
	if e.Store != nil {
		return e.Store.Journal.Page(q)
	}
	return e.recent.page(q)
}

// Counts are the events per kind, for hwgraph_events_total: the
// journal's, kept across restarts, else this process's.
func (e *Engine) Counts() map[string]uint64 {
	if e.Store != nil {
		if c, err := e.Store.Journal.Counts(); err == nil {
			return c
		}
	}
	return e.recent.counts()
}

// recentEvents keeps the last events in memory when there is no journal.
// An event already kept is not kept twice: a gathered graph carries its
// agents' last events until they scan again.
type recentEvents struct {
	mu     sync.Mutex
	events []recentEvent
	kept   map[topology.Event]bool
	total  map[string]uint64
	seq    uint64
}

// recentEvent is an event with the number of its arrival, for cursors.
type recentEvent struct {
	topology.Event
	seq uint64
}

const recentMax = 1000

func (r *recentEvents) add(es []topology.Event, window time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.total == nil {
		r.total, r.kept = map[string]uint64{}, map[topology.Event]bool{}
	}
	for _, e := range es {
		if i := r.keptAt(e); i >= 0 {
			// Kept already (an agent sends its last events until it
			// scans again): a storm that grew there grows here.
			if k := &r.events[i].Event; e.N() > k.N() {
				r.total[e.Kind] += uint64(e.N() - k.N())
				k.Count, k.Last = e.Count, e.Last
			}
			continue
		}
		r.total[e.Kind] += uint64(e.N())
		if i := r.openFold(e, window); i >= 0 {
			delete(r.kept, keptKey(r.events[i].Event))
			r.events[i].Absorb(e)
			r.kept[keptKey(r.events[i].Event)] = true
			continue
		}
		r.kept[keptKey(e)] = true
		r.seq++
		r.events = append(r.events, recentEvent{e, r.seq})
	}
	if n := len(r.events) - recentMax; n > 0 {
		for _, e := range r.events[:n] {
			delete(r.kept, keptKey(e.Event))
		}
		r.events = slices.Clone(r.events[n:])
	}
}

// keptKey is an event as recentEvents knows it again: without its
// count, which grows while a storm lasts.
func keptKey(e topology.Event) topology.Event {
	e.Count, e.Last = 0, time.Time{}
	return e
}

// keptAt is where the event kept as e is, -1 when none is.
func (r *recentEvents) keptAt(e topology.Event) int {
	k := keptKey(e)
	if !r.kept[k] {
		return -1
	}
	for i := len(r.events) - 1; i >= 0; i-- {
		if keptKey(r.events[i].Event) == k {
			return i
		}
	}
	return -1
}

// openFold is the place of the kept event that e repeats within window
// of its first occurrence, -1 when none: the newest of its kind on its
// part, looked for among the events of the last window.
func (r *recentEvents) openFold(e topology.Event, window time.Duration) int {
	if window <= 0 {
		return -1
	}
	for i := len(r.events) - 1; i >= 0; i-- {
		k := r.events[i].Event
		if e.Time.Sub(k.Time) >= window {
			return -1
		}
		if e.Folds(k, window) {
			return i
		}
	}
	return -1
}

// page is Journal.Page over the events kept; its cursors are arrival
// numbers.
func (r *recentEvents) page(q topology.EventQuery) (topology.EventPage, error) {
	var page topology.EventPage
	before := uint64(math.MaxUint64)
	if q.Cursor != "" {
		n, err := strconv.ParseUint(q.Cursor, 10, 64)
		if err != nil {
			return page, fmt.Errorf("cursor %q: %w", q.Cursor, topology.ErrBadCursor)
		}
		before = n
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var last uint64 // the arrival of the last event in the page
	for i := len(r.events) - 1; i >= 0; i-- {
		e := r.events[i]
		if e.seq >= before || !e.Matches(q.Since, q.ID) {
			continue
		}
		if q.Limit > 0 && len(page.Events) == q.Limit {
			page.Next = strconv.FormatUint(last, 10) // one more matches: there is a next page
			break
		}
		page.Events = append(page.Events, e.Event)
		last = e.seq
	}
	return page, nil
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
