package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/netclass"
	"github.com/hwgraph/hwgraph/topology"
)

// Net adds what the network stack knows to the NICs the PCI collector
// finds: interface names, MAC, link state and speed from /sys/class/net,
// and for InfiniBand/RoCE adapters the firmware, ports and port error
// counters from /sys/class/infiniband. Interfaces without a device
// (bonds, bridges, veth) are not hardware and are left out. While device
// events are heard, which PCI function an interface is on, and an RDMA
// device's identity, are kept until one comes.
type Net struct {
	kept *netclass.Kept
}

func init() {
	register("net", func(o Options) Collector { return &Net{kept: netclass.NewKept(o.fullScanInterval())} })
}

// Invalidate implements Invalidator.
func (n *Net) Invalidate() { n.kept.Forget() }

// Name implements Collector.
func (*Net) Name() string { return "net" }

// Reads implements Collector.
func (*Net) Reads() []capture.Read {
	return append(capture.Paths(netclass.Files...), capture.Files(capture.HexID, netclass.AddressFiles...)...)
}

// iffUp is IFF_UP in an interface's flags: the administrator wants it up.
const iffUp = 0x1

// Collect implements Collector.
func (n *Net) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	var kept *netclass.Kept
	if env.Heard() {
		kept = n.kept
	} else {
		n.kept.Forget() // what was kept was not kept up to date meanwhile
	}
	ifaces, nerr := netclass.InterfacesWith(env.Path("sys"), kept)
	rdma, ierr := netclass.RDMADevicesWith(env.Path("sys"), kept, ibErrorCounters)
	if nerr != nil && ierr != nil {
		if errors.Is(nerr, fs.ErrNotExist) && errors.Is(ierr, fs.ErrNotExist) {
			return nil, ErrAbsent
		}
		return nil, errors.Join(nerr, ierr)
	}
	f := &topology.Fragment{}
	byFunction := map[string][]netclass.Interface{}
	for _, i := range ifaces {
		if i.PCI == "" {
			continue
		}
		if len(i.Problems) > 0 {
			err := errors.Join(i.Problems...)
			f.Problem(fmt.Sprintf("net %s: %v", i.Name, err))
			f.Annotate(topology.PCIID(i.PCI)).Health.Mark(topology.StateUnknown, fmt.Sprintf("%s: %v", i.Name, err))
			continue
		}
		byFunction[i.PCI] = append(byFunction[i.PCI], i)
	}
	for _, a := range slices.Sorted(maps.Keys(byFunction)) {
		annotateNIC(f.Annotate(topology.PCIID(a)), byFunction[a])
	}
	for _, d := range rdma {
		addInfiniBand(f, d)
	}
	return f, nil
}

// annotateNIC records a function's interfaces: the first (by name) gives
// the MAC, state and speed; all are listed.
func annotateNIC(c *topology.Component, ifaces []netclass.Interface) {
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
var ibErrorCounters = []string{"symbol_error", "link_downed", "link_error_recovery", "port_rcv_errors",
	"local_link_integrity_errors", "excessive_buffer_overrun_errors", "port_rcv_remote_physical_errors"}

// addInfiniBand records an RDMA device on its PCI function, or as ib:NAME
// when the capture has no device link.
func addInfiniBand(f *topology.Fragment, d netclass.RDMADevice) {
	var c *topology.Component
	if d.PCI != "" {
		c = f.Annotate(topology.PCIID(d.PCI))
	} else {
		c = f.Add(&topology.Component{ID: topology.IBID(d.Name), Kind: topology.KindNIC, Name: d.Name, Parent: topology.HostID})
	}
	c.SetAttr("ib_device", d.Name)
	for _, e := range d.Problems {
		f.Problem(fmt.Sprintf("infiniband %s: %v", d.Name, e))
		c.Health.Mark(topology.StateUnknown, fmt.Sprintf("%s: %v", d.Name, e))
	}
	c.Firmware = d.Firmware
	for k, v := range map[string]string{"board_id": d.BoardID, "hca_type": d.HCAType, "node_guid": d.NodeGUID} {
		if v != "" {
			c.SetAttr(k, v)
		}
	}
	if d.PCI == "" && d.HCAType != "" {
		c.Model = d.HCAType
	}
	c.Counters = map[string]uint64{}
	for _, p := range d.Ports {
		pre := fmt.Sprintf("port%d_", p.Number)
		c.SetAttr(pre+"state", p.State)
		c.SetAttr(pre+"phys_state", p.PhysState)
		c.SetAttr(pre+"link_layer", p.LinkLayer)
		c.SetAttr(pre+"rate_gbps", float64(p.RateBytes)*8/1e9)
		for _, k := range ibErrorCounters {
			if v, ok := p.Counters[k]; ok {
				c.Counters[pre+k] = v
			}
		}
		// Trained but not active: the port has light but no subnet
		// manager (INIT) or is held down (ARMED, DOWN).
		if p.PhysState == "LinkUp" && p.State != "ACTIVE" {
			c.Health.Mark(topology.StateDegraded, fmt.Sprintf("%s port %d is %s with the link up", d.Name, p.Number, p.State))
		}
	}
}
