package thermal

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/procfs/sysfs"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestCoolingDevicesMatchProcfs: on node_exporter's tree, every cooling
// device reads as procfs reads it (and as node_exporter prints it:
// node_cooling_device_cur_state{name="0",type="Processor"} 0, max 3).
func TestCoolingDevicesMatchProcfs(t *testing.T) {
	sys := filepath.Join(fixture.Root(t, "node_exporter/sys.tar.gz"), "sys")
	ours, err := ReadCoolingDevices(sys)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := sysfs.NewFS(sys)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fsys.ClassCoolingDeviceStats()
	if err != nil {
		t.Fatal(err)
	}
	if len(ours) != len(want) || len(ours) != 1 {
		t.Fatalf("%d devices, procfs %d, want 1", len(ours), len(want))
	}
	c, w := ours[0], want[0]
	if c.Type != w.Type || c.Type != "Processor" || c.CurState == nil || *c.CurState != w.CurState || *c.CurState != 0 ||
		c.MaxState == nil || *c.MaxState != w.MaxState || *c.MaxState != 3 || c.Off || c.PCI != "" || len(c.Problems) > 0 {
		t.Errorf("%+v\nprocfs: %+v", c, w)
	}
}

// TestCoolingDevicesOfProcfsTree: procfs's own tree has a processor
// cooling device at state 0 of 50, a fan (TFN1) whose cur_state the
// tree lacks, and intel_powerclamp reading -1 (not injecting). procfs
// leaves the fan out; here it is listed with the missing file as its
// problem, and the others read whole.
func TestCoolingDevicesOfProcfsTree(t *testing.T) {
	got, err := ReadCoolingDevices(filepath.Join(fixture.Root(t, "procfs/fixtures.tar.gz"), "sys"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d devices, want 3: %+v", len(got), got)
	}
	val := func(p *int64) int64 {
		if p == nil {
			return -100
		}
		return *p
	}
	for i, want := range []struct {
		typ      string
		cur, max int64
		off      bool
		problem  string
	}{
		{"Processor", 0, 50, false, ""},
		{"TFN1", -100, 50, false, "cooling_device1/cur_state: file does not exist"},
		{"intel_powerclamp", -100, 27, true, ""},
	} {
		c := got[i]
		if c.N != i || c.Type != want.typ || val(c.CurState) != want.cur || val(c.MaxState) != want.max || c.Off != want.off {
			t.Errorf("cooling_device%d: %+v, want %+v", i, c, want)
		}
		switch {
		case want.problem == "" && len(c.Problems) > 0:
			t.Errorf("cooling_device%d: problems %v", i, c.Problems)
		case want.problem != "" && (len(c.Problems) != 1 || !strings.HasSuffix(c.Problems[0].Error(), want.problem) ||
			!errors.Is(c.Problems[0], fs.ErrNotExist)):
			t.Errorf("cooling_device%d: problems %v, want one ending %q", i, c.Problems, want.problem)
		}
	}
}

// TestCoolingDevicesAbsent: a tree without the thermal class (hwloc's
// captures keep none) is absent, not broken.
func TestCoolingDevicesAbsent(t *testing.T) {
	_, err := ReadCoolingDevices(filepath.Join(fixture.Root(t, "hwloc/16amd64-8n2c.tar.bz2"), "sys"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err %v, want one wrapping fs.ErrNotExist", err)
	}
}

// FuzzCoolingDevices damages one file of procfs's cooling devices: the
// damage costs the device it describes only, and never the list.
func FuzzCoolingDevices(f *testing.F) {
	sys := filepath.Join(fixture.Root(f, "procfs/fixtures.tar.gz"), "sys")
	before, err := ReadCoolingDevices(sys)
	if err != nil {
		f.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(sys, "class/thermal/cooling_device*/*_state"))
	fixture.FuzzFiles(f, paths, func(t *testing.T, damaged string) {
		got, err := ReadCoolingDevices(sys)
		if err != nil || len(got) != len(before) {
			t.Fatalf("%d devices, err %v; want %d", len(got), err, len(before))
		}
		for i, c := range got {
			if strings.Contains(damaged, "/cooling_device"+strconv.Itoa(c.N)+"/") {
				continue
			}
			if !sameReading(c, before[i]) {
				t.Errorf("cooling_device%d changed by damage to %s: %+v, was %+v", c.N, damaged, c, before[i])
			}
		}
	})
}

func sameReading(a, b CoolingDevice) bool {
	eq := func(x, y *int64) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.N == b.N && a.Type == b.Type && eq(a.CurState, b.CurState) && eq(a.MaxState, b.MaxState) && a.Off == b.Off &&
		a.PCI == b.PCI && len(a.Problems) == len(b.Problems)
}
