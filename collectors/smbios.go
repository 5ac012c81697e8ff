//go:build linux

package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/dmi"
	"github.com/hwgraph/hwgraph/numa"
	"github.com/hwgraph/hwgraph/topology"
)

// SMBIOS adds what only the firmware knows to components others find: the
// host's serial numbers, UUID and chassis (types 0–3), the socket name of
// each CPU package (type 4), the silk-screen name of PCI slots (type 9),
// and how the BMC is attached (type 38, which makes the bmc:0 component).
// Memory slots (types 16 and 17) belong to the memory collector.
type SMBIOS struct{}

func init() {
	register("smbios", func(Options) Collector { return SMBIOS{} })
}

// Name implements Collector.
func (SMBIOS) Name() string { return "smbios" }

// Reads implements Collector: the tables, and the CPU packages their
// processors are matched with.
func (SMBIOS) Reads() []capture.Read {
	return append(capture.Paths(append(dmi.Files, numa.CPUFiles...)...), capture.Files(capture.SMBIOS, dmi.TableFiles...)...)
}

// Collect implements Collector.
func (SMBIOS) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	tabs, err := env.smbiosTables()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrAbsent
		}
		return nil, err
	}
	f := &topology.Fragment{}
	for _, e := range tabs.Problems {
		f.Problem(e.Error())
	}
	sys, errs := tabs.System()
	problems(f, errs)
	f.Add(hostFromSMBIOS(sys, tabs))

	procs, errs := tabs.Processors()
	problems(f, errs)
	cpus, _ := env.cpus()
	annotateSockets(f, procs, cpus.Packages)

	slots, errs := tabs.Slots()
	problems(f, errs)
	for _, s := range slots {
		// Firmware gives the function in the slot or the port above
		// it; either way the label tells a technician where to look.
		if s.Address != "" && !dmi.Placeholder(s.Designation) {
			f.Annotate(topology.PCIID(s.Address)).SetAttr("slot_label", s.Designation)
		}
	}

	ipmis, errs := tabs.IPMIDevices()
	problems(f, errs)
	if len(ipmis) > 0 {
		addBMC(f, ipmis[0])
	}
	return f, nil
}

func problems(f *topology.Fragment, errs []error) {
	for _, e := range errs {
		f.Problem(e.Error())
	}
}

// hostFromSMBIOS names the host from types 0–3; /sys/class/dmi/id (the
// host collector) has most strings without root, the tables add serials.
func hostFromSMBIOS(s dmi.System, tabs *dmi.Tables) *topology.Component {
	h := &topology.Component{ID: topology.HostID, Kind: topology.KindHost}
	set := func(k, v string) {
		if !dmi.Placeholder(v) {
			h.SetAttr(k, v)
		}
	}
	set("system_vendor", s.Manufacturer)
	set("product_name", s.Product)
	set("product_version", s.Version)
	set("product_family", s.Family)
	set("product_sku", s.SKU)
	set("product_serial", s.Serial)
	set("product_uuid", s.UUID)
	set("board_vendor", s.BoardVendor)
	set("board_name", s.BoardProduct)
	set("board_serial", s.BoardSerial)
	set("chassis_vendor", s.ChassisVendor)
	set("chassis_type", s.ChassisType)
	set("chassis_serial", s.ChassisSerial)
	set("chassis_asset_tag", s.ChassisAssetTag)
	set("bios_vendor", s.BIOSVendor)
	set("bios_version", s.BIOSVersion)
	set("bios_date", s.BIOSDate)
	if v := tabs.Info.MajorVersion(); v > 0 {
		h.SetAttr("smbios_version", fmt.Sprintf("%d.%d", v, tabs.Info.MinorVersion()))
	}
	h.Vendor = topology.String(h.Attrs, "system_vendor")
	h.Model = topology.String(h.Attrs, "product_name")
	h.Serial = topology.String(h.Attrs, "product_serial")
	h.Firmware = topology.String(h.Attrs, "bios_version")
	return h
}

// annotateSockets names each CPU package by its socket. SMBIOS lists
// sockets in board order and Linux numbers packages in the same order on
// every board we know, but nothing ties the two: the names are given
// only when the populated sockets and the packages are as many.
func annotateSockets(f *topology.Fragment, procs []dmi.Processor, pkgs []numa.Package) {
	var populated []dmi.Processor
	for _, p := range procs {
		if p.Populated {
			populated = append(populated, p)
		}
	}
	if len(populated) != len(pkgs) {
		if len(pkgs) > 0 && len(populated) > 0 {
			f.Problem(fmt.Sprintf("smbios lists %d populated sockets, the kernel %d packages: socket names not given", len(populated), len(pkgs)))
		}
		return
	}
	for i, p := range populated {
		c := f.Annotate(topology.PackageID(pkgs[i].ID))
		if !dmi.Placeholder(p.Socket) {
			c.SetAttr("socket", p.Socket)
		}
		if p.MaxSpeedMHz > 0 {
			c.SetAttr("max_speed_mhz", p.MaxSpeedMHz)
		}
	}
}

// addBMC records the BMC the firmware declares and the system interface
// the host reaches it by; the BMC collector adds what the BMC says.
func addBMC(f *topology.Fragment, ip dmi.IPMI) {
	b := f.Add(&topology.Component{ID: topology.BMCID, Kind: topology.KindBMC, Name: "BMC", Parent: topology.HostID})
	b.SetAttr("ipmi_interface", ip.Interface)
	b.SetAttr("ipmi_version", ip.SpecVersion)
	b.SetAttr("ipmi_base_address", fmt.Sprintf("%#x", ip.BaseAddress))
	space := "memory"
	if ip.IOSpace {
		space = "io"
	}
	if ip.Interface != "SSIF" {
		b.SetAttr("ipmi_address_space", space)
	}
	b.SetAttr("ipmb_address", fmt.Sprintf("%#02x", ip.I2CAddress))
	kind := topology.LinkKCS
	if ip.Interface == "SSIF" {
		kind = topology.LinkSMBus
	} else if ip.Interface != "KCS" {
		return // BT and SMIC: no link kind of their own yet
	}
	f.AddLink(&topology.Link{ID: topology.LinkID(topology.HostID, topology.BMCID, 0), Kind: kind,
		From: topology.HostID, To: topology.BMCID})
}
