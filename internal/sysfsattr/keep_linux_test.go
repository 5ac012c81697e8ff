package sysfsattr

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKeeperReadsAgain: below a kept root, an attribute read stays open
// and each read sees what it holds now; what a scan does not read again
// is closed at its Sweep; files outside sys/ and proc/ are never kept.
func TestKeeperReadsAgain(t *testing.T) {
	root := t.TempDir()
	attr := filepath.Join(root, "sys/class/net/eth0/carrier")
	other := filepath.Join(root, "etc/os-release")
	for _, p := range []string{attr, other} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k := KeepOpen(root)
	defer k.Close()
	read := func(p, want string) {
		t.Helper()
		if got, err := Read(p); err != nil || got != want {
			t.Fatalf("Read(%s) = %q, %v; want %q", p, got, err, want)
		}
	}
	read(attr, "1")
	read(other, "1")
	if n := k.Kept(); n != 1 {
		t.Fatalf("%d attributes kept open, want 1 (the carrier, not os-release)", n)
	}
	if err := os.WriteFile(attr, []byte("0\n"), 0o644); err != nil { // in place, as a show function answers anew
		t.Fatal(err)
	}
	read(attr, "0")
	k.Sweep() // read this scan: kept
	if n := k.Kept(); n != 1 {
		t.Fatalf("after a scan that read it, %d kept, want 1", n)
	}
	k.Sweep() // not read this scan: closed
	if n := k.Kept(); n != 0 {
		t.Fatalf("after a scan that did not read it, %d kept, want 0", n)
	}
	if err := os.Remove(attr); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(attr); !os.IsNotExist(err) {
		t.Errorf("a removed attribute, no longer kept, reads %v; want not found", err)
	}
}

// TestKeeperLiveSysfs: on this machine's sysfs, a kept attribute is read
// again through its descriptor (pread at 0 runs its show function anew).
func TestKeeperLiveSysfs(t *testing.T) {
	const online = "/sys/devices/system/cpu/online"
	want, err := Read(online)
	if err != nil {
		t.Skipf("no sysfs here: %v", err)
	}
	k := KeepOpen("/")
	defer k.Close()
	for range 3 {
		if got, err := Read(online); err != nil || got != want {
			t.Fatalf("Read(%s) = %q, %v; want %q", online, got, err, want)
		}
	}
	if n := k.Kept(); n != 1 {
		t.Errorf("%d kept, want 1", n)
	}
}

// TestKeeperAbsent: while listings are kept (device events heard), an
// attribute found missing is not looked for again until a device event
// (ForgetLists); otherwise it is looked for at every read.
func TestKeeperAbsent(t *testing.T) {
	root := t.TempDir()
	attr := filepath.Join(root, "sys/class/net/eth0/speed")
	if err := os.MkdirAll(filepath.Dir(attr), 0o755); err != nil {
		t.Fatal(err)
	}
	k := KeepOpen(root)
	defer k.Close()
	for _, heard := range []bool{false, true} {
		k.KeepLists(heard)
		if _, err := Read(attr); !os.IsNotExist(err) {
			t.Fatalf("heard %v: a missing attribute reads %v", heard, err)
		}
		if err := os.WriteFile(attr, []byte("1000\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Read(attr)
		switch {
		case !heard && (err != nil || got != "1000"):
			t.Errorf("unheard: an attribute that appeared reads %q, %v; want 1000", got, err)
		case heard && !os.IsNotExist(err):
			t.Errorf("heard: an attribute that appeared with no event was looked for again (%q, %v)", got, err)
		}
		if heard {
			k.ForgetLists() // its device's event
			if got, err := Read(attr); err != nil || got != "1000" {
				t.Errorf("heard, after the event: %q, %v; want 1000", got, err)
			}
		}
		os.Remove(attr)
		k.Sweep()
		k.Sweep()
	}
}

// TestKeeperAbsentFolder: while listings are kept, a folder found missing
// (a class no driver registered) is not opened again until a device
// event; otherwise it is looked for at every listing.
func TestKeeperAbsentFolder(t *testing.T) {
	root := t.TempDir()
	class := filepath.Join(root, "sys/class/nvme")
	k := KeepOpen(root)
	defer k.Close()
	for _, heard := range []bool{false, true} {
		k.KeepLists(heard)
		if _, err := ReadDir(class); !os.IsNotExist(err) {
			t.Fatalf("heard %v: a missing folder lists %v", heard, err)
		}
		if err := os.MkdirAll(filepath.Join(class, "nvme0"), 0o755); err != nil {
			t.Fatal(err)
		}
		ents, err := ReadDir(class)
		switch {
		case !heard && (err != nil || len(ents) != 1):
			t.Errorf("unheard: a folder that appeared lists %v, %v; want nvme0", ents, err)
		case heard && !os.IsNotExist(err):
			t.Errorf("heard: a folder that appeared with no event was looked for again (%v, %v)", ents, err)
		}
		if heard {
			k.Sweep() // asked for this scan: still known missing
			if _, err := OpenDir(class); !os.IsNotExist(err) {
				t.Errorf("heard, next scan: OpenDir %v; want still missing", err)
			}
			if Exists(class) {
				t.Errorf("heard, next scan: Exists; want still missing")
			}
			k.ForgetLists() // the driver's device event
			if ents, err := ReadDir(class); err != nil || len(ents) != 1 {
				t.Errorf("heard, after the event: %v, %v; want nvme0", ents, err)
			}
		}
		os.RemoveAll(class)
		k.Sweep()
		k.Sweep()
	}
}
