package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestFaultAERFloodFolds: node_exporter's capture with a saved kernel
// log of 10,000 corrected AER lines on its NVMe drive (a marginal link,
// in aer.c's format), then 10,000 more: the scans, the journal and the
// API hold one event for the flood, its count exact (20,000, in the
// event and in hwgraph_events_total), the first reported at once; the
// heap does not grow with the flood. With folding off, each line is an
// event.
func TestFaultAERFloodFolds(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	log := filepath.Join(t.TempDir(), "dmesg.txt")
	flood := func(from int) {
		t.Helper()
		var b strings.Builder
		for i := range 10000 {
			fmt.Fprintf(&b, "[%6d.%06d] nvme 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)\n", 200+(from+i)/1000, (from+i)%1000*1000)
		}
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(b.String())
		f.Close()
	}
	st, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := &Engine{Source: &Machine{Registry: collectors.New(collectors.Options{KmsgFile: log}), Env: collectors.Env{Root: root}}, Store: st, FoldWindow: DefaultFoldWindow}
	kernel := func(g *topology.Graph) []topology.Event {
		var out []topology.Event
		for _, ev := range g.Events {
			if ev.Source == "kmsg" {
				out = append(out, ev)
			}
		}
		return out
	}
	flood(0)
	g := e.Scan(context.Background())
	if ev := kernel(g); len(ev) != 1 || ev[0].N() != 10000 || !strings.Contains(ev[0].FoldedSuffix(), "10000 times") {
		t.Fatalf("the first scan's kernel-log events: %d, %+v", len(ev), ev)
	}
	kind := kernel(g)[0].Kind
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	flood(10000)
	e.Scan(context.Background())
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
		t.Errorf("the heap grew %d bytes with 10,000 more lines", grew)
	}
	kept, err := st.Journal.Query(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var flooded []topology.Event
	for _, ev := range kept {
		if ev.Kind == kind {
			flooded = append(flooded, ev)
		}
	}
	if len(flooded) != 1 || flooded[0].N() != 20000 {
		t.Errorf("the journal holds %d %s events (%+v), want one of count 20000", len(flooded), kind, flooded)
	}
	if counts, _ := st.Journal.Counts(); counts[kind] != 20000 {
		t.Errorf("hwgraph_events_total{kind=%q} = %d, want 20000", kind, counts[kind])
	}
	page, err := e.EventPage(topology.EventQuery{Limit: 10})
	if err != nil || len(page.Events) > 5 {
		t.Errorf("the API's first page: %d events, %v", len(page.Events), err)
	}

	// Off: every line an event, as before.
	os.Remove(log)
	flood(0)
	off := &Engine{Source: &Machine{Registry: collectors.New(collectors.Options{KmsgFile: log}), Env: collectors.Env{Root: root}}}
	if n := len(kernel(off.Scan(context.Background()))); n != 10000 {
		t.Errorf("without folding: %d events, want 10000", n)
	}
}

// TestGatheredStormGrowsOnce: the fleet gathers an agent's last events
// until the agent scans again; an Xid storm the agent folded and that
// grew between two gathers (3, then 5) is one event here, of count 5,
// and counted 5 times, not 8.
func TestGatheredStormGrowsOnce(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	storm := topology.Event{Time: t0, Kind: "xid", Component: "pci:0000:07:00.0", Severity: topology.SeverityCritical, Message: "Xid 48", Source: "nvml", Count: 3, Last: t0.Add(time.Second)}
	var r recentEvents
	r.add([]topology.Event{storm}, 0)
	grown := storm
	grown.Count, grown.Last = 5, t0.Add(2*time.Second)
	r.add([]topology.Event{grown, grown}, 0)
	page, _ := r.page(topology.EventQuery{})
	if len(page.Events) != 1 || page.Events[0].N() != 5 || !page.Events[0].Last.Equal(grown.Last) || r.counts()["xid"] != 5 {
		t.Errorf("events %+v, counted %d; want one of count 5, counted 5", page.Events, r.counts()["xid"])
	}
}
