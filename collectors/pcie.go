package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"sort"
	"sync"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/numa"
	"github.com/hwgraph/hwgraph/pcie"
	"github.com/hwgraph/hwgraph/topology"
)

// PCIe turns the PCI bus into root-bus and function components joined by
// pcie links, placed under their NUMA nodes.
type PCIe struct {
	// Names resolves vendor/device/class names; nil leaves them out.
	Names *pcie.NameDB
	// Inventory keeps what does not change of each function between
	// scans; nil reads every function whole every scan.
	Inventory *pcie.Inventory
	// slots keeps the slots' addresses with the Inventory: a slot is
	// made or filled with a device event.
	slots memo.Memo[[]pcie.Slot]

	// built are the last scan's components and links by function, reused
	// for a function whose reading and surroundings are the same: an
	// unchanged machine's scan builds nothing again.
	mu    sync.Mutex
	built map[string]*builtFunction
	// last, byName and numaOf are a scan's scratch maps, kept for the
	// next: they hold a machine's functions each.
	last   map[string]*builtFunction
	byName map[string]*pcie.Device
	numaOf map[string]int
}

// builtFunction is one function's component and upstream link with what
// they were built from.
type builtFunction struct {
	dev       pcie.Device
	upSpeed   *float64
	upWidth   *int
	slot      pcie.Slot
	node      int
	nodeSrc   string
	component *topology.Component
	link      *topology.Link
}

// around reports whether b was built in these surroundings: its slot and
// the capability of the port above it.
func (b *builtFunction) around(upSpeed *float64, upWidth *int, slot pcie.Slot) bool {
	return b.slot == slot && equalPtr(b.upSpeed, upSpeed) && equalPtr(b.upWidth, upWidth)
}

// reuse empties the map at m, making it first, and returns it.
func reuse[K ~string, V any](m *map[K]V) map[K]V {
	if *m == nil {
		*m = map[K]V{}
	}
	clear(*m)
	return *m
}

func equalPtr[T int | float64](a, b *T) bool { return a == b || a != nil && b != nil && *a == *b }

// Invalidate implements Invalidator: the next scan reads every function
// whole.
func (p *PCIe) Invalidate() {
	if p.Inventory != nil {
		p.Inventory.Forget()
	}
	p.slots.Forget()
}

// Hint implements Hinter: the next scan reads again what changes of the
// function (its AER counters), which a heard scan otherwise leaves.
func (p *PCIe) Hint(subsystem, name string) {
	if p.Inventory != nil && subsystem == "pci" {
		p.Inventory.Hint(name)
	}
}

// ForgetDevice implements DeviceForgetter: the next scan reads that
// function whole.
func (p *PCIe) ForgetDevice(subsystem, name string) {
	if p.Inventory != nil && subsystem == "pci" {
		p.Inventory.ForgetDevice(name)
	}
}

// readSlots reads the slots; on a heard scan with an Inventory, once
// until a device event or the full-scan interval.
func (p *PCIe) readSlots(env Env, sysfs string) ([]pcie.Slot, error) {
	if p.Inventory == nil {
		return pcie.ReadSlots(sysfs)
	}
	return heardOnly(env, &p.slots).Get(func() ([]pcie.Slot, error) { return pcie.ReadSlots(sysfs) })
}

func init() {
	register("pcie", func(o Options) Collector {
		names := o.PCINames
		if names == nil {
			names = pcie.DefaultNames
		}
		return &PCIe{Names: names, Inventory: &pcie.Inventory{MaxAge: o.fullScanInterval()}, slots: memo.Memo[[]pcie.Slot]{MaxAge: o.fullScanInterval()}}
	})
}

// Name implements Collector.
func (*PCIe) Name() string { return "pcie" }

// Reads implements Collector: the functions, and the NUMA nodes that
// place a function by its local CPUs.
func (*PCIe) Reads() []capture.Read { return capture.Paths(append(pcie.Files, numa.NodeFiles...)...) }

