package pcie

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hwgraph/hwgraph/internal/parallel"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// deviceAttrs are the attributes ReadDevice asks for: one listing of a
// function's folder says which it has.
var deviceAttrs = sysfsattr.NewNames(
	"uevent", "class", "vendor", "device", "subsystem_vendor", "subsystem_device", "revision",
	"driver", "label", "numa_node", "local_cpulist", "local_cpus", "iommu_group", "physfn",
	"current_link_speed", "max_link_speed", "current_link_width", "max_link_width",
	"sriov_totalvfs", "sriov_numvfs", "aer_dev_correctable", "aer_dev_nonfatal", "aer_dev_fatal",
)

// id16 parses a 16-bit ID attribute (vendor, device…), 0 when absent or
// bad (the problem is recorded).
func id16(r *sysfsattr.Dir, name string) uint16 {
	v, _ := r.Hex(name, 16)
	return uint16(v)
}

// Device is one PCI function as sysfs describes it. Pointer and empty
// fields mean the attribute is absent (old kernels, captures, non-PCIe
// functions), which is not the same as zero.
type Device struct {
	Name    string // sysfs name, e.g. "0000:3b:00.0"
	Address Address

	// Upstream is the sysfs name of the bridge above the function, "" when
	// it sits directly on a root bus.
	Upstream string
	// Bridges are the functions on the device path between the root bus
	// and the function, nearest first (Upstream is the first): a bridge
	// the bus listing lacks is still named here.
	Bridges []string
	// RootBus is the "DDDD:BB" name of the host bridge the function's
	// hierarchy hangs from.
	RootBus string
	// RootBusParent is the function a root bus itself sits under, as with
	// Intel VMD, whose domain 10000+ hangs below a PCI function.
	RootBusParent string
	// PathKnown is false when the capture holds the function as a plain
	// directory with no device path; Upstream and RootBus are then derived
	// from the address alone.
	PathKnown bool

	Class           uint32
	Vendor          uint16
	DeviceID        uint16
	SubsystemVendor uint16
	SubsystemDevice uint16
	Revision        *uint8

	Driver   string
	NUMANode *int
	// LocalCPUList ("0-7,16-23") or, from older kernels, LocalCPUMask (hex)
	// are read only when NUMANode is unknown, to place the function.
	LocalCPUList string
	LocalCPUMask string
	IOMMUGroup   *int
	Label        string // firmware (ACPI/SMBIOS) label, e.g. "NIC1"

	CurrentLinkSpeed *float64 // GT/s
	MaxLinkSpeed     *float64
	CurrentLinkWidth *int
	MaxLinkWidth     *int

	SRIOVTotalVFs *int
	SRIOVNumVFs   *int
	PhysFn        string // for a virtual function: its physical function

	// AER holds the aer_dev_* attributes by severity (AERCorrectable, …);
	// nil when the kernel exposes none.
	AER map[string]AERStats

	// Problems are attributes that exist but could not be read or parsed.
	Problems []error

	present uint64 // the deviceAttrs its folder held, for Inventory
	reading uint64 // which reading of an Inventory this is; 0 for none
}

// SameReading reports whether d and o are one reading of an Inventory
// (a function a heard scan found unchanged): then they are equal, which
// a caller can know without comparing them.
func (d *Device) SameReading(o *Device) bool { return d.reading != 0 && d.reading == o.reading }

// IsBridge reports whether the function is a PCI-to-PCI bridge (a root or
// switch port), which has functions below it.
func (d *Device) IsBridge() bool {
	return d.Class>>8 == 0x0604 || d.Class>>8 == 0x0609
}

// ReadDevices reads every function under <sysfs>/bus/pci/devices, sorted by
// name. A function that cannot be read at all (its directory vanished
// mid-walk, a bad name) is left out and reported in the joined error; the
// others are returned. The error is fs.ErrNotExist-wrapped when the machine
// has no PCI bus in sysfs.
func ReadDevices(sysfs string) ([]Device, error) { return ReadDevicesWith(sysfs, nil) }

