package pcie

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// FuzzParseUevent is seeded with real uevent files of node_exporter's
// capture and 32em64t.
func FuzzParseUevent(f *testing.F) {
	for _, capture := range []string{"node_exporter/sys.tar.gz", "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2"} {
		root := fixture.Root(f, capture)
		paths, _ := filepath.Glob(filepath.Join(root, "sys/bus/pci/devices/*/uevent"))
		for _, p := range paths[:min(len(paths), 8)] {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		u, err := parseUevent(text)
		if err == nil && u.hasClass && u.class > 0xffffff {
			t.Fatalf("class %x beyond 24 bits", u.class)
		}
	})
}

// FuzzReadDevice writes fuzzed bytes into one attribute of a real
// function (node_exporter's NVMe drive, which has AER, link and uevent
// files) and reads it: a damaged attribute costs that attribute, never
// the function or a panic.
func FuzzReadDevice(f *testing.F) {
	root := fixture.Root(f, "node_exporter/sys.tar.gz")
	sysfs := filepath.Join(root, "sys")
	const name = "0000:01:00.0"
	dir, err := filepath.EvalSymlinks(filepath.Join(sysfs, "bus/pci/devices", name))
	if err != nil {
		f.Fatal(err)
	}
	var files []string
	for _, a := range deviceAttrs.List() {
		p := filepath.Join(dir, a)
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	if len(files) < 10 {
		f.Fatalf("the function has only %v", files)
	}
	fixture.FuzzFiles(f, files, func(t *testing.T, damaged string) {
		d, err := ReadDevice(sysfs, name)
		if err != nil {
			t.Fatalf("a damaged %s cost the function: %v", filepath.Base(damaged), err)
		}
		if d.Name != name || d.Address.String() != name {
			t.Fatalf("read %q at %v", d.Name, d.Address)
		}
	})
}
