package collectors

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestInventoryScansEqualWholeScans: an agent's registry, which reads a
// known PCI function's identity once, gives the graph a whole scan gives,
// scan after scan, while node_exporter's capture changes under it: a link
// retrains, a driver is unbound, AER counts grow, a function is removed
// and comes back — and after a device event (Invalidate).
func TestInventoryScansEqualWholeScans(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	agent := New(Options{})
	devices := filepath.Join(root, "sys/bus/pci/devices")
	real := func(name string) string {
		p, err := filepath.EvalSymlinks(filepath.Join(devices, name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	nvme, nic := real("0000:01:00.0"), real("0000:45:00.0")
	nicLink, err := os.Readlink(filepath.Join(devices, "0000:45:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	driverLink, err := os.Readlink(filepath.Join(nic, "driver"))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(path, old, new string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), old) {
			t.Fatalf("%s lacks %q", path, old)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name   string
		change func()
	}{
		{"unchanged", func() {}},
		{"link retrained to x2", func() { edit(filepath.Join(nvme, "current_link_width"), "4", "2") }},
		{"AER counts grow", func() { edit(filepath.Join(nvme, "aer_dev_correctable"), "RxErr 0", "RxErr 7") }},
		{"driver unbound", func() {
			edit(filepath.Join(nic, "uevent"), "DRIVER=igb\n", "")
			os.Remove(filepath.Join(nic, "driver"))
		}},
		{"driver bound again", func() {
			edit(filepath.Join(nic, "uevent"), "PCI_CLASS", "DRIVER=igb\nPCI_CLASS")
			if err := os.Symlink(driverLink, filepath.Join(nic, "driver")); err != nil {
				t.Fatal(err)
			}
		}},
		{"function removed", func() { os.Remove(filepath.Join(devices, "0000:45:00.0")) }},
		{"function back", func() {
			if err := os.Symlink(nicLink, filepath.Join(devices, "0000:45:00.0")); err != nil {
				t.Fatal(err)
			}
		}},
		{"device event", func() { agent.Invalidate() }},
	}
	agent.Scan(context.Background(), Env{Root: root}, nil) // learns the inventory
	for _, s := range steps {
		s.change()
		got := comparable(t, agent.Scan(context.Background(), Env{Root: root}, nil))
		want := comparable(t, New(Options{}).Scan(context.Background(), Env{Root: root}, nil))
		if got != want {
			t.Errorf("%s: the agent's scan differs from a whole scan", s.name)
		}
	}
	// The changes were seen at all (the comparison is not of two blind
	// scans).
	g := agent.Scan(context.Background(), Env{Root: root}, nil)
	if c, _ := g.Component("pci:0000:45:00.0"); c == nil || topology.String(c.Attrs, "driver") != "igb" {
		t.Errorf("the NIC bound again: %+v", c)
	}
}

// TestInventoryPlainFolders: hwloc's captures hold each PCI function as a
// plain folder, not a device link; the inventory keys them by name, and
// the agent's scans still equal whole scans as a driver is unbound and a
// function removed.
func TestInventoryPlainFolders(t *testing.T) {
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	agent := New(Options{})
	fn := filepath.Join(root, "sys/bus/pci/devices/0000:02:00.0")
	agent.Scan(context.Background(), Env{Root: root}, nil)
	for _, s := range []struct {
		name   string
		change func()
	}{
		{"unchanged", func() {}},
		{"driver unbound", func() {
			b, err := os.ReadFile(filepath.Join(fn, "uevent"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(fn, "uevent"), []byte(strings.Replace(string(b), "DRIVER=igb\n", "", 1)), 0o644)
			os.Remove(filepath.Join(fn, "driver"))
		}},
		{"function removed", func() { os.RemoveAll(filepath.Join(root, "sys/bus/pci/devices/0000:02:00.3")) }},
	} {
		s.change()
		got := comparable(t, agent.Scan(context.Background(), Env{Root: root}, nil))
		want := comparable(t, New(Options{}).Scan(context.Background(), Env{Root: root}, nil))
		if got != want {
			t.Errorf("%s: the agent's scan differs from a whole scan", s.name)
		}
	}
}