// ReadDevicesWith reads as ReadDevices, but a function inv already knows
// (the same name, under the same device path, read within its MaxAge) is
// read only for what changes while it stays in place: its driver, link
// training, SR-IOV VFs in use and AER counters. inv learns the others.
// The result equals ReadDevices', and holds until the next read with inv,
// which reuses it: an agent's scans do not allocate a machine's worth of
// functions each.
func ReadDevicesWith(sysfs string, inv *Inventory) ([]Device, error) {
	dir := filepath.Join(sysfs, "bus", "pci", "devices")
	bus, err := sysfsattr.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read pci devices: %w", err)
	}
	defer bus.Close()
	var names []string
	if err := bus.Each(func(name string, _ fs.FileMode) { names = append(names, name) }); err != nil {
		return nil, fmt.Errorf("read pci devices: %w", err)
	}
	// In name order, so the functions read are: sorting them after
	// would move large structs.
	sort.Strings(names)
	// Reading a function is two dozen small system calls; spread over the
	// CPUs, a big machine's walk takes a fraction of the time.
	read := inv.buffer(len(names))
	errOf := make([]error, len(names))
	parallel.For(len(names), func(i int) { read[i], errOf[i] = inv.read(bus, names[i]) })
	inv.keep(names)
	devs := read[:0] // the functions read, in place
	var errs []error
	for i := range names {
		if errOf[i] != nil {
			errs = append(errs, errOf[i])
			continue
		}
		devs = append(devs, read[i])
	}
	return devs, errors.Join(errs...)
}

// ReadDevice reads one function by its sysfs name.
func ReadDevice(sysfs, name string) (Device, error) {
	bus, err := sysfsattr.OpenDir(filepath.Join(sysfs, "bus", "pci", "devices"))
	if err != nil {
		return Device{}, fmt.Errorf("pci device %s: %w", name, err)
	}
	defer bus.Close()
	d, _, err := readDevice(bus, name, nil)
	return d, err
}

// readDevice reads the function name of the open bus/pci/devices folder:
// its entry is read with the folder held open, one system call. Given a
// known reading of it under the same device path (or, for a capture's
// plain folder, any known reading), only what changes is read again. It
// returns the device link's target, "" for a plain folder.
func readDevice(bus *sysfsattr.Dir, name string, known *known) (Device, string, error) {
	addr, err := ParseAddress(name)
	if err != nil {
		return Device{}, "", err
	}
	d := Device{Name: name, Address: addr}
	entry := bus.Path + "/" + name
	dir := entry
	target, lerr := bus.Readlink(name)
	if lerr == nil {
		if known != nil && known.target == target {
			return known.refresh(entry, target)
		}
		d.placeFromPath(target)
		// Read through the real directory: resolving the link once
		// beats resolving it again for every attribute.
		dir = sysfsattr.JoinLink(entry, target)
	} else if known != nil && known.target == "" {
		return known.refresh(entry, "") // a capture's plain folder: it stays where it is
	} else if typ, serr := sysfsattr.Stat(entry); serr != nil {
		return Device{}, "", fmt.Errorf("pci device %s: %w", name, serr)
	} else if typ != fs.ModeDir {
		return Device{}, "", fmt.Errorf("pci device %s: neither a link nor a directory", name)
	}
	if !d.PathKnown {
		d.RootBus = addr.BusName()
	}
	// A device removed between the bus listing and here is gone, not
	// broken: listing its directory fails.
	r, err := sysfsattr.OpenDir(dir)
	if err == nil {
		err = r.Expect(deviceAttrs)
	}
	if err != nil {
		if r != nil {
			r.Close()
		}
		return Device{}, "", fmt.Errorf("pci device %s: %w", name, err)
	}
	defer r.Close()
	d.readIdentity(r)
	d.readPlacement(r)
	d.readLink(r)
	d.readSRIOV(r)
	d.readAER(r)
	d.Problems = r.Problems
	d.present = r.Present()
	return d, target, nil
}

// placeFromPath finds the upstream bridge and root bus from the device's
// real sysfs path, e.g. ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0.
func (d *Device) placeFromPath(target string) {
	elems := strings.Split(filepath.ToSlash(filepath.Clean(target)), "/")
	self := -1
	for i := len(elems) - 1; i >= 0; i-- {
		if elems[i] == d.Name {
			self = i
			break
		}
	}
	if self <= 0 {
		return
	}
	up := elems[self-1]
	if bus, ok := parseRootBusDir(up); ok {
		d.RootBus = bus
		d.PathKnown = true
		if self >= 2 {
			if _, err := ParseAddress(elems[self-2]); err == nil {
				d.RootBusParent = elems[self-2]
			}
		}
		return
	}
	if _, err := ParseAddress(up); err != nil {
		return
	}
	d.Upstream = up
	d.PathKnown = true
	for i := self - 1; i >= 0; i-- {
		if _, err := ParseAddress(elems[i]); err == nil {
			d.Bridges = append(d.Bridges, elems[i])
			continue
		}
		if bus, ok := parseRootBusDir(elems[i]); ok {
			d.RootBus = bus
			if i >= 1 {
				if _, err := ParseAddress(elems[i-1]); err == nil {
					d.RootBusParent = elems[i-1]
				}
			}
			return
		}
	}
}

