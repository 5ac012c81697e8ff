package dmi

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/hwlocxml"
)

// TestEntriesMatchHwloc: the 32em64t capture (a Dell with 24 DIMM slots)
// has no tables/ folder, only the per-record entries/17-N/raw dumps. The
// populated slots are exactly hwloc's MemoryModule objects (os_index N is
// the entry 17-N), field for field.
func TestEntriesMatchHwloc(t *testing.T) {
	const name = "hwloc/32em64t-2n8c+dax+nvme+mic+dimms"
	root := fixture.Root(t, name+".tar.bz2")
	tabs, err := Read(filepath.Join(root, "sys"))
	if err != nil {
		t.Fatal(err)
	}
	if tabs.Source != "entries" || len(tabs.Problems) > 0 {
		t.Errorf("source %s, problems %v", tabs.Source, tabs.Problems)
	}
	mds, errs := tabs.MemoryDevices()
	if len(errs) > 0 || len(mds) != 24 {
		t.Fatalf("%d memory devices (problems %v), the capture has 24 entries", len(mds), errs)
	}
	topo, err := hwlocxml.Read(fixture.Path(t, name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]*hwlocxml.Object{}
	topo.Walk(func(o *hwlocxml.Object) {
		if o.Subtype == "MemoryModule" {
			want[*o.OSIndex] = o
		}
	})
	populated := 0
	for i, m := range mds {
		w := want[i]
		if !m.Populated() {
			if w != nil {
				t.Errorf("17-%d empty, hwloc has %s", i, w.Info("DeviceLocation"))
			}
			continue
		}
		populated++
		if w == nil {
			t.Errorf("17-%d (%s) populated, not in hwloc", i, m.Locator)
			continue
		}
		for _, c := range []struct{ info, got string }{
			{"DeviceLocation", m.Locator}, {"Vendor", m.Manufacturer}, {"SerialNumber", m.SerialNumber},
			{"AssetTag", m.AssetTag}, {"PartNumber", m.PartNumber}, {"FormFactor", m.FormFactor},
			{"Type", m.Type}, {"Size", fmt.Sprintf("%dKiB", m.SizeBytes>>10)}, {"Rank", fmt.Sprint(m.Rank)},
		} {
			if strings.TrimSpace(w.Info(c.info)) != c.got {
				t.Errorf("17-%d %s: %q, hwloc %q", i, c.info, c.got, w.Info(c.info))
			}
		}
	}
	if populated != len(want) || populated != 8 {
		t.Errorf("%d populated slots, hwloc has %d modules", populated, len(want))
	}
}
