package disk

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestKeptReadsAsWhole: on every capture with disks, reads with what was
// kept equal whole reads while nothing changed.
func TestKeptReadsAsWhole(t *testing.T) {
	for _, c := range []string{"procfs/fixtures.tar.gz", "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2", "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2"} {
		sys := filepath.Join(fixture.Root(t, c), "sys")
		whole, err := ReadDisks(sys)
		if err != nil || len(whole) == 0 {
			t.Fatalf("%s: %d disks, %v", c, len(whole), err)
		}
		kept := NewKept(0)
		for i := range 3 {
			got, err := ReadDisksWith(sys, nil, kept)
			if err != nil || !reflect.DeepEqual(got, whole) {
				t.Errorf("%s, read %d with what was kept:\n%+v\nwhole:\n%+v", c, i, got, whole)
			}
		}
	}
}

// TestFaultKeptDiskIdentity: procfs' sdw (SCSI 11:0:8:0) whose vendor is
// then rewritten (no event announced it) and whose state goes offline: a
// read with what was kept still names the old vendor but sees the new
// state at once; once forgotten (an event), or past MaxAge, the new
// vendor is read.
func TestFaultKeptDiskIdentity(t *testing.T) {
	sys := filepath.Join(fixture.Root(t, "procfs/fixtures.tar.gz"), "sys")
	sdw := func(ds []Disk) Disk {
		for _, d := range ds {
			if d.SCSI == "11:0:8:0" {
				return d
			}
		}
		t.Fatalf("no 11:0:8:0 in %+v", ds)
		return Disk{}
	}
	kept := NewKept(0)
	first, err := ReadDisksWith(sys, nil, kept)
	if err != nil || sdw(first).Vendor != "HITACHI" || sdw(first).State != "running" {
		t.Fatalf("%+v, %v", sdw(first), err)
	}
	dir := filepath.Join(sys, sdw(first).Path)
	for name, value := range map[string]string{"vendor": "ACME\n", "state": "offline\n"} {
		if err := os.Chmod(filepath.Join(dir, name), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := writeFile(filepath.Join(dir, name), []byte(value)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(k *Kept) Disk {
		ds, err := ReadDisksWith(sys, nil, k)
		if err != nil {
			t.Fatal(err)
		}
		return sdw(ds)
	}
	if d := read(kept); d.Vendor != "HITACHI" || d.State != "offline" {
		t.Errorf("kept: vendor %q, state %q; want the kept HITACHI, and offline", d.Vendor, d.State)
	}
	if d := read(nil); d.Vendor != "ACME" {
		t.Errorf("unkept: vendor %q", d.Vendor)
	}
	kept.Forget()
	if d := read(kept); d.Vendor != "ACME" {
		t.Errorf("forgotten: vendor %q", d.Vendor)
	}
	aged := NewKept(time.Millisecond)
	read(aged)
	if err := writeFile(filepath.Join(dir, "vendor"), []byte("ZETA\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if d := read(aged); d.Vendor != "ZETA" {
		t.Errorf("past MaxAge: vendor %q", d.Vendor)
	}
}
