package collectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestDisksUnderTheirAdapters: procfs' SAS shelf: the disks behind
// expander-11:0 hang under it (by SAS address), the expander under its
// HBA's place; a disk's ID is its WWN, its kernel name an attribute; the
// AHCI disk of the 137-function Xeon hangs under the AHCI function.
func TestDisksUnderTheirAdapters(t *testing.T) {
	g := scan(t, fixture.Root(t, "procfs/fixtures.tar.gz"), "disk", "pcie")
	d, ok := g.Component("disk:naa.5000cca26128b1f4")
	if !ok {
		t.Fatal("the HITACHI disk is not in the graph by its WWN")
	}
	if d.Kind != topology.KindDisk || d.Parent != "sas-expander:0x5000ccab0200947e" || d.Vendor != "HITACHI" ||
		d.Model != "HUH72808CLAR8000" || d.Firmware != "M7K0" || d.Attrs["block_device"] != "sdw" ||
		d.Attrs["enclosure_slot"] != "Drive Slot #24_5000CCA26128B1F5" || d.Counters[topology.CounterDiskIOErrors] != 402 {
		t.Errorf("disk %+v", d)
	}
	x, ok := g.Component("sas-expander:0x5000ccab0200947e")
	if !ok || x.Kind != topology.KindSASExpander || x.Vendor != "HGST" || x.Model != "4U60_STOR_ENCL" || x.Firmware != "0210" {
		t.Errorf("expander %+v", x)
	}
	if d.Health.State != topology.StateOK {
		t.Errorf("a first scan's I/O error count judged: %+v", d.Health)
	}

	g = scan(t, fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2"), "disk", "pcie")
	d, ok = g.Component("disk:ATA-ST9250610NS-4:0:0:0")
	if !ok || d.Parent != "pci:0000:00:1f.2" || d.Attrs["size_bytes"] != uint64(250059350016) || d.Firmware != "" {
		t.Errorf("AHCI disk %+v", d)
	}
}

// TestFaultDiskState breaks copies of procfs' capture: a disk the SCSI
// layer took offline fails; I/O errors that grew since the last scan
// degrade it, saying how many.
func TestFaultDiskState(t *testing.T) {
	root := fixture.Root(t, "procfs/fixtures.tar.gz")
	dev := filepath.Join(root, "sys/devices/pci0000:00/0000:00:03.0/0000:03:00.0/host11/port-11:0/expander-11:0/port-11:0:1/end_device-11:0:1/target11:0:8/11:0:8:0")
	reg, _ := New(Options{}).Select([]string{"disk"})
	first := reg.Scan(t.Context(), Env{Root: root}, nil)
	if err := os.WriteFile(filepath.Join(dev, "ioerr_cnt"), []byte("0x19c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	second := reg.Scan(t.Context(), Env{Root: root}, first)
	d, _ := second.Component("disk:naa.5000cca26128b1f4")
	if d == nil || d.Health.State != topology.StateDegraded || !strings.Contains(strings.Join(d.Health.Reasons, ";"), "10 new I/O errors") {
		t.Errorf("after 10 more I/O errors: %+v", d)
	}
	if err := os.WriteFile(filepath.Join(dev, "state"), []byte("offline\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	third := reg.Scan(t.Context(), Env{Root: root}, second)
	if d, _ := third.Component("disk:naa.5000cca26128b1f4"); d == nil || d.Health.State != topology.StateFailed ||
		!strings.Contains(strings.Join(d.Health.Reasons, ";"), "SCSI state offline") {
		t.Errorf("offline: %+v", d)
	}
}

// TestDiskKernelLogEvents: the SCSI layer's line about sdw becomes an
// event on the disk, found by the aliases the disk collector gives it.
func TestDiskKernelLogEvents(t *testing.T) {
	log := filepath.Join(t.TempDir(), "kern.log")
	line := "[ 4242.000000] sd 11:0:8:0: [sdw] tag#12 Sense Key : Medium Error [current]\n" +
		"[ 4243.000000] I/O error, dev sdw, sector 1234 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0\n"
	if err := os.WriteFile(log, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	reg, _ := New(Options{KmsgFile: log}).Select([]string{"disk", "kmsg"})
	g := reg.Scan(t.Context(), Env{Root: fixture.Root(t, "procfs/fixtures.tar.gz")}, nil)
	n := 0
	for _, e := range g.Events {
		if e.Kind == "disk-error" {
			n++
			if e.Component != "disk:naa.5000cca26128b1f4" {
				t.Errorf("event on %s: %+v", e.Component, e)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d disk events: %+v", n, g.Events)
	}
}