// requiredAttrs exist for every PCI function on every kernel; a tree
// without them (and without a uevent that says the same) is damaged, not
// merely old.
var requiredAttrs = []string{"class", "vendor", "device"}

func (d *Device) readIdentity(r *sysfsattr.Dir) {
	u := d.readUevent(r)
	if !u.hasClass || !u.hasID {
		for _, name := range requiredAttrs {
			if !r.Has(name) {
				r.Problem(fmt.Errorf("%s/%s: missing", r.Path, name))
			}
		}
	}
	if u.hasClass {
		d.Class = u.class
	} else if v, ok := r.Hex("class", 32); ok {
		d.Class = uint32(v)
	}
	if u.hasID {
		d.Vendor, d.DeviceID = u.vendor, u.device
	} else {
		d.Vendor, d.DeviceID = id16(r, "vendor"), id16(r, "device")
	}
	if u.hasSubsys {
		d.SubsystemVendor, d.SubsystemDevice = u.subVendor, u.subDevice
	} else {
		d.SubsystemVendor, d.SubsystemDevice = id16(r, "subsystem_vendor"), id16(r, "subsystem_device")
	}
	if v, ok := r.Hex("revision", 8); ok {
		rev := uint8(v)
		d.Revision = &rev
	}
	if u.hasID {
		d.Driver = u.driver // the kernel prints DRIVER= only when one is bound
	} else {
		d.Driver = r.LinkBase("driver")
	}
	d.Label = r.Str("label")
}

// readUevent reads the function's uevent; fields it lacks or garbles are
// zero in the result and read from their own files.
func (d *Device) readUevent(r *sysfsattr.Dir) uevent {
	if !r.Has("uevent") {
		return uevent{}
	}
	text, err := r.Read("uevent")
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.Problem(err)
		}
		return uevent{}
	}
	u, err := parseUevent(text)
	if err != nil {
		r.Problem(fmt.Errorf("%s/uevent: %w", r.Path, err))
	}
	return u
}

func (d *Device) readPlacement(r *sysfsattr.Dir) {
	if v, ok := r.Int("numa_node"); ok {
		d.NUMANode = &v
	}
	// The local CPUs only place a function whose numa_node the kernel does
	// not know (-1: firmware without _PXM, or a single-node machine), so
	// they are read only then.
	// The list is the mask in another form; kernels before 2.6.29 have only
	// the mask.
	if d.NUMANode == nil || *d.NUMANode < 0 {
		if d.LocalCPUList = r.Str("local_cpulist"); d.LocalCPUList == "" {
			d.LocalCPUMask = r.Str("local_cpus")
		}
	}
	if g := r.LinkBase("iommu_group"); g != "" {
		var n int
		if _, err := fmt.Sscanf(g, "%d", &n); err == nil {
			d.IOMMUGroup = &n
		}
	}
	d.PhysFn = r.LinkBase("physfn")
}

func (d *Device) readLink(r *sysfsattr.Dir) {
	for _, f := range []struct {
		name string
		dst  **float64
	}{{"current_link_speed", &d.CurrentLinkSpeed}, {"max_link_speed", &d.MaxLinkSpeed}} {
		s := r.Str(f.name)
		v, ok, err := ParseLinkSpeed(s)
		if err != nil {
			r.Problem(fmt.Errorf("%s/%s: %w", r.Path, f.name, err))
		}
		if ok {
			*f.dst = &v
		}
	}
	if v, ok := r.Int("current_link_width"); ok {
		d.CurrentLinkWidth = &v
	}
	if v, ok := r.Int("max_link_width"); ok {
		d.MaxLinkWidth = &v
	}
}

func (d *Device) readSRIOV(r *sysfsattr.Dir) {
	if v, ok := r.Int("sriov_totalvfs"); ok {
		d.SRIOVTotalVFs = &v
	}
	if v, ok := r.Int("sriov_numvfs"); ok {
		d.SRIOVNumVFs = &v
	}
}

func (d *Device) readAER(r *sysfsattr.Dir) {
	for _, sev := range []string{AERCorrectable, AERNonFatal, AERFatal} {
		if !r.Has("aer_dev_" + sev) {
			continue
		}
		p := filepath.Join(r.Path, "aer_dev_"+sev)
		text, err := r.Read("aer_dev_" + sev)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				r.Problem(err)
			}
			continue
		}
		stats, err := ParseAER(strings.NewReader(text))
		if err != nil {
			r.Problem(fmt.Errorf("%s: %w", p, err))
			continue
		}
		if d.AER == nil {
			d.AER = map[string]AERStats{}
		}
		d.AER[sev] = stats
	}
}
