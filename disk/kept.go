package disk

import (
	"path/filepath"
	"time"

	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Kept holds what does not change while a disk stays between reads:
// which SCSI devices the class lists (their links resolved), and each
// disk's identity — its vendor, model, revision, WWN, serial, block
// device, rotation and enclosure slot. A reader that hears the kernel's
// device events keeps them until one comes (Forget) or MaxAge passes;
// every read still reads a disk's state, counters and size. A nil Kept
// keeps nothing.
type Kept struct {
	devices memo.Memo[[]string]
	disks   memo.Map[string, Disk] // identities, by path
}

// NewKept keeps each reading for at most maxAge (the full-rescan
// interval); 0 keeps it until Forget.
func NewKept(maxAge time.Duration) *Kept {
	k := &Kept{}
	k.devices.MaxAge, k.disks.MaxAge = maxAge, maxAge
	return k
}

// Forget drops what k holds: a device came, went or changed.
func (k *Kept) Forget() {
	if k != nil {
		k.devices.Forget()
		k.disks.Forget()
	}
}

// deviceList is the kept list of SCSI devices; nil for a nil Kept.
func (k *Kept) deviceList() *memo.Memo[[]string] {
	if k == nil {
		return nil
	}
	return &k.devices
}

// identities are the disks' kept identities; nil for a nil Kept.
func (k *Kept) identities() *memo.Map[string, Disk] {
	if k == nil {
		return nil
	}
	return &k.disks
}

// identity is d without what a read of a kept disk reads again.
func identity(d Disk) Disk {
	d.State, d.IOErrors, d.IOTimeouts, d.IORequests, d.SizeBytes, d.Problems = "", nil, nil, nil, nil, nil
	return d
}

// refresh reads what changes of a disk whose identity is kept: its SCSI
// state, its counters and its size.
func refresh(sysfs, rel string, id Disk) Disk {
	d := id
	r := sysfsattr.NewDir(filepath.Join(sysfs, rel))
	d.State = r.Str("state")
	d.IOErrors, d.IOTimeouts, d.IORequests = hexCount(r, "ioerr_cnt"), hexCount(r, "iotmo_cnt"), hexCount(r, "iorequest_cnt")
	d.Problems = r.Problems
	if d.Name != "" {
		b := sysfsattr.NewDir(filepath.Join(sysfs, rel, "block", d.Name))
		if sectors := b.Uint("size"); sectors != nil {
			n := *sectors * 512
			d.SizeBytes = &n
		}
		d.Problems = append(d.Problems, b.Problems...)
	}
	return d
}
