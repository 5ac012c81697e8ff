package collectors

import (
	"context"
	"os"
	"strings"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/topology"
)

// Host names the machine: hostname and kernel from /proc, vendor, product
// and BIOS from the DMI attributes the kernel exports in
// /sys/class/dmi/id (readable without root, unlike the raw tables).
type Host struct {
	// firmware keeps the DMI attributes across heard scans: the firmware
	// sets them at boot, so a device event or the full-scan interval
	// reads them again, as the SMBIOS tables they come from.
	firmware memo.Memo[dmiIdentity]
}

// dmiIdentity is what the DMI attributes said: a value for each of
// dmiAttrs, and the problems reading them.
type dmiIdentity struct {
	values   []string
	problems []error
}

func init() {
	register("host", func(opts Options) Collector {
		return &Host{firmware: memo.Memo[dmiIdentity]{MaxAge: opts.fullScanInterval()}}
	})
}

// Name implements Collector.
func (*Host) Name() string { return "host" }

// Invalidate implements Invalidator.
func (h *Host) Invalidate() { h.firmware.Forget() }

// Reads implements Collector.
func (*Host) Reads() []capture.Read {
	reads := capture.Paths("proc/sys/kernel/osrelease")
	for _, a := range dmiAttrs {
		reads = append(reads, capture.Read{Path: "sys/class/dmi/id/" + a.file})
	}
	return append(reads, capture.Files(capture.Hostname, "proc/sys/kernel/hostname")...)
}

// dmiAttrs maps /sys/class/dmi/id files to host attrs; serials are left
// out because the kernel makes them root-only and they are read from SMBIOS.
var dmiAttrs = []struct{ file, attr string }{
	{"sys_vendor", "system_vendor"},
	{"product_name", "product_name"},
	{"product_version", "product_version"},
	{"board_vendor", "board_vendor"},
	{"board_name", "board_name"},
	{"bios_vendor", "bios_vendor"},
	{"bios_version", "bios_version"},
	{"bios_date", "bios_date"},
}

// Collect implements Collector.
func (c *Host) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	f := &topology.Fragment{}
	h := f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
	kernel := sysfsattr.NewDir(env.Path("proc", "sys", "kernel"))
	name := small(kernel, "hostname")
	if name == "" && env.Live() {
		name, _ = os.Hostname()
	}
	h.Name = name
	if name != "" {
		h.SetAttr("hostname", name)
	}
	if rel := small(kernel, "osrelease"); rel != "" {
		h.SetAttr("kernel", rel)
	}
	firmware, _ := heardOnly(env, &c.firmware).Get(func() (dmiIdentity, error) { return readDMIIdentity(env), nil })
	for i, a := range dmiAttrs {
		if v := firmware.values[i]; v != "" {
			h.SetAttr(a.attr, v)
		}
	}
	h.Vendor = topology.String(h.Attrs, "system_vendor")
	h.Model = topology.String(h.Attrs, "product_name")
	h.Firmware = topology.String(h.Attrs, "bios_version")
	if h.Name == "" {
		h.Name = h.Model
	}
	// Every host attr is optional; one that is there but cannot be read
	// (a FIFO, a device, a huge file in a capture) is a problem.
	for _, e := range append(kernel.Problems, firmware.problems...) {
		f.Problem(e.Error())
	}
	return f, nil
}

func readDMIIdentity(env Env) dmiIdentity {
	id := dmiIdentity{values: make([]string, len(dmiAttrs))}
	dmi := sysfsattr.NewDir(env.Path("sys", "class", "dmi", "id"))
	for i, a := range dmiAttrs {
		id.values[i] = small(dmi, a.file)
	}
	id.problems = dmi.Problems
	return id
}

// small reads a short attribute, "" when absent or unreadable.
func small(d *sysfsattr.Dir, name string) string {
	return strings.ToValidUTF8(d.Str(name), "?")
}
