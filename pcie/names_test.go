package pcie

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNameLookup: names from the system's pci.ids (Debian's package,
// installed by .ci/run), as lspci prints them.
func TestNameLookup(t *testing.T) {
	db := &NameDB{}
	if err := db.Err(); err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		d    Device
		want Names
	}{
		{Device{Vendor: 0x8086, DeviceID: 0x1521, Class: 0x020000}, Names{"Intel Corporation", "I350 Gigabit Network Connection", "Ethernet controller"}},
		{Device{Vendor: 0x144d, DeviceID: 0xa808, Class: 0x010802}, Names{"Samsung Electronics Co Ltd", "NVMe SSD Controller SM981/PM981/PM983", "Non-Volatile memory controller"}},
		{Device{Vendor: 0x10de, DeviceID: 0xffff, Class: 0x030200}, Names{"NVIDIA Corporation", "", "3D controller"}},
		{Device{Vendor: 0xfffc, DeviceID: 0x0001, Class: 0xff0000}, Names{"", "", "Unassigned class"}},
	} {
		if got := db.Lookup(&tc.d); got != tc.want {
			t.Errorf("Lookup(%04x:%04x class %06x) = %+v, want %+v", tc.d.Vendor, tc.d.DeviceID, tc.d.Class, got, tc.want)
		}
	}
}

func TestNamesWithoutPCIIDs(t *testing.T) {
	db := &NameDB{Path: filepath.Join(t.TempDir(), "absent")}
	if err := db.Err(); err == nil || !strings.Contains(err.Error(), "pci.ids") {
		t.Errorf("Err() = %v", err)
	}
	if got := db.Lookup(&Device{Vendor: 0x8086}); got != (Names{}) {
		t.Errorf("Lookup without a database: %+v", got)
	}
}

// TestDeviceSearchMatchesScan checks the binary search against a line
// scan for every device of every vendor in the system's pci.ids.
func TestDeviceSearchMatchesScan(t *testing.T) {
	db := &NameDB{}
	if err := db.Err(); err != nil {
		t.Skip(err)
	}
	devices := 0
	for id, s := range db.vendors {
		for p := db.deviceLine(s.start+1, s.end); p >= 0; p = db.deviceLine(p+1, s.end) {
			dev := string(db.data[p+1 : p+5])
			want := db.child(s.start, dev)
			if got := db.device(s, dev); got != want || want == "" {
				t.Errorf("%04x:%s: search %q, scan %q", id, dev, got, want)
			}
			devices++
		}
	}
	if len(db.vendors) < 2000 || devices < 15000 {
		t.Errorf("%d vendors, %d devices: not the whole file", len(db.vendors), devices)
	}
	t.Logf("%d vendors, %d devices", len(db.vendors), devices)
}

// TestReleaseKeepsNames: after Release the names found stay, the file is
// unmapped, and a device not seen before maps it again.
func TestReleaseKeepsNames(t *testing.T) {
	db := &NameDB{}
	if err := db.Err(); err != nil {
		t.Skip(err)
	}
	i350 := Device{Vendor: 0x8086, DeviceID: 0x1521, Class: 0x020000}
	want := db.Lookup(&i350)
	db.Release()
	if db.data != nil || db.loaded {
		t.Fatal("Release kept the file")
	}
	if got := db.Lookup(&i350); got != want || db.loaded {
		t.Errorf("after Release: %+v (file mapped again: %v), want %+v without the file", got, db.loaded, want)
	}
	if err := db.Err(); err != nil || db.loaded {
		t.Errorf("Err after Release: %v, mapped: %v", err, db.loaded)
	}
	pm981 := Device{Vendor: 0x144d, DeviceID: 0xa808, Class: 0x010802}
	if got := db.Lookup(&pm981); got.Device != "NVMe SSD Controller SM981/PM981/PM983" || !db.loaded {
		t.Errorf("new device after Release: %+v, mapped: %v", got, db.loaded)
	}
}

// TestFaultNamesFileTruncatedWhileMapped: pci.ids cut to nothing in place
// while mapped (its pages then raise SIGBUS): names become unavailable
// with an error, and the process lives.
func TestFaultNamesFileTruncatedWhileMapped(t *testing.T) {
	src := &NameDB{}
	if err := src.Err(); err != nil {
		t.Skip(err)
	}
	path := filepath.Join(t.TempDir(), "pci.ids")
	if err := os.WriteFile(path, src.data, 0o644); err != nil {
		t.Fatal(err)
	}
	db := &NameDB{Path: path}
	if err := db.Err(); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	got := db.Lookup(&Device{Vendor: 0x8086, DeviceID: 0x1521, Class: 0x020000})
	if got != (Names{}) || db.Err() == nil || !strings.Contains(db.Err().Error(), "truncated") {
		t.Errorf("Lookup on a truncated mapping: %+v, err %v", got, db.Err())
	}
}
