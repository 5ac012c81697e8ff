package collectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKmsgFileReportsEachLineOnce: a saved kernel log scanned again and
// again (watch, serve) gives each trouble line once; appended lines come
// in the next scan, and a replaced (rotated) file is read from its start.
// The lines are in the formats of drivers/pci/pcie/aer.c and
// drivers/i2c/i2c-core-base.c, as kmsg's tests cite them.
func TestKmsgFileReportsEachLineOnce(t *testing.T) {
	log := filepath.Join(t.TempDir(), "dmesg.txt")
	aer := "[  200.000002] nvme 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)\n"
	stuck := "[  300.000003] i2c i2c-3: SCL is stuck low, exit recovery\n"
	usb := "[  100.000001] usb 1-1: new high-speed USB device number 2 using xhci_hcd\n"
	k := &Kmsg{File: log}
	env := Env{Root: t.TempDir()}
	events := func() int {
		t.Helper()
		f, err := k.Collect(t.Context(), env)
		if err != nil {
			t.Fatal(err)
		}
		return len(f.Events)
	}
	appendTo := func(path, s string) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	appendTo(log, usb+aer)
	if n := events(); n != 1 {
		t.Errorf("first scan: %d events, want 1", n)
	}
	if n := events(); n != 0 {
		t.Errorf("second scan of an unchanged log: %d events, want 0", n)
	}
	appendTo(log, stuck)
	if n := events(); n != 1 {
		t.Errorf("after one appended line: %d events, want 1", n)
	}
	rotated := log + ".new"
	appendTo(rotated, strings.Repeat(aer, 3))
	if err := os.Rename(rotated, log); err != nil {
		t.Fatal(err)
	}
	if n := events(); n != 3 {
		t.Errorf("replaced log: %d events, want its 3", n)
	}
}
