package history_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestUnchangedScansWriteNothing: scans of an unchanged machine (node_exporter's
// capture, with hwmon sensors) record once; the next ones rewrite neither
// last.json nor the journal. A counter that grows is recorded again.
func TestUnchangedScansWriteNothing(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dir := t.TempDir()
	st, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := collectors.New(collectors.Options{})
	var last *topology.Graph
	scan := func() {
		t.Helper()
		g := reg.Scan(context.Background(), collectors.Env{Root: root}, last)
		if err := st.Record(g, last, time.Now()); err != nil {
			t.Fatal(err)
		}
		last = g
	}
	stat := func(name string) os.FileInfo {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	scan()
	lastJSON, journal := stat("last.json"), stat("events.db")
	for range 3 {
		time.Sleep(10 * time.Millisecond) // a rewrite would show in the modification time
		scan()
	}
	if fi := stat("last.json"); !os.SameFile(fi, lastJSON) || !fi.ModTime().Equal(lastJSON.ModTime()) {
		t.Error("last.json was rewritten by scans that changed nothing")
	}
	if fi := stat("events.db"); !fi.ModTime().Equal(journal.ModTime()) || fi.Size() != journal.Size() {
		t.Error("the journal was touched by scans without events")
	}
	// The NVMe drive's link counts an AER error: recorded.
	dev, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:01:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dev, "aer_dev_correctable"))
	if err != nil {
		t.Fatal(err)
	}
	grown := []byte(strings.NewReplacer("RxErr 0", "RxErr 5", "TOTAL_ERR_COR 0", "TOTAL_ERR_COR 5").Replace(string(b)))
	if err := os.WriteFile(filepath.Join(dev, "aer_dev_correctable"), grown, 0o644); err != nil {
		t.Fatal(err)
	}
	scan()
	if fi := stat("last.json"); os.SameFile(fi, lastJSON) {
		t.Error("a grown counter was not recorded")
	}
}
