package pcie

import (
	"fmt"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Inventory remembers what a PCI function's files say that cannot change
// while the function stays where it is: its identity, names, placement,
// slot, link capability, SR-IOV capacity. A scan with an Inventory reads
// a known function's driver, link training, VFs in use and AER counters
// only: a third of the system calls. A function whose device path changed
// is read whole, as is every function once its reading is older than
// MaxAge, and all of them after Forget (a device event).
type Inventory struct {
	// MaxAge bounds how long a reading is trusted; 0 trusts it until
	// Forget.
	MaxAge time.Duration

	mu    sync.Mutex
	known map[string]*known
}

// known is one function's last whole reading.
type known struct {
	dev    Device
	target string // the device link's target it was read under
	at     time.Time
	// driverInUevent: the folder has no driver link, yet the uevent
	// names a driver (a capture that kept no links), so the binding is
	// read from the uevent; elsewhere it is one readlink.
	driverInUevent bool
}

// driverLink is the driver link's bit in a listing: it comes and goes as
// drivers bind and unbind, so a refresh never takes its absence from the
// first listing.
var driverLink = deviceAttrs.Mask("driver")

// Forget makes the next scan read every function whole: the kernel said
// something changed.
func (inv *Inventory) Forget() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.known = nil
}

// read reads one function, whole or from what inv knows of it.
func (inv *Inventory) read(bus *sysfsattr.Dir, name string) (Device, error) {
	if inv == nil {
		d, _, err := readDevice(bus, name, nil)
		return d, err
	}
	inv.mu.Lock()
	k := inv.known[name]
	now := time.Now()
	if k != nil && inv.MaxAge > 0 && now.Sub(k.at) > inv.MaxAge {
		k = nil
	}
	inv.mu.Unlock()
	d, target, err := readDevice(bus, name, k)
	if err != nil {
		return d, err
	}
	// A function with problems is read whole every time: what is wrong
	// with it may be what changes.
	if (k == nil || k.target != target) && len(d.Problems) == 0 {
		inv.mu.Lock()
		if inv.known == nil {
			inv.known = map[string]*known{}
		}
		inv.known[name] = &known{dev: d, target: target, at: now, driverInUevent: d.present&driverLink == 0 && d.Driver != ""}
		inv.mu.Unlock()
	}
	return d, nil
}

// keep drops what inv knows of functions no longer listed.
func (inv *Inventory) keep(names []string) {
	if inv == nil {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	listed := make(map[string]bool, len(names))
	for _, n := range names {
		listed[n] = true
	}
	for n := range inv.known {
		if !listed[n] {
			delete(inv.known, n)
		}
	}
}

// refresh re-reads what changes of a known function: the static fields
// are the known reading's, the folder's listing too.
func (k *known) refresh(entry, target string) (Device, string, error) {
	d := k.dev
	d.Driver, d.CurrentLinkSpeed, d.CurrentLinkWidth, d.SRIOVNumVFs, d.AER, d.Problems = "", nil, nil, nil, nil, nil
	dir := entry
	if target != "" {
		dir = sysfsattr.JoinLink(entry, target)
	}
	r, err := sysfsattr.OpenDir(dir)
	if err != nil {
		return Device{}, "", fmt.Errorf("pci device %s: %w", d.Name, err)
	}
	defer r.Close()
	r.Assume(deviceAttrs, d.present|driverLink)
	if k.driverInUevent {
		d.Driver = d.readUevent(r).driver
	} else {
		d.Driver = r.LinkBase("driver")
	}
	s := r.Str("current_link_speed")
	if v, ok, err := ParseLinkSpeed(s); err != nil {
		r.Problem(fmt.Errorf("%s/current_link_speed: %w", r.Path, err))
	} else if ok {
		d.CurrentLinkSpeed = &v
	}
	if v, ok := r.Int("current_link_width"); ok {
		d.CurrentLinkWidth = &v
	}
	if v, ok := r.Int("sriov_numvfs"); ok {
		d.SRIOVNumVFs = &v
	}
	d.readAER(r)
	d.Problems = r.Problems
	return d, target, nil
}
