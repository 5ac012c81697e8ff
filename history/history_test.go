package history

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

func graph(comps ...*topology.Component) *topology.Graph {
	return topology.Build(&topology.Fragment{Components: comps})
}

// openStore opens a store in a fresh folder, closed when the test ends.
func openStore(t *testing.T) *Store {
	t.Helper()
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestRecord: the first scan becomes the baseline; a component of the
// baseline gone from a later scan is missing and a removed event, once;
// Accept forgets it.
func TestRecord(t *testing.T) {
	st := openStore(t)
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

// TestCorruptState: a damaged last.json is moved aside, said once and
// read as none; the temporary files of atomic writes do not linger, and
// those a killed writer left are removed when the folder is opened.
func TestCorruptState(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "last.json.1234567"), []byte("{half a gra"), 0o600) // kill -9 mid-write
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if left, _ := filepath.Glob(filepath.Join(dir, "last.json.1*")); len(left) != 0 {
		t.Errorf("a killed writer's temporary file stays: %v", left)
	}
	os.WriteFile(filepath.Join(dir, lastFile), []byte("{garbage"), 0o644)
	if g, err := st.Last(); g != nil || err != nil {
		t.Errorf("a garbage last.json read as %v, %v", g, err)
	}
	d := st.TakeDamage()
	if len(d) != 1 || d[0].File != lastFile || !strings.Contains(d[0].MovedTo, "last.json.damaged-") || st.DamageCounts()[lastFile] != 1 {
		t.Errorf("damage %+v, counts %v", d, st.DamageCounts())
	}
	if moved, _ := os.ReadFile(d[0].MovedTo); string(moved) != "{garbage" {
		t.Errorf("the damaged file was not kept aside: %q", moved)
	}
	if again := st.TakeDamage(); len(again) != 0 {
		t.Errorf("damage said twice: %+v", again)
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

// TestBaselineReadOnce: the baseline is decoded once while its file stays
// the same, and read again when this store accepts a new one or another
// process replaces the file (as `hwgraph baseline accept` does beside a
// running agent).
func TestBaselineReadOnce(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	nic := &topology.Component{ID: "pci:0000:3b:00.0", Kind: topology.KindNIC}
	dimm := &topology.Component{ID: "dimm:A1", Kind: topology.KindDIMM}
	if err := st.Accept(graph(nic, dimm)); err != nil {
		t.Fatal(err)
	}
	a, _ := st.Baseline()
	b, _ := st.Baseline()
	if a == nil || a != b || len(a.Components) != 2 {
		t.Fatalf("two reads of an unchanged baseline: %p %p", a, b)
	}
	if err := st.Accept(graph(nic)); err != nil {
		t.Fatal(err)
	}
	if c, _ := st.Baseline(); c == a || len(c.Components) != 1 {
		t.Fatalf("after Accept: %+v", c)
	}
	// Another process writes the file: a new file renamed over it.
	data, err := os.ReadFile(filepath.Join(dir, baselineFile))
	if err != nil {
		t.Fatal(err)
	}
	replaced := strings.Replace(string(data), "pci:0000:3b:00.0", "pci:0000:3c:00.0", 1)
	tmp := filepath.Join(dir, "baseline.tmp")
	if err := os.WriteFile(tmp, []byte(replaced), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, baselineFile)); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Baseline(); d == nil || len(d.Components) != 1 || d.Components[0].ID != "pci:0000:3c:00.0" {
		t.Fatalf("after another process replaced it: %+v", d)
	}
}

// TestBaselineGraphOnlyWhileNeeded: while scans have every component of
// the baseline, only its IDs are kept; a scan that lacks one reads the
// baseline again and carries that component, attributes and all, as
// missing.
func TestBaselineGraphOnlyWhileNeeded(t *testing.T) {
	st := openStore(t)
	now := time.Now().UTC()
	nic := &topology.Component{ID: "pci:0000:3b:00.0", Kind: topology.KindNIC}
	dimm := &topology.Component{ID: "dimm:A1", Kind: topology.KindDIMM, Attrs: map[string]any{"size_bytes": 17179869184}}
	first := graph(nic, dimm)
	if err := st.Record(first, nil, now); err != nil {
		t.Fatal(err)
	}
	steady := graph(nic, dimm)
	if err := st.Record(steady, first, now); err != nil {
		t.Fatal(err)
	}
	if st.base.g != nil || len(st.base.ids) != 2 {
		t.Errorf("after a scan with every part: graph %p, IDs %v; want none and the two", st.base.g, st.base.ids)
	}
	gone := graph(nic)
	if err := st.Record(gone, steady, now); err != nil {
		t.Fatal(err)
	}
	c, ok := gone.Component("dimm:A1")
	if !ok {
		t.Fatal("the DIMM gone is not in the scan")
	}
	if size, _ := topology.Number(c.Attrs, "size_bytes"); c.Health.State != topology.StateMissing || size != 17179869184 {
		t.Fatalf("the DIMM gone: %+v, want missing with the baseline's size", c)
	}
	if len(gone.Events) != 1 || gone.Events[0].Kind != topology.EventRemoved {
		t.Errorf("events %+v, want one removal", gone.Events)
	}
}
