package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// scanJSON runs hwgraph on root with a state folder, as a fresh process
// would (all memory of earlier runs is in the folder), and returns the
// graph it printed.
func scanJSON(t *testing.T, root, state string, extra ...string) *topology.Graph {
	t.Helper()
	args := append([]string{"--root", root, "--state-dir", state, "--format", "json"}, extra...)
	code, out, errs := hwgraph(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	g, err := topology.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func findEvent(g *topology.Graph, kind, id string) *topology.Event {
	for i, e := range g.Events {
		if e.Kind == kind && (e.Component == id || e.Link == id) {
			return &g.Events[i]
		}
	}
	return nil
}

// TestScenarioDeviceRemoved: on a copy of the 32em64t capture, the second
// port of the I350 (02:00.3) disappears from sysfs between two runs, and
// DIMM_A4's SMBIOS record with it: both are removed events and missing,
// and stay missing in a third run without a second event.
func TestScenarioDeviceRemoved(t *testing.T) {
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	state := t.TempDir()
	first := scanJSON(t, root, state)
	if len(first.Events) != 0 {
		t.Errorf("first run (baseline) events %+v", first.Events)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:02:00.3"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{real, filepath.Join(root, "sys/bus/pci/devices/0000:02:00.3"), filepath.Join(root, "sys/firmware/dmi/entries/17-3")} {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
	second := scanJSON(t, root, state)
	for _, id := range []string{"pci:0000:02:00.3", "dimm:DIMM-A4"} {
		c, ok := second.Component(id)
		if !ok || c.Health.State != topology.StateMissing {
			t.Errorf("%s after removal: %+v", id, c)
		}
		if e := findEvent(second, topology.EventRemoved, id); e == nil || e.Severity != topology.SeverityCritical {
			t.Errorf("%s: no removed event in %+v", id, second.Events)
		}
	}
	third := scanJSON(t, root, state)
	if c, _ := third.Component("pci:0000:02:00.3"); c == nil || c.Health.State != topology.StateMissing {
		t.Errorf("third run: %+v", c)
	}
	if findEvent(third, topology.EventRemoved, "pci:0000:02:00.3") != nil {
		t.Error("the removal was reported again")
	}
	// The journal has it, once.
	code, out, _ := hwgraph(t, "events", "--state-dir", state, "--component", "pci:0000:02:00.3")
	if code != 0 || strings.Count(out, "removed") != 1 {
		t.Errorf("hwgraph events: %d\n%s", code, out)
	}
	// Accepting the new normal clears it.
	if code, _, errs := hwgraph(t, "baseline", "accept", "--root", root, "--state-dir", state); code != 0 {
		t.Fatalf("baseline accept: %s", errs)
	}
	os.Remove(filepath.Join(state, "last.json"))
	if c, ok := scanJSON(t, root, state).Component("pci:0000:02:00.3"); ok {
		t.Errorf("still there after baseline accept: %+v", c)
	}
}

// TestScenarioLinkAndErrors: on node_exporter's capture, the NVMe
// drive's link trains down to x2, its AER correctable count and the
// memory controller's CE count grow: link-degraded and errors events
// with the deltas, surviving a restart.
func TestScenarioLinkAndErrors(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	state := t.TempDir()
	scanJSON(t, root, state)
	dev, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:01:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(path, content string) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dev, "current_link_width"), "2\n")
	aer, err := os.ReadFile(filepath.Join(dev, "aer_dev_correctable"))
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(dev, "aer_dev_correctable"), strings.Replace(strings.Replace(string(aer), "RxErr 0", "RxErr 3", 1), "TOTAL_ERR_COR 0", "TOTAL_ERR_COR 3", 1))
	write(filepath.Join(root, "sys/devices/system/edac/mc/mc0/ce_count"), "4\n")
	g := scanJSON(t, root, state)
	link := "pci:0000:00:02.1~pci:0000:01:00.0"
	if e := findEvent(g, topology.EventLinkDegraded, link); e == nil || !strings.Contains(e.Message, "x2") {
		t.Errorf("no link-degraded event for %s: %+v", link, g.Events)
	}
	var aerErr, memErr bool
	for _, e := range g.Events {
		aerErr = aerErr || (e.Kind == topology.EventErrors && e.Link == link && strings.HasPrefix(e.Message, "3 new aer_correctable errors"))
		memErr = memErr || (e.Kind == topology.EventErrors && e.Component == "mc:0" && strings.HasPrefix(e.Message, "3 new memory_corrected errors"))
	}
	if !aerErr || !memErr {
		t.Errorf("errors events (aer %v, memory %v): %+v", aerErr, memErr, g.Events)
	}
	if l, _ := g.Link(link); l == nil || l.Health.State != topology.StateDegraded {
		t.Errorf("link %+v", l)
	}
	// A restart with nothing new: the link is still degraded, no new events.
	again := scanJSON(t, root, state)
	if l, _ := again.Link(link); l == nil || l.Health.State != topology.StateDegraded {
		t.Errorf("after restart: %+v", l)
	}
	if findEvent(again, topology.EventLinkDegraded, link) != nil || findEvent(again, topology.EventErrors, "mc:0") != nil {
		t.Errorf("events repeated: %+v", again.Events)
	}
}

// TestKmsgFile: a saved kernel log's trouble lines become events on the
// components they name (node_exporter's NVMe drive and its I350's I²C
// bus, which the kernel reports stuck: failed).
func TestKmsgFile(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	log := filepath.Join(t.TempDir(), "dmesg.txt")
	lines := []string{
		"[  100.000001] usb 1-1: new high-speed USB device number 2 using xhci_hcd",
		"[  200.000002] nvme 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)",
		"[  300.000003] i2c i2c-3: SCL is stuck low, exit recovery",
		"[  400.000004] nvme nvme0: I/O 8 QID 3 timeout, aborting",
	}
	if err := os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := hwgraph(t, "--root", root, "--kmsg", log, "--format", "json", "--collectors", "pcie,nvme,i2c,kmsg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	g, err := topology.ReadJSON(bytes.NewReader([]byte(out)))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Events) != 3 || findEvent(g, "aer", "pci:0000:01:00.0") == nil || findEvent(g, "bus-lockup", "i2c:3") == nil ||
		findEvent(g, "nvme", "pci:0000:01:00.0") == nil { // nvme0 is the function 01:00.0
		t.Errorf("events %+v", g.Events)
	}
	if a, _ := g.Component("i2c:3"); a == nil || a.Health.State != topology.StateFailed {
		t.Errorf("i2c:3 %+v", a)
	}
}

// TestDiffCommand: hwgraph diff between two saved graphs.
func TestDiffCommand(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dir := t.TempDir()
	save := func(name string) string {
		_, out, _ := hwgraph(t, "--root", root, "--format", "json", "--collectors", "pcie")
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(out), 0o644)
		return p
	}
	old := save("old.json")
	dev, _ := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:01:00.0"))
	os.WriteFile(filepath.Join(dev, "current_link_width"), []byte("1\n"), 0o644)
	cur := save("new.json")
	code, out, errs := hwgraph(t, "diff", old, cur)
	if code != 0 || !strings.Contains(out, "link-degraded") || !strings.Contains(out, "x1") {
		t.Errorf("diff: %d %s %s", code, out, errs)
	}
}
