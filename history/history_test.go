package history

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

func graph(comps ...*topology.Component) *topology.Graph {
	return topology.Build(&topology.Fragment{Components: comps})
}

// TestRecord: the first scan becomes the baseline; a component of the
// baseline gone from a later scan is missing and a removed event, once;
// Accept forgets it.
func TestRecord(t *testing.T) {
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	nic := &topology.Component{ID: "pci:0000:3b:00.0", Kind: topology.KindNIC}
	dimm := &topology.Component{ID: "dimm:A1", Kind: topology.KindDIMM}
	first := graph(nic, dimm)
	if err := st.Record(first, nil, now); err != nil || len(first.Events) != 0 {
		t.Fatalf("first: %v %+v", err, first.Events)
	}
	if b, _ := st.Baseline(); b == nil || len(b.Components) != 2 {
		t.Fatalf("baseline %+v", b)
	}
	second := graph(nic)
	if err := st.Record(second, first, now); err != nil {
		t.Fatal(err)
	}
	if c, ok := second.Component("dimm:A1"); !ok || c.Health.State != topology.StateMissing || len(second.Events) != 1 ||
		second.Events[0].Kind != topology.EventRemoved {
		t.Fatalf("second: %+v %+v", c, second.Events)
	}
	third := graph(nic)
	st.Record(third, second, now)
	if len(third.Events) != 0 {
		t.Errorf("the removal was reported again: %+v", third.Events)
	}
	if events, _ := st.Journal.Query(time.Time{}, "dimm:A1"); len(events) != 1 {
		t.Errorf("journal: %+v", events)
	}
	if err := st.Accept(third); err != nil {
		t.Fatal(err)
	}
	if b, _ := st.Baseline(); len(b.Components) != 1 {
		t.Errorf("accepted baseline still holds the missing DIMM: %+v", b.Components)
	}
}

// TestCorruptState: a damaged last.json is an error naming the file, and
// the temporary files of atomic writes do not linger.
func TestCorruptState(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	os.WriteFile(filepath.Join(dir, lastFile), []byte("{garbage"), 0o644)
	if _, err := st.Last(); err == nil {
		t.Error("a garbage last.json read without error")
	}
	if err := st.Accept(graph()); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, baselineFile+".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestStateFiles: a collector's cursor round-trips, is written owner-only
// and atomically, reads as fs.ErrNotExist before its first write, and
// cannot name a file outside the folder or the journal.
func TestStateFiles(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ReadState("kmsg-cursor"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("before the first write: %v", err)
	}
	for _, v := range []string{"boot-a 12\n", "boot-a 13\n"} {
		if err := st.WriteState("kmsg-cursor", []byte(v)); err != nil {
			t.Fatal(err)
		}
		if got, err := st.ReadState("kmsg-cursor"); string(got) != v || err != nil {
			t.Errorf("read %q, %v; want %q", got, err, v)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "kmsg-cursor"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "kmsg-cursor.*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	for _, bad := range []string{"", "..", "../escape", "a/b", "events.db"} {
		if err := st.WriteState(bad, []byte("x")); err == nil {
			t.Errorf("WriteState(%q) accepted", bad)
		}
	}
}
