package exporter

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"

	"github.com/hwgraph/hwgraph/topology"
)

//go:embed web
var webFiles embed.FS

// Source is what the handler serves: a Scanner for one machine, or a
// cluster view of many.
type Source interface {
	Graph() *topology.Graph
	Events(since time.Time, id string) ([]topology.Event, error)
	Counts() map[string]uint64
}

// StateReporter is a Source that keeps a state folder: files found
// damaged there count in hwgraph_state_errors_total, and /healthz says
// the source is degraded.
type StateReporter interface {
	StateErrors() map[string]uint64
	// Degraded is why the source works on less than its whole state, ""
	// when it does not.
	Degraded() string
}

// Handler serves /metrics, /api/v1/graph, /api/v1/events,
// /api/v1/status/buildinfo, /healthz and the topology page for a source.
// The build information is github.com/prometheus/common/version's, as the
// command stamped it.
func Handler(s Source) http.Handler {
	graphReg := prometheus.NewRegistry()
	gc := &graphCollector{graph: s.Graph, counts: s.Counts}
	if sr, ok := s.(StateReporter); ok {
		gc.stateErrors = sr.StateErrors
	}
	graphReg.MustRegister(gc, versioncollector.NewCollector(ns))
	live := prometheus.NewRegistry()
	live.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", &metricsHandler{graph: s.Graph, cached: graphReg, liveGatherer: live})
	mux.HandleFunc("GET /api/v1/graph", func(w http.ResponseWriter, r *http.Request) {
		g := s.Graph()
		if g == nil {
			http.Error(w, "no scan finished yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		topology.WriteJSON(w, g)
	})
	mux.HandleFunc("GET /api/v1/events", func(w http.ResponseWriter, r *http.Request) {
		var since time.Time
		if d, err := time.ParseDuration(r.URL.Query().Get("since")); err == nil {
			since = time.Now().Add(-d)
		}
		events, err := s.Events(since, r.URL.Query().Get("component"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if events == nil {
			events = []topology.Event{}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(events)
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
