// Package disk reads SATA, SAS, SCSI and virtio disks and the SAS
// expanders between them and their host adapters from a sysfs tree: what
// each disk is (vendor, model, revision, WWN, serial, size), where it sits
// (its device path: the adapter's PCI function, the SAS expanders and
// ports, the target), and what the kernel counts of its health (its SCSI
// state, I/O errors and timeouts).
//
// ghw's block package reads disks too, but through the operating system:
// below a captured root its links would lead out of the capture, and its
// serials and WWNs come from udev's database, which captures do not hold.
// The files are read here, through sysfsattr, confined like every read.
package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Disk is one disk: a SCSI device of a disk type (SATA and SAS disks are
// SCSI devices to the kernel), or a virtio or other block disk.
type Disk struct {
	// Name is the kernel's block device ("sda"), "" when the tree holds
	// none for it. It changes between boots: it is not an identity.
	Name string
	// SCSI is the SCSI address "H:C:T:L", "" for a virtio disk.
	SCSI string
	// Path is the device's real path relative to sysfs
	// ("devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0").
	Path                             string
	Vendor, Model, Revision          string
	WWID, Serial                     string
	SizeBytes                        *uint64
	Rotational                       *bool
	Type                             string // "disk", "optical", …
	State                            string // the SCSI state: running, offline, blocked, …
	IOErrors, IOTimeouts, IORequests *uint64
	// Slot is the enclosure slot the disk is in ("Drive Slot #24"), from
	// its enclosure_device link.
	Slot     string
	Problems []error
}

// Expander is a SAS expander.
type Expander struct {
	Name                      string // "expander-11:0"
	Path                      string // relative to sysfs
	SASAddress                string // "0x5000ccab0200947e"
	Vendor, Product, Revision string
	// The component the expander is built on, by its maker.
	ComponentVendor, ComponentID, ComponentRevision string
	Problems                                        []error
}

// scsiTypes name the SCSI peripheral device types read as disks (SPC-5
// table 75): the rest (enclosure services, RAID controllers, tapes) are
// not disks.
var scsiTypes = map[string]string{"0": "disk", "5": "optical", "7": "optical", "14": "disk"}

var scsiAddress = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]+:[0-9]+:[0-9]+:[0-9]+$`) })

// blockDisks are the block devices that are disks without being SCSI
// devices: virtio, Xen and MMC.
var blockDisks = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(vd[a-z]+|xvd[a-z]+|mmcblk[0-9]+)$`) })

// ReadDisks reads every disk below <sysfs>: the SCSI devices listed in
// class/scsi_device (or, in captures without the class, found below
// devices/), and the virtio, Xen and MMC disks of block/.
func ReadDisks(sysfs string) ([]Disk, error) { return ReadDisksWith(sysfs, nil, nil) }

// ReadDisksWith reads as ReadDisks, keeping the walk of a tree without
// class/scsi_device in walk between calls, and what kept holds (nil:
// nothing).
func ReadDisksWith(sysfs string, walk *memo.Memo[[]string], kept *Kept) ([]Disk, error) {
	return readDisks(sysfs, true, walk, kept)
}

// ReadLiveDisks reads the disks of the running kernel's sysfs: its
// class/scsi_device lists every SCSI device, and a machine without it has
// none, so the device tree is not walked (only captures lack the class).
func ReadLiveDisks(sysfs string) ([]Disk, error) { return ReadLiveDisksWith(sysfs, nil) }

// ReadLiveDisksWith reads as ReadLiveDisks, with what kept holds.
func ReadLiveDisksWith(sysfs string, kept *Kept) ([]Disk, error) {
	return readDisks(sysfs, false, nil, kept)
}

