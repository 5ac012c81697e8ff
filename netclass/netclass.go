// Package netclass reads network interfaces (/sys/class/net) and RDMA
// devices (/sys/class/infiniband) from any root, with the PCI function
// each sits on.
//
// procfs's sysfs package reads these too, but it opens files itself, so
// its reads of a captured tree follow links out of it (hwgraph confines
// every read below a capture to it: internal/sysfsattr), and it reads
// every attribute of every interface where hwgraph needs nine. The tests
// check every value against procfs's reading of the same trees.
package netclass

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/pcie"
)

// Interface is one network interface. Pointer fields are nil when the
// attribute is absent or the kernel does not answer it (speed and carrier
// of a link that is down).
type Interface struct {
	Name string
	// PCI is the function the interface sits on ("0000:3b:00.0"), ""
	// for an interface without one (a bond, a bridge, a veth).
	PCI              string
	Address          string // the MAC
	OperState        string
	PhysPortName     string
	Duplex           string
	Speed            *int64 // Mb/s
	MTU              *int64
	Carrier          *int64
	CarrierDownCount *int64
	Flags            *int64 // IFF_* bits
	// Problems are attributes that exist but could not be read.
	Problems []error
}

// Interfaces reads every interface under <sysfs>/class/net, sorted by
// name. A missing class is an fs.ErrNotExist-wrapped error.
func Interfaces(sysfs string) ([]Interface, error) { return InterfacesWith(sysfs, nil) }

// InterfacesWith reads as Interfaces, each interface's PCI function from
// kept when it holds it.
func InterfacesWith(sysfs string, kept *Kept) ([]Interface, error) {
	dir := filepath.Join(sysfs, "class", "net")
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read net class: %w", err)
	}
	var out []Interface
	for _, e := range ents {
		if e.Type == 0 {
			continue // a regular file (bonding_masters), not an interface
		}
		out = append(out, readInterface(filepath.Join(dir, e.Name), e.Name, kept))
	}
	return out, nil
}

// interfaceAttrs are what readInterface asks of an interface's folder:
// listed once, an attribute the folder lacks costs no failed open.
var interfaceAttrs = sysfsattr.NewNames("address", "operstate", "phys_port_name", "duplex", "speed", "mtu", "carrier",
	"carrier_down_count", "flags", "device")

func readInterface(dir, name string, kept *Kept) Interface {
	i := Interface{Name: name}
	var d *sysfsattr.Dir
	l, known := kept.interfaces().Get(name)
	if known {
		// Its attributes are held open by path (sysfsattr.KeepOpen):
		// opening the folder would cost its one system call for nothing.
		d = sysfsattr.NewDir(dir)
		d.Assume(interfaceAttrs, l.present)
		i.PCI = l.pci
	} else {
		// Held open, the folder's long path is resolved once, not per
		// attribute.
		var err error
		d, err = sysfsattr.OpenDir(dir)
		if err == nil {
			defer d.Close()
			err = d.Expect(interfaceAttrs)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return i // gone since the class was listed, or a dangling entry
		case err != nil:
			d = sysfsattr.NewDir(dir) // read what can be read, each attribute by path
		}
		i.PCI = pciFunction(d)
	}
	i.Address = optional(d, "address")
	i.OperState = optional(d, "operstate")
	i.PhysPortName = optional(d, "phys_port_name")
	i.Duplex = optional(d, "duplex")
	for attr, dst := range map[string]**int64{"speed": &i.Speed, "mtu": &i.MTU, "carrier": &i.Carrier,
		"carrier_down_count": &i.CarrierDownCount, "flags": &i.Flags} {
		if s := optional(d, attr); s != "" {
			// Base 0: flags are hex ("0x1003"), the rest decimal.
			if v, err := strconv.ParseInt(s, 0, 64); err == nil {
				*dst = &v
			}
		}
	}
	i.Problems = d.Problems
	if !known && len(i.Problems) == 0 && d.Expected() {
		kept.interfaces().Put(name, layout{pci: i.PCI, present: d.Present()})
	}
	return i
}

// optional reads an attribute the kernel may refuse: speed, duplex and
// carrier of a link that is down answer EINVAL, some drivers
// EOPNOTSUPP or ENODATA. Those are absent; other errors are problems.
func optional(d *sysfsattr.Dir, name string) string {
	s, err := d.Read(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.EOPNOTSUPP) &&
			!errors.Is(err, syscall.ENODATA) && !errors.Is(err, fs.ErrPermission) {
			d.Problem(err)
		}
		return ""
	}
	return s
}

// pciFunction resolves a class entry's device link to a PCI function.
func pciFunction(d *sysfsattr.Dir) string {
	target, err := d.Readlink("device")
	if err != nil {
		return ""
	}
	name := filepath.Base(strings.TrimSuffix(target, "/"))
	if _, err := pcie.ParseAddress(name); err != nil {
		return ""
	}
	return name
}

