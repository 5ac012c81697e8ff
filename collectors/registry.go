package collectors

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// Registry is an ordered set of collectors. Fragments merge in registry
// order, so a graph does not depend on which collector finished first.
type Registry struct {
	collectors []Collector
	// Rules are the health thresholds Scan judges with.
	Rules topology.Rules
}

// Default holds every collector; each registers itself in an init function.
var Default = &Registry{}

// Register adds c. Registering a name twice is a programming error.
func (r *Registry) Register(c Collector) {
	for _, have := range r.collectors {
		if have.Name() == c.Name() {
			panic("collectors: duplicate collector " + c.Name())
		}
	}
	r.collectors = append(r.collectors, c)
}

// Names lists the registered collectors, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.collectors))
	for _, c := range r.collectors {
		out = append(out, c.Name())
	}
	sort.Strings(out)
	return out
}

// Get returns the collector with that name, for wiring options such as
// the I²C allow-list into it, or nil.
func (r *Registry) Get(name string) Collector {
	for _, c := range r.collectors {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// Select returns a registry holding only the named collectors, in this
// registry's order. An unknown name is an error naming the known ones.
func (r *Registry) Select(names []string) (*Registry, error) {
	out := &Registry{Rules: r.Rules}
	for _, n := range names {
		if !slices.ContainsFunc(r.collectors, func(c Collector) bool { return c.Name() == n }) {
			return nil, fmt.Errorf("unknown collector %q (have %s)", n, strings.Join(r.Names(), ", "))
		}
	}
	for _, c := range r.collectors {
		if slices.Contains(names, c.Name()) {
			out.collectors = append(out.collectors, c)
		}
	}
	return out, nil
}

// Result is what one collector returned.
type Result struct {
	Status   topology.CollectorStatus
	Fragment *topology.Fragment
}

// Run runs every collector concurrently, each under ctx. A collector that
// has not returned when ctx is done is recorded as timed out and its
// fragment dropped; its goroutine is left to finish on its own (a read
// blocked in the kernel cannot be interrupted), so callers should give ctx
// a deadline. A panicking collector is recorded as failed.
func (r *Registry) Run(ctx context.Context, env Env) []Result {
	results := make([]Result, len(r.collectors))
	if env.memo == nil {
		env.memo = &scanMemo{}
	}
	var wg sync.WaitGroup
	for i, c := range r.collectors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runOne(ctx, c, env)
		}()
	}
	wg.Wait()
	return results
}

func runOne(ctx context.Context, c Collector, env Env) Result {
	type outcome struct {
		frag *topology.Fragment
		err  error
	}
	start := time.Now()
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
			}
		}()
		f, err := c.Collect(ctx, env)
		done <- outcome{f, err}
	}()
	st := topology.CollectorStatus{Name: c.Name()}
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		st.State = "timeout"
		st.Error = fmt.Sprintf("no answer within the deadline: %v", ctx.Err())
		st.DurationSeconds = time.Since(start).Seconds()
		return Result{Status: st}
	}
	st.DurationSeconds = time.Since(start).Seconds()
	switch {
	case errors.Is(o.err, ErrAbsent):
		st.State = "absent"
		o.frag = nil
	case o.err != nil:
		st.State = "error"
		st.Error = o.err.Error()
	default:
		st.State = "ok"
	}
	if o.frag != nil {
		st.Problems = o.frag.Problems
	}
	return Result{Status: st, Fragment: o.frag}
}

// Scan runs the collectors and builds the graph, judging link health against
// prev (the last graph, or nil). A failed collector's partial fragment is
// still merged: what it could read is kept.
func (r *Registry) Scan(ctx context.Context, env Env, prev *topology.Graph) *topology.Graph {
	results := r.Run(ctx, env)
	frags := make([]*topology.Fragment, 0, len(results))
	statuses := make([]topology.CollectorStatus, 0, len(results))
	for _, res := range results {
		frags = append(frags, res.Fragment)
		statuses = append(statuses, res.Status)
	}
	g := topology.Build(frags...)
	g.Collectors = statuses
	g.Time = time.Now().UTC()
	r.Rules.Judge(g, prev)
	return g
}
