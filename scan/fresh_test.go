package scan

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
	"github.com/hwgraph/hwgraph/uevent"
)

// differences lists what of two graphs' parts differ, by ID: empty when
// the host and every component and link are the same.
func differences(a, b *topology.Graph) []string {
	var out []string
	if !a.Host.Equal(b.Host) {
		out = append(out, fmt.Sprintf("host: %+v / %+v", a.Host, b.Host))
	}
	for _, c := range a.Components {
		if o, _ := b.Component(c.ID); !c.Equal(o) {
			out = append(out, fmt.Sprintf("%s: %+v / %+v", c.ID, c, o))
		}
	}
	for _, c := range b.Components {
		if _, ok := a.Component(c.ID); !ok {
			out = append(out, c.ID+": only in the second")
		}
	}
	if len(a.Links) != len(b.Links) {
		out = append(out, fmt.Sprintf("%d links / %d", len(a.Links), len(b.Links)))
	}
	for i := range min(len(a.Links), len(b.Links)) {
		if !a.Links[i].Equal(b.Links[i]) {
			out = append(out, fmt.Sprintf("link %s: %+v / %+v", a.Links[i].ID, a.Links[i], b.Links[i]))
		}
	}
	return out
}

// freshness drives an engine that hears device events over a capture, and
// compares each of its scans with a full scan of the same tree judged
// against the same previous graph.
type freshness struct {
	t    *testing.T
	root string
	kmsg string
	e    *Engine
	m    *Machine // e's source
}

