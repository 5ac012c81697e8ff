package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// NewClient is the HTTP client the fleet reads its agents and Prometheus
// with: it never follows a redirect, so an agent (or what answers in its
// place) cannot send the fleet's requests to another host or path; a
// redirect is an answer that is not a graph.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ErrNotInFleet is a host the fleet does not hold: its graph is not
// fetched, whatever the caller names.
var ErrNotInFleet = errors.New("not a host of the fleet")

// Details fetches the whole graph of one host of a fleet built from
// series (FromSeries), when someone opens it on the page. It fetches
// only from the agent the fleet graph names for that host, never from an
// address a caller gives; at most a few at a time, each within Limits;
// and it tells its caller only that an agent did not answer, the why
// going to the log, so that the endpoint is no port scanner.
type Details struct {
	Client  *http.Client
	Timeout time.Duration
	Limits  topology.Limits
	Logger  *slog.Logger
	slots   chan struct{}
}

// NewDetails returns Details fetching at most concurrent graphs at once.
func NewDetails(client *http.Client, timeout time.Duration, lim topology.Limits, concurrent int, logger *slog.Logger) *Details {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Details{Client: client, Timeout: timeout, Limits: lim, Logger: logger, slots: make(chan struct{}, max(concurrent, 1))}
}

// Graph is the whole graph under root (host:NAME) from that host's agent,
// as Merge names it. A root that is not a host of fleet is ErrNotInFleet.
func (d *Details) Graph(ctx context.Context, fleet *topology.Graph, root string) (*topology.Graph, error) {
	var h *topology.Component
	if fleet != nil {
		h, _ = fleet.Component(root)
	}
	agent := ""
	if h != nil && h.Kind == KindHostNode && h.Parent == topology.HostID {
		agent = topology.String(h.Attrs, "agent")
	}
	if agent == "" {
		return nil, fmt.Errorf("%s: %w", root, ErrNotInFleet)
	}
	select {
	case d.slots <- struct{}{}:
		defer func() { <-d.slots }()
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: too many hosts opened at once; try again", root)
	}
	res := Fetch(ctx, d.Client, []Target{{Name: h.Name, URL: agent}}, d.Timeout, 1, d.Limits)
	if res[0].Err != nil {
		d.Logger.Warn("fetching a host's graph", "host", h.Name, "agent", agent, "err", res[0].Err)
		return nil, fmt.Errorf("%s: its agent did not answer with a graph (the fleet's log says why)", root)
	}
	return Merge(res).Subgraph(root), nil
}
