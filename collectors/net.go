//go:build linux

package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/procfs/sysfs"

	"github.com/hwgraph/hwgraph/pcie"
	"github.com/hwgraph/hwgraph/topology"
)

// Net adds what the network stack knows to the NICs the PCI collector
// finds: interface names, MAC, link state and speed from /sys/class/net,
// and for InfiniBand/RoCE adapters the firmware, ports and port error
// counters from /sys/class/infiniband (both parsed by procfs). Interfaces
// without a device (bonds, bridges, veth) are not hardware and are left
// out.
type Net struct{}

// Name implements Collector.
func (Net) Name() string { return "net" }

// iffUp is IFF_UP in an interface's flags: the administrator wants it up.
const iffUp = 0x1

// Collect implements Collector.
func (Net) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	sfs, err := sysfs.NewFS(env.Path("sys"))
	if err != nil {
		return nil, err
	}
	ifaces, nerr := sfs.NetClassDevices()
	ibs, ierr := sfs.InfiniBandClassDevices()
	if nerr != nil && ierr != nil {
		if errors.Is(nerr, fs.ErrNotExist) && errors.Is(ierr, fs.ErrNotExist) {
			return nil, ErrAbsent
		}
		return nil, errors.Join(nerr, ierr)
	}
	f := &topology.Fragment{}
	byFunction := map[string][]*sysfs.NetClassIface{}
	for _, name := range ifaces {
		addr := pciDevice(env.Path("sys", "class", "net", name, "device"))
		if addr == "" {
			continue
		}
		nc, err := sfs.NetClassByIface(name)
		if err != nil {
			f.Problem(fmt.Sprintf("net %s: %v", name, err))
			c := f.Annotate(topology.PCIID(addr))
			c.Health.Mark(topology.StateUnknown, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		byFunction[addr] = append(byFunction[addr], nc)
	}
	addrs := slices.Sorted(maps.Keys(byFunction))
	for _, a := range addrs {
		annotateNIC(f.Annotate(topology.PCIID(a)), byFunction[a])
	}
	for _, name := range ibs {
		addInfiniBand(f, sfs, env, name)
	}
	return f, nil
}

// pciDevice resolves a class entry's device link to a PCI address, or "".
func pciDevice(link string) string {
	dst, err := os.Readlink(link)
	if err != nil {
		return ""
	}
	name := filepath.Base(strings.TrimSuffix(dst, "/"))
	if _, err := pcie.ParseAddress(name); err != nil {
		return ""
	}
	return name
}

// annotateNIC records a function's interfaces: the first (by name) gives
// the MAC, state and speed; all are listed.
func annotateNIC(c *topology.Component, ifaces []*sysfs.NetClassIface) {
	sort.Slice(ifaces, func(i, j int) bool { return ifaces[i].Name < ifaces[j].Name })
	names := make([]string, len(ifaces))
	for i, nc := range ifaces {
		names[i] = nc.Name
	}
	c.SetAttr("netdev", strings.Join(names, ","))
	nc := ifaces[0]
	for k, v := range map[string]string{"mac": nc.Address, "operstate": nc.OperState,
		"phys_port_name": nc.PhysPortName, "duplex": nc.Duplex} {
		if v != "" {
			c.SetAttr(k, v)
		}
	}
	for k, v := range map[string]*int64{"speed_mbps": nc.Speed, "mtu": nc.MTU, "carrier": nc.Carrier} {
		if v != nil && *v >= 0 {
			c.SetAttr(k, *v)
		}
	}
	if nc.CarrierDownCount != nil {
		// Growth between scans is a flapping link.
		c.Counters = map[string]uint64{"carrier_down": uint64(*nc.CarrierDownCount)}
	}
	for _, nc := range ifaces {
		if nc.Flags != nil && *nc.Flags&iffUp != 0 && nc.Carrier != nil && *nc.Carrier == 0 {
			c.Health.Mark(topology.StateDegraded, nc.Name+": up but no carrier (cable or switch port)")
		}
	}
}

// ibErrorCounters are the port counters that mean a bad cable, optic or
// switch port (IBTA PortCounters); traffic counters are left out.
func ibErrorCounters(c sysfs.InfiniBandCounters) map[string]*uint64 {
	return map[string]*uint64{
		"symbol_error":                    c.SymbolError,
		"link_downed":                     c.LinkDowned,
		"link_error_recovery":             c.LinkErrorRecovery,
		"port_rcv_errors":                 c.PortRcvErrors,
		"local_link_integrity_errors":     c.LocalLinkIntegrityErrors,
		"excessive_buffer_overrun_errors": c.ExcessiveBufferOverrunErrors,
		"port_rcv_remote_physical_errors": c.PortRcvRemotePhysicalErrors,
	}
}

// addInfiniBand records an RDMA device on its PCI function, or as ib:NAME
// when the capture has no device link.
func addInfiniBand(f *topology.Fragment, sfs sysfs.FS, env Env, name string) {
	dev, err := sfs.InfiniBandDevice(name)
	addr := pciDevice(env.Path("sys", "class", "infiniband", name, "device"))
	var c *topology.Component
	if addr != "" {
		c = f.Annotate(topology.PCIID(addr))
	} else {
		c = f.Add(&topology.Component{ID: topology.IBID(name), Kind: topology.KindNIC, Name: name, Parent: topology.HostID})
	}
	c.SetAttr("ib_device", name)
	if err != nil {
		f.Problem(fmt.Sprintf("infiniband %s: %v", name, err))
		c.Health.Mark(topology.StateUnknown, fmt.Sprintf("%s: %v", name, err))
		return
	}
	c.Firmware = dev.FirmwareVersion
	for k, v := range map[string]string{"board_id": dev.BoardID, "hca_type": dev.HCAType, "node_guid": dev.NodeGUID} {
		if v != "" {
			c.SetAttr(k, v)
		}
	}
	if addr == "" && dev.HCAType != "" {
		c.Model = dev.HCAType
	}
	ports := make([]uint, 0, len(dev.Ports))
	for p := range dev.Ports {
		ports = append(ports, p)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	c.Counters = map[string]uint64{}
	for _, n := range ports {
		p := dev.Ports[n]
		pre := fmt.Sprintf("port%d_", n)
		c.SetAttr(pre+"state", p.State)
		c.SetAttr(pre+"phys_state", p.PhysState)
		c.SetAttr(pre+"link_layer", p.LinkLayer)
		c.SetAttr(pre+"rate_gbps", float64(p.Rate)*8/1e9)
		for k, v := range ibErrorCounters(p.Counters) {
			if v != nil {
				c.Counters[pre+k] = *v
			}
		}
		// Trained but not active: the port has light but no subnet
		// manager (INIT) or is held down (ARMED, DOWN).
		if p.PhysState == "LinkUp" && p.State != "ACTIVE" {
			c.Health.Mark(topology.StateDegraded, fmt.Sprintf("%s port %d is %s with the link up", name, n, p.State))
		}
	}
}
