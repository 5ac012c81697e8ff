package exporter

import (
	"embed"
	"encoding/json"
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

// Handler serves /metrics, /api/v1/graph, /api/v1/events,
// /api/v1/status/buildinfo, /healthz and the topology page for a source.
// The build information is github.com/prometheus/common/version's, as the
// command stamped it.
func Handler(s Source) http.Handler {
	graphReg := prometheus.NewRegistry()
	graphReg.MustRegister(&graphCollector{graph: s.Graph, counts: s.Counts}, versioncollector.NewCollector(ns))
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
