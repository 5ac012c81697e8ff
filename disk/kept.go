package disk

import (
	"path/filepath"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Kept holds what does not change while a disk stays between reads:
// which SCSI devices the class lists (their links resolved), and each
// one's identity — whether it is a disk, its vendor, model, revision,
// WWN, serial, block device, rotation and enclosure slot. A reader that
// hears the kernel's device events keeps them until one comes (Forget)
// or MaxAge passes; every read still reads a disk's state, counters and
// size. A nil Kept keeps nothing.
type Kept struct {
	// MaxAge bounds how long what is kept is trusted without an event (the
	// full-rescan interval); 0 trusts it until Forget.
	MaxAge time.Duration

	mu      sync.Mutex
	since   time.Time
	devices []string         // class/scsi_device's devices; nil: not kept
	disks   map[string]*Disk // the disks' identities, by path
}

// Forget drops what k holds: a device came, went or changed.
func (k *Kept) Forget() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.devices, k.disks = nil, nil
}

// fresh drops what k holds once it is older than MaxAge; k.mu is held.
func (k *Kept) fresh() {
	if k.MaxAge > 0 && (k.devices != nil || k.disks != nil) && time.Since(k.since) > k.MaxAge {
		k.devices, k.disks = nil, nil
	}
	if k.devices == nil && k.disks == nil {
		k.since = time.Now()
	}
}

func (k *Kept) keptDevices() ([]string, bool) {
	if k == nil {
		return nil, false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fresh()
	return k.devices, k.devices != nil
}

func (k *Kept) keepDevices(devs []string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.devices = append([]string{}, devs...)
}

// disk is the identity kept of the disk at rel, nil when none is.
func (k *Kept) disk(rel string) *Disk {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fresh()
	return k.disks[rel]
}

func (k *Kept) keepDisk(rel string, d *Disk) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.disks == nil {
		k.disks = map[string]*Disk{}
	}
	id := *d
	id.State, id.IOErrors, id.IOTimeouts, id.IORequests, id.SizeBytes, id.Problems = "", nil, nil, nil, nil, nil
	k.disks[rel] = &id
}

// refresh reads what changes of a disk whose identity is kept: its SCSI
// state, its counters and its size.
func refresh(sysfs, rel string, id *Disk) Disk {
	d := *id
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
