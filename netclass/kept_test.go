package netclass

import (
	"os"
	"path/filepath"
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
	all, err := RDMADevicesWith(sys, kept)
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
		d, err := RDMADevicesWith(sys, k)
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
