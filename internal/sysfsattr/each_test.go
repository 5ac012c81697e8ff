package sysfsattr_test

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/fixture"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
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

// TestFolderEachTwice: a second listing of one open folder rewinds.
func TestFolderEachTwice(t *testing.T) {
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	f, err := sysfsattr.OpenFolder(filepath.Join(root, "sys/devices/system/node/node1"))
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
