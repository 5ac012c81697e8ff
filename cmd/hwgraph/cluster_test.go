package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/promtest"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// agent runs `hwgraph serve`'s handler over a capture on loopback.
func agent(t *testing.T, capture string) (*httptest.Server, *topology.Graph) {
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, capture)}}}
	g := s.Scan(context.Background())
	srv := httptest.NewServer(exporter.Handler(s))
	t.Cleanup(srv.Close)
	return srv, g
}

// TestClusterFromPrometheusAndTargets: three agents on three real
// captures, scraped by a real Prometheus; `hwgraph cluster` finds them
// through Prometheus and through --targets, and both give one topology
// with every host and all its components. A stopped agent is shown
// unreachable.
func TestClusterFromPrometheusAndTargets(t *testing.T) {
	captures := []string{"node_exporter/sys.tar.gz", "procfs/fixtures.tar.gz", "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2"}
	var servers []*httptest.Server
	var graphs []*topology.Graph
	var addrs []string
	for _, c := range captures {
		srv, g := agent(t, c)
		servers, graphs = append(servers, srv), append(graphs, g)
		addrs = append(addrs, strings.TrimPrefix(srv.URL, "http://"))
	}
	prom := promtest.Start(t, addrs, 1)
	check := func(name string, args ...string) *topology.Graph {
		code, out, errs := hwgraph(t, append([]string{"cluster", "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		g, err := topology.ReadJSON(strings.NewReader(out))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return g
	}
	for name, args := range map[string][]string{
		"--prometheus": {"--prometheus", prom.URL(), "--prometheus.fetch-graphs"},
		"--targets":    {"--targets", strings.Join(addrs, ",")},
	} {
		g := check(name, args...)
		for i, addr := range addrs {
			h, ok := g.Component(cluster.HostID(addr))
			if !ok || h.Attrs["reachable"] != true {
				t.Errorf("%s: host %s: %+v", name, addr, h)
			}
			for _, c := range graphs[i].Components {
				if _, ok := g.Component(addr + "/" + c.ID); !ok {
					t.Errorf("%s: %s/%s missing from the cluster graph", name, addr, c.ID)
				}
			}
		}
	}
	// From the series alone: every host, reachable, with its components
	// counted by state and each part that is not ok under it.
	g := check("--prometheus, series", "--prometheus", prom.URL())
	for i, addr := range addrs {
		h, ok := g.Component(cluster.HostID(addr))
		if !ok || h.Attrs["reachable"] != true {
			t.Fatalf("series: host %s: %+v", addr, h)
		}
		n := 0.0
		for k, v := range h.Attrs {
			if strings.HasPrefix(k, "count:") {
				n += v.(float64)
			}
		}
		if int(n) != len(graphs[i].Components)+1 {
			t.Errorf("series: %s counts %v components, its agent has %d (+ host)", addr, n, len(graphs[i].Components))
		}
		for _, c := range graphs[i].Components {
			sc, ok := g.Component(addr + "/" + c.ID)
			if (c.Health.State != topology.StateOK) != ok || (ok && sc.Health.State != c.Health.State) {
				t.Errorf("series: %s/%s is %s at its agent, %+v in the fleet", addr, c.ID, c.Health.State, sc)
			}
		}
	}
	servers[1].Close()
	g = check("one agent stopped", "--targets", strings.Join(addrs, ","))
	h, _ := g.Component(cluster.HostID(addrs[1]))
	if h == nil || h.Attrs["reachable"] != false || h.Health.State != topology.StateUnknown || !strings.HasPrefix(h.Health.Reasons[0], "unreachable") {
		t.Errorf("stopped agent: %+v", h)
	}
	total := 0
	for _, n := range cluster.Summary(g) {
		total += n
	}
	if s := cluster.Summary(g); s["unreachable"] != 1 || total != 3 {
		t.Errorf("summary %v", s)
	}
	code, out, _ := hwgraph(t, "cluster", "--targets", strings.Join(addrs, ","))
	if code != 0 || !strings.HasPrefix(out, "hosts: ") || !strings.Contains(out, "1 unreachable") {
		t.Errorf("tree: %s", out)
	}
}

// TestClusterDetailSSRF is the fault found by probing cluster serve: a
// caller naming any host:NAME made the fleet fetch http://NAME/api/v1/graph
// (a port scanner, and a way into hosts behind it), followed redirects
// anywhere, told open ports from closed ones and fetched without bound.
// Now only hosts the fleet holds are fetched, a redirect is not followed,
// the caller hears a generic error, and at most cluster.MaxDetailFetches run at
// once.
func TestClusterDetailSSRF(t *testing.T) {
	var trapped atomic.Int32 // requests that reached the host outside the fleet
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { trapped.Add(1) }))
	t.Cleanup(trap.Close)
	good, _ := agent(t, "node_exporter/sys.tar.gz")
	// An agent of the fleet whose graph answer redirects to the trap.
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, trap.URL+"/latest/meta-data/iam/security-credentials/", http.StatusFound)
	}))
	t.Cleanup(redirecting.Close)
	// An agent whose graph answer waits, to count the fetches in flight.
	var inFlight, most atomic.Int32
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/graph" {
			good.Config.Handler.ServeHTTP(w, r)
			return
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		good.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	addr := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	prom := promtest.Start(t, []string{addr(good), addr(slow)}, 1)

	var log strings.Builder
	f := &cluster.Fleet{Prometheus: prom.URL(), Job: "hwgraph", Timeout: 5 * time.Second, MaxGraphBytes: int64(topology.DefaultLimits.MaxBytes)}
	e := fleetEngine(f, time.Minute, slog.New(slog.NewTextHandler(&log, nil)))
	if e.Scan(context.Background()) == nil {
		t.Fatal("no fleet gathered")
	}
	h := exporter.Handler(e)
	get := func(root string) (int, string) {
		r := httptest.NewRequest("GET", "/api/v1/svg?root="+url.QueryEscape(root), nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, root := range []string{"host:" + addr(trap), "host:" + addr(closed), "host:" + addr(trap) + "/x", "host:169.254.169.254"} {
		code, body := get(root)
		if code != http.StatusNotFound || !strings.Contains(body, "no component") || strings.Contains(body, "dial") || strings.Contains(body, "refused") {
			t.Errorf("%s: %d %q, want 404 no component", root, code, body)
		}
	}
	if code, body := get("host:" + addr(good)); code != 200 || !strings.HasPrefix(body, "<svg") && !strings.HasPrefix(body, "<?xml") {
		t.Errorf("a host of the fleet: %d %.200q", code, body)
	}

	// The redirecting agent, a host of a fleet made by hand as FromSeries
	// makes its hosts.
	rf := &topology.Component{ID: cluster.HostID(addr(redirecting)), Kind: cluster.KindHostNode, Name: addr(redirecting), Parent: topology.HostID}
	rf.SetAttr("agent", redirecting.URL)
	withRedirect := topology.Build(&topology.Fragment{Components: []*topology.Component{rf}})
	d := f.Details(func() *topology.Graph { return withRedirect }, slog.New(slog.NewTextHandler(&log, nil)))
	if _, err := d(context.Background(), rf.ID); err == nil || strings.Contains(err.Error(), "302") || strings.Contains(err.Error(), trap.URL) {
		t.Errorf("redirecting agent: %v, want a generic error", err)
	}
	if !strings.Contains(log.String(), "302 Found") {
		t.Errorf("the log does not say why the agent did not answer:\n%s", log.String())
	}
	if n := trapped.Load(); n != 0 {
		t.Errorf("%d requests reached the host outside the fleet", n)
	}

	// 30 callers open the slow host at once: at most cluster.MaxDetailFetches
	// fetch; the rest wait for a slot.
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			e.Detail(ctx, "host:"+addr(slow))
		})
	}
	time.Sleep(time.Second)
	close(release)
	wg.Wait()
	if m := most.Load(); m < 1 || m > cluster.MaxDetailFetches {
		t.Errorf("%d fetches of one host's graph at once, want 1 to %d", m, cluster.MaxDetailFetches)
	}
}