// Collect implements Collector.
func (p *PCIe) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	sysfs := env.Path("sys")
	if p.Names != nil {
		// Read pci.ids while the walk runs, unless there is nothing to
		// name: indexing it is a millisecond of a machine without PCI.
		if sysfsattr.Exists(filepath.Join(sysfs, "bus", "pci", "devices")) {
			p.Names.Preload()
		}
		defer p.Names.Release() // the names found are kept
	}
	if p.Inventory != nil {
		p.Inventory.SetHeard(env.Heard())
	}
	devs, err := pcie.ReadDevicesWith(sysfs, p.Inventory)
	if devs == nil && err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrAbsent
		}
		return nil, err
	}
	f := &topology.Fragment{}
	if err != nil {
		// Functions that vanished or had bad names: the rest still count.
		for _, e := range unjoin(err) {
			f.Problem(e.Error())
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	loc := newLocality(sysfs)
	slots, err := p.readSlots(env, sysfs)
	if err != nil {
		f.Problem(err.Error())
	}
	slotByAddr := map[pcie.Address]pcie.Slot{}
	for _, s := range slots {
		if a, ok := s.Device(); ok {
			slotByAddr[a] = s
		}
	}
	if p.Names != nil {
		if err := p.Names.Err(); err != nil {
			f.Problem(err.Error())
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	byName, numaOf := reuse(&p.byName), reuse(&p.numaOf)
	for i := range devs {
		byName[devs[i].Name] = &devs[i]
	}
	unlisted := map[string]bool{}
	last := p.built
	p.built = reuse(&p.last) // last scan's last: this scan's built
	p.last = last
	for i := range devs {
		d := &devs[i]
		addUnlistedBridges(f, d, byName, unlisted)
		var upSpeed *float64
		var upWidth *int
		if up, ok := byName[d.Upstream]; ok && d.Upstream != "" {
			upSpeed, upWidth = up.MaxLinkSpeed, up.MaxLinkWidth
		}
		slot := slotByAddr[d.Address.Slot()]
		b, ok := last[d.Name]
		// The same reading of a function comes only from a scan that
		// hears device events, which would have said if the NUMA nodes
		// changed: its node is the one found before.
		if ok && d.SameReading(&b.dev) && b.around(upSpeed, upWidth, slot) {
			p.built[d.Name] = b
			numaOf[d.Name] = b.node
			f.Add(b.component)
			f.AddLink(b.link)
			continue
		}
		node, src := loc.node(d)
		numaOf[d.Name] = node
		if !ok || !b.around(upSpeed, upWidth, slot) || b.node != node || b.nodeSrc != src || !reflect.DeepEqual(&b.dev, d) {
			c := p.component(d, slotByAddr)
			c.SetAttr("numa_node", node)
			if src != "" {
				c.SetAttr("numa_node_source", src)
			}
			b = &builtFunction{dev: *d, upSpeed: upSpeed, upWidth: upWidth, slot: slot, node: node, nodeSrc: src,
				component: c, link: upstreamLink(d, byName)}
		}
		if len(d.Problems) == 0 {
			p.built[d.Name] = b
		}
		// The fragment and the graph built from it copy what they are
		// given: the kept component and link stay as they were built.
		f.Add(b.component)
		f.AddLink(b.link)
	}
	for _, rb := range rootBuses(devs, numaOf) {
		f.Add(rb)
	}
	return f, nil
}

// addUnlistedBridges adds the bridges on a function's device path that
// the bus listing lacks (a partial capture; firmware that hides a
// bridge), each under the next bridge up or the root bus: a function
// hangs under the bridge it sits behind, never skipping one. What is known
// of such a bridge is its address and place; its health is unknown.
func addUnlistedBridges(f *topology.Fragment, d *pcie.Device, listed map[string]*pcie.Device, added map[string]bool) {
	for i, b := range d.Bridges {
		if listed[b] != nil || added[b] {
			return // the rest of the path is there already
		}
		added[b] = true
		parent := topology.PCIRootID(d.RootBus)
		if i+1 < len(d.Bridges) {
			parent = topology.PCIID(d.Bridges[i+1])
		}
		c := &topology.Component{ID: topology.PCIID(b), Kind: topology.KindPCIBridge, Name: "PCI bridge " + b, Parent: parent}
		c.Health.Mark(topology.StateUnknown, fmt.Sprintf("not listed by the kernel (sys/bus/pci/devices): placed from the device path of %s", d.Name))
		c.SetAttr("unlisted", true)
		f.Add(c)
		l := &topology.Link{ID: topology.LinkID(parent, c.ID, 0), Kind: topology.LinkPCIe, From: parent, To: c.ID}
		l.Health.Mark(topology.StateUnknown, "its bridge is not listed by the kernel: no training known")
		f.AddLink(l)
	}
}

// component builds the component for one function.
func (p *PCIe) component(d *pcie.Device, slots map[pcie.Address]pcie.Slot) *topology.Component {
	c := &topology.Component{
		ID:     topology.PCIID(d.Name),
		Kind:   kindOf(d),
		Parent: parentID(d),
		Health: topology.Health{State: topology.StateOK},
	}
	var n pcie.Names
	if p.Names != nil {
		n = p.Names.Lookup(d)
	}
	c.Vendor, c.Model = n.Vendor, n.Device
	c.Name = n.Device
	if c.Name == "" {
		c.Name = n.Class
	}
	if c.Name == "" {
		c.Name = fmt.Sprintf("PCI device %04x:%04x", d.Vendor, d.DeviceID)
	}
	c.SetAttr("vendor_id", fmt.Sprintf("0x%04x", d.Vendor))
	c.SetAttr("device_id", fmt.Sprintf("0x%04x", d.DeviceID))
	c.SetAttr("subsystem_vendor_id", fmt.Sprintf("0x%04x", d.SubsystemVendor))
	c.SetAttr("subsystem_device_id", fmt.Sprintf("0x%04x", d.SubsystemDevice))
	c.SetAttr("class", fmt.Sprintf("0x%06x", d.Class))
	if n.Class != "" {
		c.SetAttr("class_name", n.Class)
	}
	if d.Revision != nil {
		c.SetAttr("revision", fmt.Sprintf("0x%02x", *d.Revision))
	}
	setStr(c, "driver", d.Driver)
	setStr(c, "label", d.Label)
	setStr(c, "physfn", d.PhysFn)
	setInt(c, "iommu_group", d.IOMMUGroup)
	setInt(c, "sriov_totalvfs", d.SRIOVTotalVFs)
	setInt(c, "sriov_numvfs", d.SRIOVNumVFs)
	setInt(c, "link_width", d.CurrentLinkWidth)
	setInt(c, "max_link_width", d.MaxLinkWidth)
	setFloat(c, "link_speed_gts", d.CurrentLinkSpeed)
	setFloat(c, "max_link_speed_gts", d.MaxLinkSpeed)
	if !d.PathKnown {
		c.SetAttr("placement", "from bus number: the tree holds no device path")
	}
	if s, ok := slots[d.Address.Slot()]; ok {
		c.SetAttr("slot", s.Name)
		c.SetAttr("slot_hotplug", s.Hotplug)
	}
	for sev, stats := range d.AER {
		for k, v := range stats {
			if c.Counters == nil {
				c.Counters = map[string]uint64{}
			}
			c.Counters["aer_"+sev+"."+k] = v
		}
	}
	for _, e := range d.Problems {
		c.Health.Mark(topology.StateUnknown, e.Error())
	}
	return c
}

func parentID(d *pcie.Device) string {
	if d.Upstream != "" {
		return topology.PCIID(d.Upstream)
	}
	return topology.PCIRootID(d.RootBus)
}

// upstreamLink is the link from the function's parent to the function.
// The function's own link status describes the link above it, except for
// functions on a root bus (root ports, integrated endpoints), which sit on
// the host bridge's internal fabric: their link carries no training attrs.
// The maximum is the lower of both ends' capabilities, so a Gen4 device in
// a Gen3 slot is not reported as degraded, but one trained below what both
// ends can do is.
func upstreamLink(d *pcie.Device, byName map[string]*pcie.Device) *topology.Link {
	from := parentID(d)
	to := topology.PCIID(d.Name)
	l := &topology.Link{ID: topology.LinkID(from, to, 0), Kind: topology.LinkPCIe, From: from, To: to}
	if d.Upstream != "" {
		var upSpeed *float64
		var upWidth *int
		if up, ok := byName[d.Upstream]; ok {
			upSpeed, upWidth = up.MaxLinkSpeed, up.MaxLinkWidth
		}
		if d.CurrentLinkSpeed != nil {
			l.SetAttr(topology.AttrSpeedGTs, *d.CurrentLinkSpeed)
		}
		if d.CurrentLinkWidth != nil {
			l.SetAttr(topology.AttrWidth, *d.CurrentLinkWidth)
		}
		// Without the function's own capability the link's cannot be
		// known: the port's alone would flag a slower device as degraded.
		if d.MaxLinkSpeed != nil {
			l.SetAttr(topology.AttrMaxSpeedGTs, minOf(*d.MaxLinkSpeed, upSpeed))
		}
		if d.MaxLinkWidth != nil {
			l.SetAttr(topology.AttrMaxWidth, minOf(*d.MaxLinkWidth, upWidth))
		}
		if d.CurrentLinkSpeed != nil && d.CurrentLinkWidth != nil {
			l.SetAttr("bandwidth_gbps", pcie.Bandwidth(*d.CurrentLinkSpeed, *d.CurrentLinkWidth))
		}
	}
	for sev, stats := range d.AER {
		if l.Counters == nil {
			l.Counters = map[string]uint64{}
		}
		l.Counters["aer_"+sev] = stats.Total()
	}
	return l
}

// rootBuses makes one component per host bridge. A root bus sits under the
// NUMA node all its functions agree on, else under the host; a VMD domain
// sits under the function that provides it.
func rootBuses(devs []pcie.Device, numaOf map[string]int) []*topology.Component {
	type agg struct {
		parent string
		node   int
		mixed  bool
		seen   bool
	}
	buses := map[string]*agg{}
	for i := range devs {
		d := &devs[i]
		a := buses[d.RootBus]
		if a == nil {
			a = &agg{}
			buses[d.RootBus] = a
		}
		if d.RootBusParent != "" {
			a.parent = topology.PCIID(d.RootBusParent)
		}
		n := numaOf[d.Name]
		switch {
		case !a.seen:
			a.node, a.seen = n, true
		case a.node != n:
			a.mixed = true
		}
	}
	names := make([]string, 0, len(buses))
	for n := range buses {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*topology.Component, 0, len(names))
	for _, name := range names {
		a := buses[name]
		node := -1
		if !a.mixed {
			node = a.node
		}
		parent := a.parent
		if parent == "" && node >= 0 {
			parent = topology.NUMAID(node)
		}
		c := &topology.Component{
			ID:     topology.PCIRootID(name),
			Kind:   topology.KindPCIRoot,
			Name:   "PCI root bus " + name,
			Parent: parent,
			Health: topology.Health{State: topology.StateOK},
		}
		c.SetAttr("numa_node", node)
		out = append(out, c)
	}
	return out
}

// kindOf classifies a function by its class code (PCI Code and ID
// Assignment spec) and, for display controllers, its vendor: NVIDIA and AMD
// VGA functions are GPUs, a BMC's VGA (ASPEED, Matrox) is not.
func kindOf(d *pcie.Device) string {
	base, sub := d.Class>>16, (d.Class>>8)&0xff
	switch {
	case d.IsBridge():
		return topology.KindPCIBridge
	case base == 0x01 && sub == 0x08:
		return topology.KindNVMe
	case base == 0x01:
		return topology.KindStorage
	case base == 0x02, base == 0x0c && sub == 0x06: // network, InfiniBand
		return topology.KindNIC
	case base == 0x03 && sub == 0x02:
		return topology.KindGPU
	case base == 0x03 && (d.Vendor == 0x10de || d.Vendor == 0x1002):
		return topology.KindGPU
	case base == 0x03:
		return "display"
	case base == 0x12, base == 0x0b && sub == 0x40: // processing accelerator, co-processor
		return topology.KindAccelerator
	}
	return topology.KindPCIFunction
}

// locality resolves a function's NUMA node: the kernel's numa_node when it
// knows one, else the single node whose CPUs contain the function's local
// CPUs (what hwloc does), else -1.
type locality struct {
	sysfs string
	nodes []numa.Node // read on first need: most functions have numa_node
	read  bool
}

func newLocality(sysfs string) *locality { return &locality{sysfs: sysfs} }

func (l *locality) node(d *pcie.Device) (int, string) {
	if d.NUMANode != nil && *d.NUMANode >= 0 {
		return *d.NUMANode, "numa_node"
	}
	var cpus numa.CPUSet
	var err error
	switch {
	case d.LocalCPUList != "":
		cpus, err = numa.ParseCPUList(d.LocalCPUList)
	case d.LocalCPUMask != "":
		cpus, err = numa.ParseCPUMask(d.LocalCPUMask)
	default:
		return -1, ""
	}
	if err != nil || len(cpus) == 0 {
		return -1, ""
	}
	if !l.read {
		l.nodes, _ = numa.ReadNodes(l.sysfs)
		l.read = true
	}
	found := -1
	for _, n := range l.nodes {
		if len(n.CPUs) > 0 && cpus.SubsetOf(n.CPUs) {
			if found >= 0 {
				return -1, ""
			}
			found = n.ID
		}
	}
	if found < 0 {
		return -1, ""
	}
	return found, "local_cpus"
}

func setStr(c *topology.Component, k, v string) {
	if v != "" {
		c.SetAttr(k, v)
	}
}

func setInt(c *topology.Component, k string, v *int) {
	if v != nil {
		c.SetAttr(k, *v)
	}
}

func setFloat(c *topology.Component, k string, v *float64) {
	if v != nil {
		c.SetAttr(k, *v)
	}
}

// minOf returns the lower of a and b, or a when b is unknown.
func minOf[T int | float64](a T, b *T) T {
	if b != nil && *b < a {
		return *b
	}
	return a
}

// unjoin splits an errors.Join result back into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
