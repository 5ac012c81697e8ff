package eventlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// TestLinesAreTheJournal: an agent's scans of node_exporter's capture,
// with kernel-log lines appended between them, written as the agent
// writes them: read back line by line, the events are the journal's,
// exactly.
func TestLinesAreTheJournal(t *testing.T) {
	sink := filepath.Join(t.TempDir(), "events.jsonl")
	w := New(sink, nil)
	want := agentEvents(t, func(g *topology.Graph) { w.Write(g.Events) })
	got := readLines(t, sink)
	// The journal orders by time; a scan's lines come as the scan made
	// them.
	slices.SortStableFunc(got, func(a, b topology.Event) int { return a.Time.Compare(b.Time) })
	if len(want) < 2 {
		t.Fatalf("the journal holds %d events", len(want))
	}
	sameEvents(t, got, want)
}

// sameEvents fails unless got are want, times compared as instants.
func sameEvents(t *testing.T, got, want []topology.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events read back, %d written", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Time.Equal(w.Time) || !g.Last.Equal(w.Last) {
			t.Errorf("event %d at %v (last %v), written at %v (last %v)", i, g.Time, g.Last, w.Time, w.Last)
		}
		g.Time, w.Time, g.Last, w.Last = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if g != w {
			t.Errorf("event %d: %+v, written %+v", i, g, w)
		}
	}
}

// agentEvents runs an agent's scans of node_exporter's capture, with
// kernel-log lines appended between them, calling onScan after each as
// serve does, and gives the events its journal holds.
func agentEvents(t *testing.T, onScan func(*topology.Graph)) []topology.Event {
	t.Helper()
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	log := filepath.Join(t.TempDir(), "dmesg.txt")
	st, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{KmsgFile: log}), Env: collectors.Env{Root: root}}, Store: st, OnScan: onScan}
	for i, line := range []string{
		"[  200.000002] nvme 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)\n",
		"[  300.000003] i2c i2c-3: SCL is stuck low, exit recovery\n",
	} {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(line)
		f.Close()
		if g := e.Scan(context.Background()); len(g.Events) == 0 {
			t.Fatalf("scan %d: no events", i)
		}
	}
	want, err := st.Journal.Query(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	return want
}

func readLines(t *testing.T, path string) []topology.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []topology.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 2*MaxLine)
	for sc.Scan() {
		var e topology.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// TestLongMessagesAreCut: a message of 40,000 bytes — plain, or all
// bytes JSON escapes six times over — makes a line of at most 16 KiB
// that is still JSON, its message cut and marked.
func TestLongMessagesAreCut(t *testing.T) {
	for _, msg := range []string{strings.Repeat("x", 40000), strings.Repeat("\x01", 40000), strings.Repeat("é", 20000)} {
		b := Line(topology.Event{Time: time.Now(), Kind: "bmc-log", Component: "bmc:0", Severity: "warning", Message: msg, Source: "redfish"})
		var e topology.Event
		if len(b) > MaxLine || json.Unmarshal(b, &e) != nil || !strings.HasSuffix(e.Message, cutMark) || len(b) < MaxLine-64 {
			t.Errorf("a %d-byte message: a %d-byte line, message ending %q", len(msg), len(b), e.Message[max(len(e.Message)-10, 0):])
		}
	}
}

// TestFaultUnwritableSink: a sink in a folder that is not there is said
// once however many scans fail to write it, and once when it works
// again; the events written then are whole lines.
func TestFaultUnwritableSink(t *testing.T) {
	var logged bytes.Buffer
	dir := filepath.Join(t.TempDir(), "gone")
	w := New(filepath.Join(dir, "events.jsonl"), slog.New(slog.NewTextHandler(&logged, nil)))
	ev := []topology.Event{{Time: time.Now(), Kind: "removed", Component: "dimm:A1", Severity: "critical", Message: "gone", Source: "diff"}}
	for range 5 {
		w.Write(ev)
	}
	if n := strings.Count(logged.String(), "level=ERROR"); n != 1 {
		t.Errorf("%d errors said for 5 failed writes:\n%s", n, logged.String())
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	w.Write(ev)
	if !strings.Contains(logged.String(), "again") {
		t.Errorf("the recovery is not said:\n%s", logged.String())
	}
	if got := readLines(t, filepath.Join(dir, "events.jsonl")); len(got) != 1 || got[0].Message != "gone" {
		t.Errorf("after the folder came back: %+v", got)
	}
}
