package exporter

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"

	"github.com/hwgraph/hwgraph/topology"
)

//go:embed web
var webFiles embed.FS

// Source is what the handler serves: the engine (scan.Engine) of one
// machine, or of a fleet's view of many.
type Source interface {
	Graph() *topology.Graph
	// EventPage is a page of events, newest first.
	EventPage(q topology.EventQuery) (topology.EventPage, error)
	Counts() map[string]uint64
}

// The events API answers at most maxEventsLimit events a request,
// defaultEventsLimit when not told: a journal holds up to 90 days, and
// one answer of all of it took hundreds of MB.
const (
	defaultEventsLimit = 500
	maxEventsLimit     = 5000
)

// Detailer is a Source that can give the whole graph under one part (a
// host of a compact fleet graph, fetched from its agent when opened).
type Detailer interface {
	Detail(ctx context.Context, root string) (*topology.Graph, error)
}

// StateReporter is a Source that keeps a state folder: files found
// damaged there count in hwgraph_state_errors_total, and /healthz says
// the source is degraded.
type StateReporter interface {
	StateErrors() map[string]uint64
	// StateWrites is how often writing the state folder failed, and how
	// many events wait in memory for a write to succeed.
	StateWrites() (errors uint64, pending int)
	// Degraded is why the source works on less than its whole state, ""
	// when it does not.
	Degraded() string
}

// Options are the exporter's flags, named as node_exporter's.
type Options struct {
	// TelemetryPath is where the metrics are served; "" is /metrics.
	TelemetryPath string
	// DisableExporterMetrics leaves out the agent's own go_* and
	// process_* metrics.
	DisableExporterMetrics bool
}

// Handler serves a source with the default Options.
func Handler(s Source) http.Handler { return HandlerFor(s, Options{}) }

// HandlerFor serves /metrics (or o.TelemetryPath), /api/v1/graph,
// /api/v1/events, /api/v1/status/buildinfo, /healthz and the topology
// page for a source. The build information is
// github.com/prometheus/common/version's, as the command stamped it.
func HandlerFor(s Source, o Options) http.Handler {
	graphReg := prometheus.NewRegistry()
	gc := &graphCollector{graph: s.Graph, counts: s.Counts}
	if sr, ok := s.(StateReporter); ok {
		gc.stateErrors, gc.stateWrites = sr.StateErrors, sr.StateWrites
	}
	graphReg.MustRegister(gc, versioncollector.NewCollector(ns))
	live := prometheus.NewRegistry()
	if !o.DisableExporterMetrics {
		live.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	path := o.TelemetryPath
	if path == "" {
		path = "/metrics"
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+path, &metricsHandler{graph: s.Graph, cached: graphReg, liveGatherer: live})
	mux.HandleFunc("GET /api/v1/graph", func(w http.ResponseWriter, r *http.Request) {
		g := s.Graph()
		if g == nil {
			http.Error(w, "no scan finished yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		topology.WriteJSON(w, g)
	})
	mux.HandleFunc("GET /api/v1/svg", func(w http.ResponseWriter, r *http.Request) {
		g := s.Graph()
		if g == nil {
			http.Error(w, "no scan finished yet", http.StatusServiceUnavailable)
			return
		}
		q := r.URL.Query()
		if root := q.Get("root"); root != "" {
			if d, ok := s.(Detailer); ok {
				var err error
				if g, err = d.Detail(r.Context(), root); err != nil {
					http.Error(w, err.Error(), http.StatusNotFound)
					return
				}
			} else if g = g.Subgraph(root); g == nil {
				http.Error(w, fmt.Sprintf("no component %q", root), http.StatusNotFound)
				return
			}
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		topology.WriteSVG(w, g, topology.SVGOptions{NoIO: q.Get("no_io") != "", OnlyUnhealthy: q.Get("only_unhealthy") != ""})
	})
	mux.HandleFunc("GET /api/v1/events", func(w http.ResponseWriter, r *http.Request) {
		q, err := eventQuery(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		page, err := s.EventPage(q)
		if errors.Is(err, topology.ErrBadCursor) {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if page.Events == nil {
			page.Events = []topology.Event{}
		}
		if page.Next != "" {
			next := *r.URL
			v := next.Query()
			v.Set("cursor", page.Next)
			v.Set("limit", strconv.Itoa(q.Limit))
			next.RawQuery = v.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next.RequestURI()))
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page.Events)
	})
	mux.HandleFunc("GET /api/v1/status/buildinfo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(BuildInfo())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.Graph() == nil {
			http.Error(w, "starting: no scan finished yet", http.StatusServiceUnavailable)
			return
		}
		// Degraded answers 200: restarting the agent would not mend what
		// it already moved aside and started afresh.
		if sr, ok := s.(StateReporter); ok && sr.Degraded() != "" {
			fmt.Fprintf(w, "degraded: %s\n", sr.Degraded())
			return
		}
		w.Write([]byte("ok\n"))
	})
	page, _ := fs.Sub(webFiles, "web")
	mux.Handle("GET /", http.FileServerFS(page))
	return mux
}

// BuildInfo is what /api/v1/status/buildinfo answers, in the form of
// Prometheus' own endpoint of that name.
func BuildInfo() map[string]string {
	return map[string]string{
		"version":   version.Version,
		"revision":  version.GetRevision(),
		"branch":    version.Branch,
		"buildUser": version.BuildUser,
		"buildDate": version.BuildDate,
		"goVersion": version.GoVersion,
	}
}

// eventQuery reads /api/v1/events' parameters: since (a duration back, or
// an RFC 3339 time: topology.ParseSince, as the CLI's --since), component
// (an ID), limit (1 to maxEventsLimit) and cursor (from a Link header).
func eventQuery(r *http.Request) (topology.EventQuery, error) {
	v := r.URL.Query()
	since, err := topology.ParseSince(v.Get("since"), time.Now())
	if err != nil {
		return topology.EventQuery{}, err
	}
	q := topology.EventQuery{Since: since, ID: v.Get("component"), Limit: defaultEventsLimit, Cursor: v.Get("cursor")}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxEventsLimit {
			return q, fmt.Errorf("limit %q: want 1 to %d", l, maxEventsLimit)
		}
		q.Limit = n
	}
	return q, nil
}
