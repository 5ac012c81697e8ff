package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestFaultStateUnwritableLosesNoEvent: the NVMe drive's link in
// node_exporter's capture counts correctable AER errors 0, 1, 2, 3 over
// four scans. The second is recorded while another process holds the
// journal past its lock wait, the third while last.json cannot be
// replaced; each failure says so in Degraded (/healthz) and the write
// metrics, and the fourth scan writes all they left: the journal holds
// every step, (1 in all), (2 in all), (3 in all), and nothing waits.
func TestFaultStateUnwritableLosesNoEvent(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dir := t.TempDir()
	st, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := &Engine{Source: &Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: root}}, Store: st}
	dev, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:01:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	aer := filepath.Join(dev, "aer_dev_correctable")
	orig, err := os.ReadFile(aer)
	if err != nil {
		t.Fatal(err)
	}
	grow := func(n int) {
		t.Helper()
		r := strings.NewReplacer("RxErr 0", fmt.Sprintf("RxErr %d", n), "TOTAL_ERR_COR 0", fmt.Sprintf("TOTAL_ERR_COR %d", n))
		if err := os.WriteFile(aer, []byte(r.Replace(string(orig))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	failing := func(scan string, wantErrors uint64) {
		t.Helper()
		errs, pending := e.StateWrites()
		if d := e.Degraded(); !strings.Contains(d, "state folder not written") || errs < wantErrors || pending == 0 {
			t.Errorf("%s: degraded %q, %d write errors, %d pending", scan, d, errs, pending)
		}
	}
	e.Scan(context.Background())
	if d := e.Degraded(); d != "" {
		t.Fatalf("first scan: %s", d)
	}

	grow(1)
	held, err := bolt.Open(filepath.Join(dir, "events.db"), 0o600, nil) // another process's hold
	if err != nil {
		t.Fatal(err)
	}
	e.Scan(context.Background())
	failing("journal held", 1)
	held.Close()

	grow(2)
	blocker := filepath.Join(dir, "last.json.next", "x") // a folder where the staged scan goes
	os.Remove(filepath.Dir(blocker))                     // the scan the failed append staged
	if err := os.MkdirAll(blocker, 0o700); err != nil {
		t.Fatal(err)
	}
	e.Scan(context.Background())
	failing("last.json blocked", 2)
	os.RemoveAll(filepath.Dir(blocker))

	grow(3)
	e.Scan(context.Background())
	if errs, pending := e.StateWrites(); e.Degraded() != "" || pending != 0 || errs < 2 {
		t.Errorf("after the disk mended: degraded %q, %d write errors, %d pending", e.Degraded(), errs, pending)
	}
	events, err := st.Journal.Query(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		if ev.Kind == topology.EventErrors && strings.Contains(ev.Link, "0000:01:00.0") {
			got = append(got, ev.Message[strings.LastIndexByte(ev.Message, '('):])
		}
	}
	if want := []string{"(1 in all)", "(2 in all)", "(3 in all)"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the journal holds the link's error events %q, want %q (all: %+v)", got, want, events)
	}
	last, err := st.Last()
	if err != nil || last == nil {
		t.Fatalf("last.json: %v", err)
	}
	if l := linkOf(last, "0000:01:00.0"); l == nil || l.Counters["aer_correctable"] != 3 {
		t.Errorf("last.json holds the link %+v, want its count at 3", l)
	}
}

func linkOf(g *topology.Graph, bdf string) *topology.Link {
	for _, l := range g.Links {
		if strings.Contains(l.ID, bdf) {
			return l
		}
	}
	return nil
}

// TestFaultCursorWaitsForTheJournal: a saved kernel log's AER line is
// read while another process holds the journal, and the agent stops
// before the journal is free (a restart, a kill). The log's cursor was
// not moved past it: the next agent reads the line again, and the
// journal holds its event, once. Before, the cursor was written during
// the scan and the event was lost.
func TestFaultCursorWaitsForTheJournal(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dir := t.TempDir()
	log := filepath.Join(t.TempDir(), "dmesg.txt")
	if err := os.WriteFile(log, []byte("[  200.000002] nvme 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	agent := func() (*Engine, *history.Store) {
		st, err := history.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return &Engine{Source: &Machine{Registry: collectors.New(collectors.Options{KmsgFile: log, State: st.Cursors()}), Env: collectors.Env{Root: root}}, Store: st}, st
	}
	aer := func(st *history.Store) int {
		events, err := st.Journal.Query(time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range events {
			if e.Kind == "aer" {
				n++
			}
		}
		return n
	}
	e, st := agent()
	held, err := bolt.Open(filepath.Join(dir, "events.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := e.Scan(context.Background()); !strings.Contains(e.Degraded(), "not written") || len(g.Events) == 0 {
		t.Fatalf("the scan with the journal held: %q, %d events", e.Degraded(), len(g.Events))
	}
	st.Close() // the agent stops, its pending events with it
	held.Close()

	e, st = agent()
	defer st.Close()
	e.Scan(context.Background())
	if n := aer(st); n != 1 {
		t.Errorf("the journal holds %d AER events after the restart, want the line's one", n)
	}
	e.Scan(context.Background())
	if n := aer(st); n != 1 {
		t.Errorf("a third scan: %d AER events, want still one", n)
	}
}
