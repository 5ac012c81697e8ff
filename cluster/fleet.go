package cluster

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// Fleet is many machines as one graph, for the engine (a scan.Source):
// the agents found from every place given, their graphs fetched and
// merged; or, from a Prometheus alone, the fleet built from the series it
// holds (FromSeries), each host's whole graph fetched when it is opened
// (Details).
type Fleet struct {
	// Targets are agents, host:port or URLs, comma-separated;
	// TargetsFile lists more, one a line.
	Targets, TargetsFile string
	// Prometheus finds the agents from its scrape targets of Job.
	Prometheus, Job string
	// FetchGraphs, with Prometheus, fetches every agent's graph instead of
	// building the fleet from the series.
	FetchGraphs bool
	// Kubernetes finds the agents as the DaemonSet's pods, when its
	// Kubeconfig is set.
	Kubernetes Kubernetes
	// Timeout bounds each agent's answer; MaxGraphBytes its size.
	Timeout       time.Duration
	MaxGraphBytes int64
}

// FromSeries reports whether the fleet comes from Prometheus' series:
// the agents are found through Prometheus only, and their graphs are not
// asked for.
func (f *Fleet) FromSeries() bool {
	return f.Prometheus != "" && !f.FetchGraphs && f.Targets == "" && f.TargetsFile == "" && f.Kubernetes.Kubeconfig == ""
}

// Make implements scan.Source: the fleet gathered now.
func (f *Fleet) Make(ctx context.Context, _ *topology.Graph) (*topology.Graph, error) {
	if f.FromSeries() {
		return FromSeries(ctx, NewClient(10*f.Timeout), f.Prometheus, f.Job)
	}
	client := NewClient(f.Timeout)
	targets, err := f.targets(ctx, client)
	if err != nil {
		return nil, err
	}
	return Merge(Fetch(ctx, client, targets, f.Timeout, 64, f.limits())), nil
}

// Judged implements scan.Judged: the agents judged their parts, and the
// fleet's events are theirs.
func (*Fleet) Judged() {}

// targets are the agents from every place given.
func (f *Fleet) targets(ctx context.Context, client *http.Client) ([]Target, error) {
	var targets []Target
	if f.Targets != "" {
		t, err := ParseTargets(f.Targets)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t...)
	}
	if f.TargetsFile != "" {
		t, err := ReadTargetsFile(f.TargetsFile)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t...)
	}
	if f.Prometheus != "" {
		t, err := FromPrometheus(ctx, client, f.Prometheus, f.Job)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t...)
	}
	if f.Kubernetes.Kubeconfig != "" {
		t, err := f.Kubernetes.Targets(ctx)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t...)
	}
	if len(targets) == 0 {
		return nil, errors.New("no agents: give --targets, --targets-file, --prometheus or --kubeconfig")
	}
	return targets, nil
}

func (f *Fleet) limits() topology.Limits {
	lim := topology.DefaultLimits
	lim.MaxBytes = f.MaxGraphBytes
	return lim
}

// MaxDetailFetches bounds the hosts' graphs fetched at once: each may be
// as large as MaxGraphBytes, and it is callers who ask for them.
const MaxDetailFetches = 4

// Details opens the hosts of a fleet built from series (scan.Engine's
// Details): a host's whole graph fetched from its agent, only for a host
// the fleet (fleet, the engine's last gather) holds; any other root is
// the fleet graph's own. Nil for a fleet whose graphs are whole already.
func (f *Fleet) Details(fleet func() *topology.Graph, logger *slog.Logger) func(context.Context, string) (*topology.Graph, error) {
	if !f.FromSeries() {
		return nil
	}
	d := NewDetails(NewClient(f.Timeout), f.Timeout, f.limits(), MaxDetailFetches, logger)
	return func(ctx context.Context, root string) (*topology.Graph, error) {
		g, err := d.Graph(ctx, fleet(), root)
		if errors.Is(err, ErrNotInFleet) {
			return nil, nil
		}
		return g, err
	}
}
