package collectors

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/topology"
)

// Host names the machine: hostname and kernel from /proc, vendor, product
// and BIOS from the DMI attributes the kernel exports in
// /sys/class/dmi/id (readable without root, unlike the raw tables).
type Host struct{}

// Name implements Collector.
func (Host) Name() string { return "host" }

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
func (Host) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	h := &topology.Component{ID: topology.HostID, Kind: topology.KindHost}
	name := small(env.Path("proc", "sys", "kernel", "hostname"))
	if name == "" && env.Live() {
		name, _ = os.Hostname()
	}
	h.Name = name
	if name != "" {
		h.SetAttr("hostname", name)
	}
	if rel := small(env.Path("proc", "sys", "kernel", "osrelease")); rel != "" {
		h.SetAttr("kernel", rel)
	}
	dmi := env.Path("sys", "class", "dmi", "id")
	for _, a := range dmiAttrs {
		if v := small(filepath.Join(dmi, a.file)); v != "" {
			h.SetAttr(a.attr, v)
		}
	}
	h.Vendor = topology.String(h.Attrs, "system_vendor")
	h.Model = topology.String(h.Attrs, "product_name")
	h.Firmware = topology.String(h.Attrs, "bios_version")
	if h.Name == "" {
		h.Name = h.Model
	}
	return &topology.Fragment{Components: []*topology.Component{h}}, nil
}

// small reads a short attribute, "" when absent or unreadable: every host
// attr is optional.
func small(path string) string {
	s, err := sysfsattr.Read(path)
	if err != nil {
		return ""
	}
	return strings.ToValidUTF8(s, "?")
}
