package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/internal/fixture"
	"github.com/hwgraph/hwgraph/internal/promtest"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// agent runs `hwgraph serve`'s handler over a capture on loopback.
func agent(t *testing.T, capture string) (*httptest.Server, *topology.Graph) {
	s := &scan.Engine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, capture)}}
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
