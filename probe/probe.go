// Package probe answers Prometheus' multi-target probes of BMCs, as
// ipmi_exporter's /ipmi does: /probe?target=HOST[:PORT]&module=NAME reads
// that BMC over IPMI RMCP+ with the module's credentials from the
// configuration file, and answers its part of the graph (the BMC, power
// supplies, its sensors on their components) as hwgraph's metric
// families, with hwgraph_probe_success and hwgraph_probe_duration_seconds.
package probe

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/topology"
)

// Handler serves /probe.
type Handler struct {
	// Config holds the modules; nil answers every probe that probing is
	// off.
	Config *Config
	// Logger reports failed probes at debug level: a BMC that does not
	// answer is hwgraph_probe_success 0, not the agent's trouble.
	Logger *slog.Logger
	// slots bounds the probes in flight.
	slots chan struct{}
	// read reads one BMC; tests replace it.
	read func(ctx context.Context, target string, m Module) *topology.Graph
}

// NewHandler returns a handler for the modules of c that runs at most
// concurrent probes at once; more wait for a slot until their deadline.
func NewHandler(c *Config, concurrent int, logger *slog.Logger) *Handler {
	if concurrent < 1 {
		concurrent = 1
	}
	return &Handler{Config: c, Logger: logger, slots: make(chan struct{}, concurrent), read: readBMC}
}

// readBMC runs the collector of the module's protocol alone against one
// target: bmc for IPMI, redfish for Redfish.
func readBMC(ctx context.Context, target string, m Module) *topology.Graph {
	opts := collectors.Options{}
	name := "bmc"
	switch m.Protocol {
	case "redfish", "redfish+http":
		name = "redfish"
		scheme := "https://"
		if m.Protocol == "redfish+http" {
			scheme = "http://"
		}
		opts.Redfish = collectors.RedfishTarget{URL: scheme + target, User: m.User, Password: m.Password, HTTP: m.http}
	default:
		opts.BMC = collectors.BMCTarget{Host: target, User: m.User, Password: m.Password, CipherSuite: m.CipherSuite, SkipChassis: m.SkipChassis}
	}
	reg, err := collectors.New(opts).Select([]string{name})
	if err != nil {
		panic(err) // the registry always has both collectors
	}
	return reg.Scan(ctx, collectors.Env{Root: "/"}, nil)
}

// credentialParams are query parameters that would put credentials in a
// URL, and so in Prometheus' target list and its logs.
var credentialParams = []string{"user", "username", "password", "pass"}

// scrapeTimeoutOffset leaves Prometheus time to receive the answer
// before its own scrape timeout, as the blackbox exporter does.
const scrapeTimeoutOffset = 500 * time.Millisecond

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if h.Config == nil {
		http.Error(w, "probing BMCs is off: start hwgraph serve with --bmc.config.file", http.StatusServiceUnavailable)
		return
	}
	for _, p := range credentialParams {
		if q.Has(p) {
			http.Error(w, fmt.Sprintf("%q in the URL: credentials belong in the --bmc.config.file module, never in a scrape URL", p), http.StatusBadRequest)
			return
		}
	}
	target := q.Get("target")
	if err := checkTarget(target); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	name := q.Get("module")
	if name == "" {
		name = "default"
	}
	m, ok := h.Config.Modules[name]
	if !ok {
		http.Error(w, fmt.Sprintf("unknown module %q", name), http.StatusBadRequest)
		return
	}
	if !m.allowed.allows(target) {
		http.Error(w, fmt.Sprintf("target %q is not among module %q's targets: add it to the module's targets: in --bmc.config.file", target, name), http.StatusForbidden)
		return
	}
	timeout := time.Duration(m.Timeout)
	if s, err := strconv.ParseFloat(r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"), 64); err == nil && s > 0 {
		timeout = min(timeout, time.Duration(s*float64(time.Second))-scrapeTimeoutOffset)
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	case <-ctx.Done():
		http.Error(w, fmt.Sprintf("no probe slot free within %s: raise --bmc.max-concurrent-probes", timeout), http.StatusServiceUnavailable)
		return
	}
	start := time.Now()
	g := h.read(ctx, target, m)
	success := false
	for _, st := range g.Collectors {
		if st.Name == "bmc" || st.Name == "redfish" {
			success = st.State == "ok"
			if !success && h.Logger != nil {
				h.Logger.Debug("probe failed", "target", target, "module", name, "state", st.State, "problems", st.Problems)
			}
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(exporter.GraphCollector(g), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hwgraph_probe_success", Help: "1 when the BMC answered the probe.",
	}, func() float64 {
		if success {
			return 1
		}
		return 0
	}), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hwgraph_probe_duration_seconds", Help: "How long the probe of the BMC took.",
	}, func() float64 { return time.Since(start).Seconds() }))
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// checkTarget accepts HOST or HOST:PORT, nothing with a path, a scheme or
// a user in it.
func checkTarget(t string) error {
	if t == "" {
		return fmt.Errorf("target parameter is missing")
	}
	if strings.ContainsAny(t, "/@?#\\ ") {
		return fmt.Errorf("target %q: want HOST or HOST:PORT", t)
	}
	host := t
	if h, p, err := net.SplitHostPort(t); err == nil {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("target %q: bad port", t)
		}
		host = h
	}
	if host == "" {
		return fmt.Errorf("target %q: want HOST or HOST:PORT", t)
	}
	return nil
}