func newFreshness(t *testing.T, capture string, opts collectors.Options) *freshness {
	root := fixture.Root(t, capture)
	f := &freshness{t: t, root: root, kmsg: filepath.Join(t.TempDir(), "kmsg")}
	if err := os.WriteFile(f.kmsg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	opts.KmsgFile = f.kmsg
	f.m = &Machine{Registry: collectors.New(opts), Env: collectors.Env{Root: root}}
	f.e = &Engine{Source: f.m}
	f.m.hearing()
	return f
}

// scan scans with the heard engine; fresh says whether it must equal the
// full scan (true: the bound holds) or must not (the engine did not read
// what a heard scan trusts: the reads it saves are real).
func (f *freshness) scan(step string, fresh bool) {
	f.t.Helper()
	prev := f.e.Graph()
	g := f.e.Scan(context.Background())
	full := collectors.New(collectors.Options{}).Scan(context.Background(), collectors.Env{Root: f.root}, prev)
	d := differences(g, full)
	switch {
	case fresh && len(d) > 0:
		f.t.Errorf("%s: the heard scan differs from a full scan:\n%s", step, strings.Join(d, "\n"))
	case !fresh && len(d) == 0:
		f.t.Errorf("%s: the heard scan read what it trusts until an event (it equals a full scan)", step)
	}
}

func (f *freshness) path(rel string) string { return filepath.Join(f.root, rel) }

func (f *freshness) write(rel, data string) {
	f.t.Helper()
	if err := os.WriteFile(f.path(rel), []byte(data), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *freshness) log(line string) {
	f.t.Helper()
	w, err := os.OpenFile(f.kmsg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	defer w.Close()
	fmt.Fprintln(w, line)
}

// unbind unbinds a function's driver as the kernel shows it: no driver
// link, no DRIVER in its uevent file. It returns both as they were.
func (f *freshness) unbind(dev string) (driver, uevents string) {
	f.t.Helper()
	driver, err := os.Readlink(f.path(dev + "/driver"))
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.Remove(f.path(dev + "/driver")); err != nil {
		f.t.Fatal(err)
	}
	b, err := os.ReadFile(f.path(dev + "/uevent"))
	if err != nil {
		f.t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(l, "DRIVER=") {
			kept = append(kept, l)
		}
	}
	f.write(dev+"/uevent", strings.Join(kept, ""))
	return driver, string(b)
}

func (f *freshness) event(action, devpath, subsystem string) {
	f.m.deviceEvent(uevent.Event{Action: action, DevPath: devpath, Subsystem: subsystem}, f.e.Kick)
}

// TestFaultHeardScansStayFresh replays device events and kernel log
// lines over node_exporter's capture (a bridge, an NVMe drive and a NIC,
// with driver links, link training and AER counters), the tree changed
// as each says, and holds the engine to the README's bounds: link
// training every scan; a driver's binding, and a removed function, at the
// scan after its event; AER counters at the scan after the one that read
// their kernel message; everything after lost events. Each trusted value is also shown not re-read without its
// event, so the test fails if the agent read it anyway — or never.
func TestFaultHeardScansStayFresh(t *testing.T) {
	f := newFreshness(t, "node_exporter/sys.tar.gz", collectors.Options{})
	const (
		nvme    = "sys/devices/pci0000:00/0000:00:02.1/0000:01:00.0"
		nic     = "sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0"
		nicPath = "/devices/pci0000:40/0000:40:01.3/0000:45:00.0"
	)
	f.scan("first scan", true)
	f.scan("unchanged", true)

	f.write(nvme+"/current_link_width", "2\n")
	f.scan("the NVMe link retrained to x2", true)

	driver, uevents := f.unbind(nic)
	f.scan("NIC unbound, no event yet", false)
	f.event("unbind", nicPath, "pci")
	f.scan("NIC unbound, its event heard", true)
	if err := os.Symlink(driver, f.path(nic+"/driver")); err != nil {
		t.Fatal(err)
	}
	f.write(nic+"/uevent", uevents)
	f.event("bind", nicPath, "pci")
	f.scan("NIC bound again, its event heard", true)

	b, err := os.ReadFile(f.path(nvme + "/aer_dev_correctable"))
	if err != nil {
		t.Fatal(err)
	}
	f.write(nvme+"/aer_dev_correctable", strings.NewReplacer("RxErr 0", "RxErr 7", "TOTAL_ERR_COR 0", "TOTAL_ERR_COR 7").Replace(string(b)))
	f.scan("AER grew, no kernel message", false)
	f.log("pcieport 0000:00:02.1: AER: Corrected error received: 0000:01:00.0")
	f.e.Scan(context.Background()) // reads the message: the counters are read at the next
	f.scan("AER grew, the scan after its kernel message", true)

	if err := os.Remove(f.path("sys/bus/pci/devices/0000:45:00.0")); err != nil {
		t.Fatal(err)
	}
	f.scan("NIC removed, no event yet (the kernel sends one with every removal)", false)
	f.event("remove", nicPath, "pci")
	f.scan("NIC removed, its event heard", true)

	f.unbind(nvme)
	f.scan("NVMe unbound, its event lost", false)
	f.m.deviceEvent(uevent.Lost, f.e.Kick)
	f.scan("events lost: everything read again", true)
}

// TestFaultHeardScansReadWholeAtTheFullInterval: an AER counter that grew
// with no kernel message (rate-limited) is read with the whole reading
// at --scan.full-interval.
func TestFaultHeardScansReadWholeAtTheFullInterval(t *testing.T) {
	f := newFreshness(t, "node_exporter/sys.tar.gz", collectors.Options{FullScanInterval: 1})
	f.scan("first scan", true)
	const nvme = "sys/devices/pci0000:00/0000:00:02.1/0000:01:00.0"
	b, err := os.ReadFile(f.path(nvme + "/aer_dev_correctable"))
	if err != nil {
		t.Fatal(err)
	}
	f.write(nvme+"/aer_dev_correctable", strings.NewReplacer("RxErr 0", "RxErr 7", "TOTAL_ERR_COR 0", "TOTAL_ERR_COR 7").Replace(string(b)))
	f.scan("AER grew, a full interval (1 ns) later", true)
}

// TestUnheardScansReadEverything: an engine that hears no device events
// (a captured tree, a container without netlink) reads in full: a driver
// unbound with no event shows at the next scan.
func TestUnheardScansReadEverything(t *testing.T) {
	f := newFreshness(t, "node_exporter/sys.tar.gz", collectors.Options{})
	f.m.Registry.SetHeard(false)
	f.scan("first scan", true)
	f.unbind("sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0")
	f.scan("NIC unbound, no event", true)
}

// TestCaptureSaysItHearsNoEvents: an agent on a captured tree says once
// that it reads in full, and one told to listen there does not say so.
func TestCaptureSaysItHearsNoEvents(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	for _, tc := range []struct {
		events DeviceEvents
		lines  int
	}{{DeviceEventsAuto, 1}, {DeviceEventsOff, 1}, {DeviceEventsOn, 0}} {
		var buf strings.Builder
		e := &Engine{Source: &Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: root}, DeviceEvents: tc.events}, Logger: slog.New(slog.NewTextHandler(&buf, nil))}
		ctx, cancel := context.WithCancel(context.Background())
		e.Start(ctx)
		e.Scan(ctx)
		e.Scan(ctx)
		cancel()
		if n := strings.Count(buf.String(), "not listening to device events (a captured tree, or turned off)"); n != tc.lines {
			t.Errorf("DeviceEvents %d: said %d times that it does not listen, want %d:\n%s", tc.events, n, tc.lines, buf.String())
		}
	}
}

// TestFaultHeardScansKeepBootConstants: on the 32em64t capture (two NUMA
// nodes, two PCI slots, DMI identity), what firmware or a hotplug sets
// is trusted between device events — the DMI identity, a NUMA node's
// CPUs, a slot's address — and read again at the scan after one (a CPU
// taken offline is one); a node's memory, which a balloon driver lowers
// with no event, is read every scan.
func TestFaultHeardScansKeepBootConstants(t *testing.T) {
	f := newFreshness(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2", collectors.Options{})
	f.scan("first scan", true)
	f.scan("unchanged", true)

	f.write("sys/class/dmi/id/bios_version", "1.0.31\n")
	f.scan("BIOS version rewritten, no event", false)
	f.event("add", "/devices/system/memory/memory40", "memory")
	f.scan("BIOS version rewritten, a device added", true)

	b, err := os.ReadFile(f.path("sys/devices/system/node/node1/meminfo"))
	if err != nil {
		t.Fatal(err)
	}
	f.write("sys/devices/system/node/node1/meminfo", strings.Replace(string(b), "16777216 kB", "8388608 kB", 1))
	f.scan("node1 lost half its memory to a balloon, no event", true)

	f.write("sys/devices/system/node/node1/cpulist", "8-14\n")
	f.write("sys/devices/system/cpu/cpu15/online", "0\n")
	f.write("sys/devices/system/cpu/online", "0-14\n")
	f.write("sys/devices/system/cpu/offline", "15\n")
	f.scan("CPU 15 offline, no event yet", false)
	f.event("offline", "/devices/system/cpu/cpu15", "cpu")
	f.scan("CPU 15 offline, its event heard", true)

	f.write("sys/bus/pci/slots/02/address", "0000:84:00\n")
	f.scan("slot 02's address rewritten, no event", false)
	f.event("add", "/devices/pci0000:80/0000:80:03.0/0000:84:00.0", "pci")
	f.scan("slot 02's address rewritten, a function added", true)
}

// TestFaultHeardScansLookForAbsentSourcesAtAnEvent: the 32em64t capture
// has no hwmon chip. A heard scan does not look for one again until a
// device event: a chip that appears (written into the tree, as a fault)
// shows at the scan after one, whatever its subsystem.
func TestFaultHeardScansLookForAbsentSourcesAtAnEvent(t *testing.T) {
	f := newFreshness(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2", collectors.Options{})
	f.scan("first scan", true)
	f.scan("unchanged", true)

	if err := os.MkdirAll(f.path("sys/class/hwmon/hwmon0"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.write("sys/class/hwmon/hwmon0/name", "acpitz\n")
	f.write("sys/class/hwmon/hwmon0/temp1_input", "27800\n")
	// Not f.scan: its full scan would share the heard scans' kept
	// folders (sysfsattr.KeepOpen is by root), which know hwmon absent.
	f.e.Scan(context.Background())
	if st := f.status("hwmon"); st != "absent" {
		t.Errorf("a hwmon chip registered, no event yet: hwmon %s, want absent (not looked for)", st)
	}
	f.event("add", "/devices/virtual/hwmon/hwmon0", "hwmon")
	f.scan("a hwmon chip registered, its event heard", true)
	if st := f.status("hwmon"); st != "ok" {
		t.Errorf("a hwmon chip registered, its event heard: hwmon %s, want ok", st)
	}
	if got := f.e.Graph().Host.Attrs["sensor:acpitz temp1"]; got != 27.8 {
		t.Errorf("the chip's temperature: %v, want 27.8", got)
	}
}

// status is the state of the named collector at the last heard scan.
func (f *freshness) status(name string) string {
	for _, st := range f.e.Graph().Collectors {
		if st.Name == name {
			return st.State
		}
	}
	return "not run"
}
