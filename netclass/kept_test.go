package netclass

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestFaultKeptUntilForgotten: node_exporter's tree, whose mlx4_0
// firmware is then rewritten (a firmware update no event announced): a
// read with what was kept still says the old firmware, and the ports'
// counters as they are now; once forgotten (an event), or past MaxAge,
// the new firmware is read. Without a Kept every read reads it.
func TestFaultKeptUntilForgotten(t *testing.T) {
	sys := filepath.Join(fixture.Root(t, "node_exporter/sys.tar.gz"), "sys")
	kept := NewKept(0)
	mlx := func(ds []RDMADevice) RDMADevice {
		for _, d := range ds {
			if d.Name == "mlx4_0" {
				return d
			}
		}
		t.Fatalf("no mlx4_0 in %+v", ds)
		return RDMADevice{}
	}
	all, err := RDMADevicesWith(sys, kept, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := mlx(all)
	if first.Firmware != "2.31.5050" {
		t.Fatalf("mlx4_0 firmware %q, want the tree's 2.31.5050", first.Firmware)
	}
	ifaces, _ := InterfacesWith(sys, kept)
	fw := filepath.Join(sys, "class/infiniband/mlx4_0/fw_ver")
	if err := os.Chmod(fw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fw, []byte("9.9.9999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	firmware := func(k *Kept) string {
		d, err := RDMADevicesWith(sys, k, nil)
		if err != nil {
			t.Fatal(err)
		}
		return mlx(d).Firmware
	}
	if got := firmware(kept); got != first.Firmware {
		t.Errorf("kept: firmware %q, want the kept %q", got, first.Firmware)
	}
	if got := firmware(nil); got != "9.9.9999" {
		t.Errorf("unkept: firmware %q", got)
	}
	kept.Forget()
	if got := firmware(kept); got != "9.9.9999" {
		t.Errorf("forgotten: firmware %q", got)
	}
	aged := NewKept(time.Millisecond)
	firmware(aged)
	if err := os.WriteFile(fw, []byte("1.2.3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if got := firmware(aged); got != "1.2.3" {
		t.Errorf("past MaxAge: firmware %q", got)
	}
	again, _ := InterfacesWith(sys, kept)
	for i := range ifaces {
		if i < len(again) && again[i].PCI != ifaces[i].PCI {
			t.Errorf("%s: PCI %q kept, %q read", ifaces[i].Name, again[i].PCI, ifaces[i].PCI)
		}
	}
}

// TestKeptInterfacesReadAsWhole: on real trees, interfaces read with a
// Kept (first read, then from what it kept) equal a read without one.
func TestKeptInterfacesReadAsWhole(t *testing.T) {
	for _, c := range []string{"node_exporter/sys.tar.gz", "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2"} {
		t.Run(c, func(t *testing.T) {
			sys := filepath.Join(fixture.Root(t, c), "sys")
			want, err := Interfaces(sys)
			if err != nil || len(want) == 0 {
				t.Fatalf("no interfaces: %v", err)
			}
			kept := NewKept(0)
			for n := range 2 {
				got, err := InterfacesWith(sys, kept)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("read %d with a Kept:\n%+v\nwant\n%+v", n, got, want)
				}
			}
		})
	}
}

// TestFaultKeptInterfaceAttribute: the 32em64t capture's eth0 changed
// under a Kept: a value rewritten (its carrier) is read as it is now; an
// attribute that appears with no device event (a fault: the kernel adds
// none to an interface it keeps) is read only once one came (Forget).
func TestFaultKeptInterfaceAttribute(t *testing.T) {
	sys := filepath.Join(fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2"), "sys")
	eth0 := func(k *Kept) Interface {
		t.Helper()
		all, err := InterfacesWith(sys, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range all {
			if i.Name == "eth0" {
				return i
			}
		}
		t.Fatalf("no eth0 in %+v", all)
		return Interface{}
	}
	kept := NewKept(0)
	first := eth0(kept)
	if first.Carrier == nil || *first.Carrier != 1 || first.PhysPortName != "" || first.PCI != "0000:02:00.0" {
		t.Fatalf("eth0 carrier %v, phys_port_name %q, PCI %q; want the capture's 1, none, 0000:02:00.0",
			first.Carrier, first.PhysPortName, first.PCI)
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(sys, "class/net/eth0"))
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"carrier": "0", "phys_port_name": "p0"} {
		os.Chmod(filepath.Join(dir, name), 0o644)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := eth0(kept)
	if got.Carrier == nil || *got.Carrier != 0 {
		t.Errorf("kept: carrier %v, want the 0 written", got.Carrier)
	}
	if got.PhysPortName != "" || got.PCI != first.PCI {
		t.Errorf("kept: phys_port_name %q, PCI %q; want none, as first listed, on %s", got.PhysPortName, got.PCI, first.PCI)
	}
	if got := eth0(nil); got.PhysPortName != "p0" {
		t.Errorf("unkept: phys_port_name %q, want p0", got.PhysPortName)
	}
	kept.Forget()
	if got := eth0(kept); got.PhysPortName != "p0" {
		t.Errorf("forgotten: phys_port_name %q, want p0", got.PhysPortName)
	}
}