func readDisks(sysfs string, walk bool, walked *memo.Memo[[]string], kept *Kept) ([]Disk, error) {
	devs, err := kept.deviceList().Get(func() ([]string, error) { return scsiDevices(sysfs, walk, walked) })
	if err != nil {
		return nil, err
	}
	var out []Disk
	for _, p := range devs {
		if id, ok := kept.identities().Get(p); ok {
			out = append(out, refresh(sysfs, p, id))
			continue
		}
		// A device that is no disk (an enclosure, a RAID controller) is
		// asked its type each time: one read, and an unreadable type is
		// not taken for "no disk".
		if d, ok := readSCSI(sysfs, p); ok {
			if len(d.Problems) == 0 {
				kept.identities().Put(p, identity(d))
			}
			out = append(out, d)
		}
	}
	blocks, err := sysfsattr.ReadDir(filepath.Join(sysfs, "block"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return out, fmt.Errorf("read disks: %w", err)
	}
	for _, b := range blocks {
		if blockDisks().MatchString(b.Name) {
			out = append(out, readBlockDisk(sysfs, b.Name))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// scsiDevices returns the real paths of the SCSI devices, relative to
// sysfs.
func scsiDevices(sysfs string, walk bool, kept *memo.Memo[[]string]) ([]string, error) {
	class := filepath.Join(sysfs, "class", "scsi_device")
	ents, err := sysfsattr.ReadDir(class)
	if err == nil {
		var out []string
		for _, e := range ents {
			// class/scsi_device/H:C:T:L is the device's scsi_device/H:C:T:L.
			if p, ok := relReal(sysfs, filepath.Join(class, e.Name, "device")); ok {
				out = append(out, p)
			}
		}
		return out, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read disks: %w", err)
	}
	if !walk {
		return nil, nil
	}
	// A capture without the class: the devices sit below their host
	// adapter, hostN/…/targetH:C:T/H:C:T:L.
	return kept.Get(func() ([]string, error) {
		var out []string
		walkSCSI(sysfs, "devices", 0, &out)
		return out, nil
	})
}

// walkSCSI finds SCSI devices below dir (relative to sysfs), following
// no link and descending only where an adapter's tree can be.
func walkSCSI(sysfs, dir string, depth int, out *[]string) {
	if depth > 16 {
		return
	}
	_ = sysfsattr.Each(filepath.Join(sysfs, dir), func(name string, typ fs.FileMode) {
		if typ != fs.ModeDir {
			return
		}
		switch {
		case scsiAddress().MatchString(name):
			*out = append(*out, dir+"/"+name)
		case strings.HasPrefix(name, "pci"), strings.ContainsAny(name, ":."), strings.HasPrefix(name, "host"),
			strings.HasPrefix(name, "target"), strings.HasPrefix(name, "port-"), strings.HasPrefix(name, "expander-"),
			strings.HasPrefix(name, "end_device-"), strings.HasPrefix(name, "ata"), name == "platform":
			walkSCSI(sysfs, dir+"/"+name, depth+1, out)
		}
	})
}

// relReal resolves p and returns it relative to sysfs.
func relReal(sysfs, p string) (string, bool) {
	real, err := sysfsattr.RealPath(p)
	if err != nil {
		return "", false
	}
	base, err := sysfsattr.RealPath(sysfs)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(base, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// ReadSCSIDisk reads the SCSI device at rel, a path relative to sysfs
// ("devices/…/target2:0:0/2:0:0:0"); ok is false when it is no disk.
func ReadSCSIDisk(sysfs, rel string) (d Disk, ok bool) { return readSCSI(sysfs, rel) }

func readSCSI(sysfs, rel string) (Disk, bool) {
	dir := filepath.Join(sysfs, rel)
	r := sysfsattr.NewDir(dir)
	code := r.Str("type")
	typ := scsiTypes[code]
	if code == "" && sysfsattr.Exists(filepath.Join(dir, "block")) {
		typ = "disk" // a capture that kept the block device, not the type
	}
	if typ == "" {
		return Disk{}, false
	}
	d := Disk{SCSI: filepath.Base(rel), Path: rel, Type: typ, Vendor: r.Str("vendor"), Model: r.Str("model"),
		Revision: r.Str("rev"), WWID: r.Str("wwid"), State: r.Str("state")}
	if strings.EqualFold(d.Revision, "n/a") { // libata's, for a drive that reports none
		d.Revision = ""
	}
	d.IOErrors, d.IOTimeouts, d.IORequests = hexCount(r, "ioerr_cnt"), hexCount(r, "iotmo_cnt"), hexCount(r, "iorequest_cnt")
	d.Serial = vpdSerial(r)
	if ents, err := sysfsattr.ReadDir(filepath.Join(dir, "block")); err == nil && len(ents) > 0 {
		d.Name = ents[0].Name
		readBlock(&d, filepath.Join(dir, "block", d.Name))
	}
	if ents, err := sysfsattr.ReadDir(dir); err == nil {
		for _, e := range ents {
			if slot, ok := strings.CutPrefix(e.Name, "enclosure_device:"); ok {
				d.Slot = slot
			}
		}
	}
	d.Problems = r.Problems
	return d, true
}

// paravirtual names the disks of paravirtual and MMC drivers, by their
// block device's prefix: their device attributes hold bus IDs, not a
// vendor or model.
var paravirtual = []struct{ prefix, model string }{{"vd", "virtio disk"}, {"xvd", "Xen disk"}, {"mmcblk", "MMC card"}}

func readBlockDisk(sysfs, name string) Disk {
	link := filepath.Join(sysfs, "block", name)
	d := Disk{Name: name, Type: "disk", Path: "block/" + name}
	for _, p := range paravirtual {
		if strings.HasPrefix(name, p.prefix) {
			d.Model = p.model
			break
		}
	}
	if p, ok := relReal(sysfs, link); ok {
		d.Path = p
	}
	readBlock(&d, link)
	return d
}

// readBlock reads a block device's size, rotation and serial (virtio's).
func readBlock(d *Disk, dir string) {
	b := sysfsattr.NewDir(dir)
	if sectors := b.Uint("size"); sectors != nil {
		n := *sectors * 512 // the block layer's sectors, whatever the disk's
		d.SizeBytes = &n
	}
	if v := b.Str("queue/rotational"); v != "" {
		rot := v == "1"
		d.Rotational = &rot
	}
	if d.Serial == "" {
		d.Serial = b.Str("serial")
	}
	d.Problems = append(d.Problems, b.Problems...)
}

// hexCount reads a SCSI counter, printed in hexadecimal ("0x192").
func hexCount(r *sysfsattr.Dir, name string) *uint64 {
	s := r.Str(name)
	if s == "" {
		return nil
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil {
		r.Problem(fmt.Errorf("parse %s/%s %q: %w", r.Path, name, sysfsattr.Excerpt(s), err))
		return nil
	}
	return &v
}

// vpdSerial reads the unit serial number from the VPD page 80h the
// kernel keeps (SPC-5 7.7.18: its length in byte 3, the ASCII serial
// from byte 4).
func vpdSerial(r *sysfsattr.Dir) string {
	if !r.Has("vpd_pg80") {
		return ""
	}
	b, err := sysfsattr.ReadFile(filepath.Join(r.Path, "vpd_pg80"), 256)
	if err != nil || len(b) < 4 || b[1] != 0x80 {
		return ""
	}
	n := min(int(b[3]), len(b)-4)
	return strings.TrimSpace(strings.ToValidUTF8(strings.TrimRight(string(b[4:4+n]), "\x00"), "?"))
}

// ReadExpanders reads the SAS expanders of <sysfs>/class/sas_expander.
func ReadExpanders(sysfs string) ([]Expander, error) {
	class := filepath.Join(sysfs, "class", "sas_expander")
	ents, err := sysfsattr.ReadDir(class)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read sas expanders: %w", err)
	}
	var out []Expander
	for _, e := range ents {
		r := sysfsattr.NewDir(filepath.Join(class, e.Name))
		x := Expander{Name: e.Name, Vendor: r.Str("vendor_id"), Product: r.Str("product_id"), Revision: r.Str("product_rev"),
			ComponentVendor: r.Str("component_vendor_id"), ComponentID: r.Str("component_id"), ComponentRevision: r.Str("component_revision_id")}
		if p, ok := relReal(sysfs, filepath.Join(class, e.Name, "device")); ok {
			x.Path = p
			x.SASAddress = sysfsattr.NewDir(filepath.Join(sysfs, p, "sas_device", e.Name)).Str("sas_address")
		}
		x.Problems = r.Problems
		out = append(out, x)
	}
	return out, nil
}
