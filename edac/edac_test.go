package edac

import (
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

func val(p *uint64) int64 {
	if p == nil {
		return -1
	}
	return int64(*p)
}

// TestReadControllersCSRowLayout reads node_exporter's capture, whose mc0
// has the legacy csrow layout: controller CE 1, UE 5, noinfo 2/6, and per
// channel counts (csrow2 has no chN_ue_count files).
func TestReadControllersCSRowLayout(t *testing.T) {
	mcs, err := ReadControllers(filepath.Join(fixture.Root(t, "node_exporter/sys.tar.gz"), "sys"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mcs) != 1 || mcs[0].ID != 0 {
		t.Fatalf("controllers %+v", mcs)
	}
	mc := mcs[0]
	if val(mc.CE) != 1 || val(mc.UE) != 5 || val(mc.CENoInfo) != 2 || val(mc.UENoInfo) != 6 {
		t.Errorf("totals ce %d ue %d noinfo %d/%d, want 1 5 2/6", val(mc.CE), val(mc.UE), val(mc.CENoInfo), val(mc.UENoInfo))
	}
	want := []struct {
		name, label string
		ce, ue      int64
	}{
		{"csrow0/ch0", "mc0csrow0channel0", 0, 2},
		{"csrow0/ch1", "mc0csrow0channel1", 0, 2},
		{"csrow1/ch0", "mc0csrow1channel0", 0, 2},
		{"csrow1/ch1", "mc0csrow1channel1", 0, 2},
		{"csrow2/ch0", "mc0csrow2channel0", 0, -1},
		{"csrow2/ch1", "mc0csrow2channel1", 0, -1},
	}
	if len(mc.DIMMs) != len(want) {
		t.Fatalf("%d dimms, want %d: %+v", len(mc.DIMMs), len(want), mc.DIMMs)
	}
	for i, w := range want {
		d := mc.DIMMs[i]
		if d.Name != w.name || d.Label != w.label || val(d.CE) != w.ce || val(d.UE) != w.ue {
			t.Errorf("dimm %d = %s %q ce %d ue %d, want %+v", i, d.Name, d.Label, val(d.CE), val(d.UE), w)
		}
	}
	if len(mc.Problems) != 0 {
		t.Errorf("problems %v", mc.Problems)
	}
}

func TestNaturalLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"dimm2", "dimm10", true}, {"dimm10", "dimm2", false}, {"csrow0/ch1", "csrow1/ch0", true}, {"rank1", "rank1", false}} {
		if got := naturalLess(tc.a, tc.b); got != tc.want {
			t.Errorf("naturalLess(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// FuzzReadControllers writes fuzzed bytes into one file of node_exporter's
// EDAC tree (counts, noinfo counts, DIMM labels) and reads the tree: the
// damage costs that value, never the controller or its rows.
func FuzzReadControllers(f *testing.F) {
	sysfs := filepath.Join(fixture.Root(f, "node_exporter/sys.tar.gz"), "sys")
	files, _ := filepath.Glob(filepath.Join(sysfs, "devices/system/edac/mc/mc0/*_count"))
	rows, _ := filepath.Glob(filepath.Join(sysfs, "devices/system/edac/mc/mc0/csrow*/*"))
	fixture.FuzzFiles(f, append(files, rows...), func(t *testing.T, damaged string) {
		mcs, err := ReadControllers(sysfs)
		if err != nil || len(mcs) != 1 || len(mcs[0].DIMMs) == 0 {
			t.Fatalf("a damaged %s: %d controllers, %v", damaged, len(mcs), err)
		}
	})
}
