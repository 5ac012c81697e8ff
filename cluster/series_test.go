package cluster

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/topology"
)

// recordedFleet answers FromSeries' five queries as Prometheus would for
// n agents of the synthetic 4,110-function size (the benchmark host of
// package collectors): every 100th host has a degraded NIC and a link
// trained down, every 1,000th is not scraped.
func recordedFleet(tb testing.TB, n int) *httptest.Server {
	tb.Helper()
	vector := func(each func(b *bytes.Buffer, i int) int) []byte {
		var b bytes.Buffer
		b.WriteString(`{"status":"success","data":{"resultType":"vector","result":[`)
		first := true
		for i := range n {
			mark := b.Len()
			if !first {
				b.WriteByte(',')
			}
			if each(&b, i) == 0 {
				b.Truncate(mark)
				continue
			}
			first = false
		}
		b.WriteString(`]}}`)
		return b.Bytes()
	}
	inst := func(i int) string { return fmt.Sprintf("node%06d:9877", i) }
	answers := map[string][]byte{
		`up{job="hwgraph"}`: vector(func(b *bytes.Buffer, i int) int {
			up := 1
			if i%1000 == 999 {
				up = 0
			}
			fmt.Fprintf(b, `{"metric":{"__name__":"up","job":"hwgraph","instance":%q},"value":[1764633600,"%d"]}`, inst(i), up)
			return 1
		}),
		`count by (instance, state) (hwgraph_component_state{job="hwgraph"} == 1)`: vector(func(b *bytes.Buffer, i int) int {
			if i%1000 == 999 {
				return 0
			}
			ok := 4111
			if i%100 == 7 {
				ok--
				fmt.Fprintf(b, `{"metric":{"instance":%q,"state":"degraded"},"value":[1764633600,"1"]},`, inst(i))
			}
			fmt.Fprintf(b, `{"metric":{"instance":%q,"state":"ok"},"value":[1764633600,"%d"]}`, inst(i), ok)
			return 1
		}),
		`hwgraph_component_state{job="hwgraph",state!="ok"} == 1`: vector(func(b *bytes.Buffer, i int) int {
			if i%100 != 7 {
				return 0
			}
			fmt.Fprintf(b, `{"metric":{"__name__":"hwgraph_component_state","job":"hwgraph","instance":%q,"id":"pci:0000:3b:00.0","kind":"nic","state":"degraded"},"value":[1764633600,"1"]}`, inst(i))
			return 1
		}),
		`hwgraph_link_degraded{job="hwgraph"} == 1 or hwgraph_link_up{job="hwgraph"} == 0`: vector(func(b *bytes.Buffer, i int) int {
			if i%100 != 7 {
				return 0
			}
			fmt.Fprintf(b, `{"metric":{"__name__":"hwgraph_link_degraded","job":"hwgraph","instance":%q,"id":"pci:0000:3a:00.0~pci:0000:3b:00.0","kind":"pcie"},"value":[1764633600,"1"]}`, inst(i))
			return 1
		}),
		`hwgraph_component_info{job="hwgraph",id="host"}`: vector(func(b *bytes.Buffer, i int) int {
			if i%1000 == 999 {
				return 0
			}
			fmt.Fprintf(b, `{"metric":{"__name__":"hwgraph_component_info","job":"hwgraph","instance":%q,"id":"host","kind":"host","name":"gpu-%06d","vendor":"Supermicro","model":"SYS-821GE-TNHR","firmware":""},"value":[1764633600,"1"]}`, inst(i), i)
			return 1
		}),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.Query().Get("query")]
		if !ok {
			http.Error(w, `{"status":"error","error":"unrecorded query"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(a)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// TestFromSeries: a recorded fleet of 1,000 agents becomes 1,000 hosts,
// each with its components counted by state, the ten with a degraded NIC
// holding it (and the link trained down as a reason), the one not
// scraped unreachable; Summary counts them as from whole graphs.
func TestFromSeries(t *testing.T) {
	srv := recordedFleet(t, 1000)
	g, err := FromSeries(context.Background(), srv.Client(), srv.URL, "hwgraph")
	if err != nil {
		t.Fatal(err)
	}
	if got := Summary(g).String(); got != "989 ok, 10 degraded, 1 unreachable" {
		t.Errorf("summary %q", got)
	}
	h, ok := g.Component(HostID("node000007:9877"))
	if !ok || h.Attrs["count:ok"] != 4110 || h.Attrs["count:degraded"] != 1 || h.Attrs["worst"] != "degraded" ||
		h.Model != "SYS-821GE-TNHR" || h.Attrs["hostname"] != "gpu-000007" || !strings.Contains(strings.Join(h.Health.Reasons, ";"), "pcie link pci:0000:3a:00.0~pci:0000:3b:00.0 degraded") {
		t.Errorf("host 7: %+v", h)
	}
	if c, ok := g.Component("node000007:9877/pci:0000:3b:00.0"); !ok || c.Health.State != topology.StateDegraded || c.Parent != h.ID {
		t.Errorf("its NIC: %+v", c)
	}
	if h, _ := g.Component(HostID("node000999:9877")); h == nil || h.Attrs["reachable"] != false || h.Health.State != topology.StateUnknown {
		t.Errorf("the host not scraped: %+v", h)
	}
	if len(g.Components) != 1010 {
		t.Errorf("%d components, want 1,000 hosts and 10 NICs", len(g.Components))
	}
}

// BenchmarkFromSeries100k builds the fleet of 100,000 agents of the
// synthetic 4,110-function size from recorded answers (the goal:
// under 10 s and 2 GB); heap-MB is the heap the fleet graph holds.
func BenchmarkFromSeries100k(b *testing.B) {
	srv := recordedFleet(b, 100_000)
	b.ReportAllocs()
	var g *topology.Graph
	for b.Loop() {
		var err error
		if g, err = FromSeries(context.Background(), srv.Client(), srv.URL, "hwgraph"); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MB")
	if len(g.Components) != 101_000 {
		b.Fatalf("%d components", len(g.Components))
	}
}
