package collectors

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/disk"
	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/pcie"
	"github.com/hwgraph/hwgraph/topology"
)

// Disk shows SATA, SAS, SCSI and virtio disks under the host adapter they
// hang from (its PCI function), through the SAS expanders between, which
// run firmware of their own. A disk the SCSI layer took offline fails, one
// blocked or quiesced is degraded; I/O errors and timeouts that grew
// since the last scan degrade it.
type Disk struct {
	// Walk keeps a capture's device-tree walk between scans (a tree
	// without class/scsi_device); nil walks every scan.
	Walk *memo.Memo[[]string]
	// kept is what does not change while a disk stays, trusted while
	// device events are heard.
	kept *disk.Kept
}

// Invalidate implements Invalidator.
func (d *Disk) Invalidate() { d.Walk.Forget(); d.kept.Forget() }

func init() {
	register("disk", func(o Options) Collector {
		return &Disk{Walk: &memo.Memo[[]string]{MaxAge: o.fullScanInterval()}, kept: disk.NewKept(o.fullScanInterval())}
	})
}

// Name implements Collector.
func (*Disk) Name() string { return "disk" }

// Reads implements Collector.
func (*Disk) Reads() []capture.Read {
	return slices.Concat(capture.Paths(disk.Files...), capture.Files(capture.Serial, disk.SerialFiles...),
		capture.Files(capture.WWN, disk.WWNFiles...), capture.Files(capture.VPD, disk.VPDFiles...),
		capture.Files(capture.HexID, disk.SASAddressFiles...))
}

// Collect implements Collector.
func (c *Disk) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	sysfs := env.Path("sys")
	var disks []disk.Disk
	var err error
	var kept *disk.Kept
	if env.Heard() {
		kept = c.kept
	} else {
		c.kept.Forget() // what was kept was not kept up to date meanwhile
	}
	if env.Live() {
		disks, err = disk.ReadLiveDisksWith(sysfs, kept)
	} else {
		disks, err = disk.ReadDisksWith(sysfs, c.Walk, kept) // a capture may lack class/scsi_device: walk the tree
	}
	if err != nil && len(disks) == 0 {
		return nil, err
	}
	expanders, xerr := disk.ReadExpanders(sysfs)
	if len(disks) == 0 && len(expanders) == 0 {
		if xerr != nil {
			return nil, xerr
		}
		return nil, ErrAbsent
	}
	f := &topology.Fragment{}
	for _, e := range []error{err, xerr} {
		if e != nil {
			f.Problem(e.Error())
		}
	}
	expanderID := map[string]string{} // by name: expander-11:0
	for _, x := range expanders {
		addr := x.SASAddress
		if addr == "" {
			addr = x.Name
		}
		expanderID[x.Name] = topology.SASExpanderID(addr)
	}
	for _, x := range expanders {
		c := f.Add(&topology.Component{ID: expanderID[x.Name], Kind: topology.KindSASExpander, Name: x.Name,
			Vendor: x.Vendor, Model: x.Product, Firmware: x.Revision, Parent: placeOnPath(x.Path, x.Name, expanderID)})
		setAttrs(c, "sas_address", x.SASAddress, "component_vendor", x.ComponentVendor,
			"component_id", x.ComponentID, "component_revision", x.ComponentRevision)
		for _, e := range x.Problems {
			c.Health.Mark(topology.StateUnknown, e.Error())
		}
	}
	for _, d := range disks {
		f.Add(diskComponent(d, placeOnPath(d.Path, d.SCSI, expanderID)))
	}
	return f, nil
}

// placeOnPath is the component a device hangs from: the nearest SAS
// expander or PCI function on its device path above self, else the host.
func placeOnPath(path, self string, expanders map[string]string) string {
	elems := strings.Split(path, "/")
	for i := len(elems) - 1; i >= 0; i-- {
		e := elems[i]
		if e == self {
			continue
		}
		if id, ok := expanders[e]; ok {
			return id
		}
		if _, err := pcie.ParseAddress(e); err == nil {
			return topology.PCIID(e)
		}
	}
	return topology.HostID
}

func diskComponent(d disk.Disk, parent string) *topology.Component {
	// A disk with neither WWN nor serial is named by its place: the
	// hwmon collector names a drivetemp chip's disk the same way.
	fallback := d.SCSI
	if fallback == "" {
		fallback = strings.TrimPrefix(parent, "pci:")
	}
	c := &topology.Component{ID: topology.DiskID(d.WWID, d.Vendor, d.Model, d.Serial, fallback), Kind: topology.KindDisk,
		Name: d.Model, Vendor: d.Vendor, Model: d.Model, Serial: d.Serial, Firmware: d.Revision, Parent: parent}
	if c.Name == "" {
		c.Name = d.Name
	}
	var aliases []string
	if d.Name != "" {
		c.SetAttr("block_device", d.Name)
		aliases = append(aliases, topology.BlockID(d.Name))
	}
	if d.SCSI != "" {
		c.SetAttr("scsi_address", d.SCSI)
		aliases = append(aliases, "scsi:"+d.SCSI)
	}
	for _, e := range strings.Split(d.Path, "/") {
		if n, ok := strings.CutPrefix(e, "ata"); ok {
			if _, err := strconv.Atoi(n); err == nil {
				c.SetAttr("ata_port", e)
				aliases = append(aliases, "ata:"+n)
			}
		}
	}
	if len(aliases) > 0 {
		c.SetAttr(topology.AttrAliases, strings.Join(aliases, ","))
	}
	setAttrs(c, "wwid", d.WWID, "type", d.Type, "enclosure_slot", d.Slot)
	if d.SizeBytes != nil {
		c.SetAttr("size_bytes", *d.SizeBytes)
	}
	if d.Rotational != nil {
		c.SetAttr("rotational", *d.Rotational)
	}
	if d.State != "" {
		c.SetAttr("scsi_state", d.State)
		switch d.State {
		case "running", "created":
		case "offline", "transport-offline", "deleted", "cancel":
			c.Health.Mark(topology.StateFailed, "SCSI state "+d.State)
		default: // blocked, quiesce, created-blocked
			c.Health.Mark(topology.StateDegraded, "SCSI state "+d.State)
		}
	}
	for k, v := range map[string]*uint64{topology.CounterDiskIOErrors: d.IOErrors, topology.CounterDiskIOTimeouts: d.IOTimeouts} {
		if v != nil {
			if c.Counters == nil {
				c.Counters = map[string]uint64{}
			}
			c.Counters[k] = *v
		}
	}
	if d.IORequests != nil {
		c.SetAttr("io_requests", *d.IORequests)
	}
	for _, e := range d.Problems {
		c.Health.Mark(topology.StateUnknown, e.Error())
	}
	return c
}

// setAttrs sets the attributes of kv (name, value, …) that have a value.
func setAttrs(c *topology.Component, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			c.SetAttr(kv[i], kv[i+1])
		}
	}
}
