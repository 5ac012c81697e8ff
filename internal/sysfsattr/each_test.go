package sysfsattr_test

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestEachMatchesReadDir lists folders of a real capture, which hold
// directories, attributes and symbolic links, and compares every name and
// type with os.ReadDir's.
func TestEachMatchesReadDir(t *testing.T) {
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	for _, rel := range []string{
		"sys/bus/pci/devices",                 // symbolic links
		"sys/devices/pci0000:00",              // functions, attributes, links
		"sys/devices/pci0000:00/0000:00:01.0", // a bridge and its child
		"sys/devices/system/node/node1",       // a NUMA node
	} {
		t.Run(rel, func(t *testing.T) {
			dir := filepath.Join(root, rel)
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]fs.FileMode{}
			for _, e := range ents {
				want[e.Name()] = e.Type()
			}
			got := map[string]fs.FileMode{}
			if err := sysfsattr.Each(dir, func(name string, typ fs.FileMode) { got[name] = typ }); err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || !maps.Equal(got, want) {
				t.Errorf("Each: %d entries %v\nos.ReadDir: %d entries %v", len(got), got, len(want), want)
			}
		})
	}
	if err := sysfsattr.Each(filepath.Join(root, "sys/bus/pci/devices/absent"), func(string, fs.FileMode) {}); !os.IsNotExist(err) {
		t.Errorf("absent folder: %v, want not-exist", err)
	}
	if err := sysfsattr.Each(filepath.Join(root, "sys/devices/system/node/node1/cpulist"), func(string, fs.FileMode) {}); err == nil {
		t.Error("a file listed as a folder: no error")
	}
}

// TestDirEachTwice: a second listing of one open folder rewinds.
func TestDirEachTwice(t *testing.T) {
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	f, err := sysfsattr.OpenDir(filepath.Join(root, "sys/devices/system/node/node1"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var first, second int
	f.Each(func(string, fs.FileMode) { first++ })
	f.Each(func(string, fs.FileMode) { second++ })
	if first == 0 || second != first {
		t.Errorf("listed %d, then %d entries", first, second)
	}
}

// TestDirReadlink reads the links of a real function and a link
// longer than the first buffer (fault: no kernel makes one).
func TestDirReadlink(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dev := filepath.Join(root, "sys/bus/pci/devices/0000:01:00.0")
	want, err := os.Readlink(filepath.Join(dev, "driver"))
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(dev)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("../x/", 200) + "target"
	if err := os.Symlink(long, filepath.Join(real, "long_link")); err != nil {
		t.Fatal(err)
	}
	f, err := sysfsattr.OpenDir(real)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, want := range map[string]string{"driver": want, "long_link": long} {
		if got, err := f.Readlink(name); got != want || err != nil {
			t.Errorf("Readlink(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := f.Readlink("absent"); !os.IsNotExist(err) {
		t.Errorf("absent link: %v", err)
	}
}