// RDMADevice is an InfiniBand or RoCE adapter.
type RDMADevice struct {
	Name     string // "mlx5_0"
	PCI      string
	Firmware string
	BoardID  string
	HCAType  string
	NodeGUID string
	Ports    []Port
	Problems []error
}

// Port is one port of an RDMA device.
type Port struct {
	Number    uint
	State     string // "ACTIVE", from "4: ACTIVE"
	PhysState string // "LinkUp", from "5: LinkUp"
	LinkLayer string // "InfiniBand", "Ethernet"
	// RateBytes is the signalling rate in bytes per second.
	RateBytes uint64
	// Counters are the port counters present (counters/NAME), by name.
	Counters map[string]uint64
}

// RDMADevices reads every device under <sysfs>/class/infiniband. A
// missing class is an fs.ErrNotExist-wrapped error.
func RDMADevices(sysfs string) ([]RDMADevice, error) { return RDMADevicesWith(sysfs, nil, nil) }

// RDMADevicesWith reads as RDMADevices, each device's identity (PCI
// function, firmware, board, type, GUID) from kept when it holds it, and
// of the ports' counters only those named in counters (nil: every one
// present): a port keeps traffic counters beside its error counters.
func RDMADevicesWith(sysfs string, kept *Kept, counters []string) ([]RDMADevice, error) {
	dir := filepath.Join(sysfs, "class", "infiniband")
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read infiniband class: %w", err)
	}
	out := make([]RDMADevice, 0, len(ents))
	for _, e := range ents {
		out = append(out, readRDMA(filepath.Join(dir, e.Name), e.Name, kept, counters))
	}
	return out, nil
}

func readRDMA(dir, name string, kept *Kept, counters []string) RDMADevice {
	d := sysfsattr.NewDir(dir)
	r, known := kept.devices().Get(name)
	if !known {
		r = RDMADevice{Name: name, PCI: pciFunction(d), Firmware: d.Str("fw_ver"), BoardID: d.Str("board_id"),
			HCAType: d.Str("hca_type"), NodeGUID: d.Str("node_guid")}
	}
	ports, err := sysfsattr.ReadDir(filepath.Join(dir, "ports"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // a device without ports: Intel MIC's scif0
		d.Problem(fmt.Errorf("list %s ports: %w", name, err))
	}
	for _, p := range ports {
		n, err := strconv.ParseUint(p.Name, 10, 32)
		if err != nil {
			continue
		}
		r.Ports = append(r.Ports, readPort(d, filepath.Join(dir, "ports", p.Name), uint(n), counters))
	}
	sort.Slice(r.Ports, func(i, j int) bool { return r.Ports[i].Number < r.Ports[j].Number })
	r.Problems = d.Problems
	if !known && len(r.Problems) == 0 {
		kept.devices().Put(name, RDMADevice{Name: name, PCI: r.PCI, Firmware: r.Firmware, BoardID: r.BoardID, HCAType: r.HCAType, NodeGUID: r.NodeGUID})
	}
	return r
}

func readPort(parent *sysfsattr.Dir, dir string, n uint, names []string) Port {
	d := sysfsattr.NewDir(dir)
	p := Port{Number: n, LinkLayer: d.Str("link_layer")}
	p.State = stateName(d, "state")
	p.PhysState = stateName(d, "phys_state")
	if s := d.Str("rate"); s != "" {
		// "100 Gb/sec (4X EDR)"
		if f := strings.Fields(s); len(f) > 0 {
			if gbps, err := strconv.ParseFloat(f[0], 32); err == nil {
				p.RateBytes = uint64(gbps * 125000000)
			} else {
				d.Problem(fmt.Errorf("%s/rate %q: %w", dir, sysfsattr.Excerpt(s), err))
			}
		}
	}
	counters := filepath.Join(dir, "counters")
	if names == nil {
		ents, _ := sysfsattr.ReadDir(counters)
		for _, e := range ents {
			if e.Type == 0 {
				names = append(names, e.Name)
			}
		}
	}
	cd := sysfsattr.NewDir(counters)
	for _, name := range names {
		s := optional(cd, name)
		// "N/A (no PMA)": the adapter keeps no such counter.
		if v, err := strconv.ParseUint(s, 10, 64); err == nil {
			if p.Counters == nil {
				p.Counters = map[string]uint64{}
			}
			p.Counters[name] = v
		}
	}
	parent.Problems = append(parent.Problems, d.Problems...)
	parent.Problems = append(parent.Problems, cd.Problems...)
	return p
}

// stateName reads "4: ACTIVE" as "ACTIVE".
func stateName(d *sysfsattr.Dir, name string) string {
	s := d.Str(name)
	if _, v, ok := strings.Cut(s, ":"); ok {
		return strings.TrimSpace(v)
	}
	if s != "" {
		d.Problem(fmt.Errorf("%s/%s %q: want \"ID: NAME\"", d.Path, name, sysfsattr.Excerpt(s)))
	}
	return ""
}
