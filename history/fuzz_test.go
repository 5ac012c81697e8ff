package history

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// FuzzStateFiles writes fuzzed bytes as last.json and baseline.json (what
// a crash, a full disk or a hand could leave) and records a scan over
// them: no panic, and a scan is always recorded — a damaged file is
// moved aside, not a reason to stop.
func FuzzStateFiles(f *testing.F) {
	good := graph(&topology.Component{ID: "pci:0000:3b:00.0", Kind: topology.KindNIC})
	var buf []byte
	{
		p := filepath.Join(f.TempDir(), "g.json")
		fd, _ := os.Create(p)
		topology.WriteJSON(fd, good)
		fd.Close()
		buf, _ = os.ReadFile(p)
	}
	f.Add(buf, buf)
	f.Add([]byte(`{"schema":1,"host":{"id":"host","kind":"host"},"components":[null]}`), buf)
	f.Add(buf, []byte(`{"schema":1,"host":null}`))
	f.Add([]byte(""), []byte("{garbage"))
	f.Fuzz(func(t *testing.T, last, baseline []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, lastFile), last, 0o600)
		os.WriteFile(filepath.Join(dir, baselineFile), baseline, 0o600)
		st, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		prev, err := st.Last()
		if err != nil {
			t.Fatal(err)
		}
		g := graph(&topology.Component{ID: "numa:0", Kind: topology.KindNUMANode})
		if err := st.Record(g, prev, time.Now()); err != nil {
			t.Fatalf("record: %v", err)
		}
		if l, _ := st.Last(); l == nil {
			t.Fatal("the scan was not recorded")
		}
	})
}
