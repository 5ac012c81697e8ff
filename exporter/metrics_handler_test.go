package exporter

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// TestMetricsCacheLetsStaleGraphGo: the graph's encoded part is reused
// while its graph is the one served, and dropped once a scan has replaced
// that graph and it is collected: between scrapes the handler holds
// neither a stale graph nor its encoding.
func TestMetricsCacheLetsStaleGraphGo(t *testing.T) {
	root := fixture.Root(t, "procfs/fixtures.tar.gz")
	scanned := func() *topology.Graph {
		e := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: root}}}
		e.Scan(context.Background())
		return e.Graph()
	}
	var served atomic.Pointer[topology.Graph]
	served.Store(scanned())
	reg := prometheus.NewRegistry()
	reg.MustRegister(&graphCollector{graph: served.Load, counts: func() map[string]uint64 { return nil }})
	h := &metricsHandler{graph: served.Load, cached: reg, liveGatherer: prometheus.NewRegistry()}
	scrape := func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	encoded := func() map[string][]byte {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.encoded
	}
	const e810 = `hwgraph_component_info{device="enp3s0f0",id="pci:0000:a2:00.0",kind="nic"`

	first := scrape()
	if !strings.Contains(first, e810) {
		t.Fatal("the scrape lacks the capture's E810")
	}
	cached := encoded()
	if len(cached) != 1 {
		t.Fatalf("%d encodings cached after one plain scrape, want 1", len(cached))
	}
	if second := scrape(); second != first || len(encoded()) != 1 {
		t.Error("a second scrape of the same graph was not served from the cache")
	}

	served.Store(scanned())
	for range 100 {
		runtime.GC()
		if encoded() == nil {
			break
		}
		time.Sleep(10 * time.Millisecond) // cleanups run on their own goroutine
	}
	if encoded() != nil {
		t.Fatal("the cache still holds the replaced graph's encoding")
	}
	if !strings.Contains(scrape(), e810) || len(encoded()) != 1 {
		t.Error("the new graph is not scraped and cached")
	}
}
