package pcie

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
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
//
// Where the kernel's device events are heard (SetHeard), a known
// function's driver, device path and VFs in use change only with one
// (bind, unbind, add, remove, change: ForgetDevice, Forget), so a scan
// reads only its link training, and nothing of a function without a
// link. Its AER counters are read again when a kernel message names it
// (Hint) and with the whole reading at MaxAge: the kernel rate-limits
// its messages, so they are a hint, not the only trigger.
type Inventory struct {
	// MaxAge bounds how long a reading is trusted; 0 trusts it until
	// Forget.
	MaxAge time.Duration

	mu     sync.Mutex
	known  map[string]*known
	heard  bool
	hinted map[string]bool
	// scratch is the last read's functions, reused by the next.
	scratch []Device
}

// buffer returns n zero functions to read into: the last read's, with
// inv, when they are enough.
func (inv *Inventory) buffer(n int) []Device {
	if inv == nil {
		return make([]Device, n)
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if cap(inv.scratch) < n {
		inv.scratch = make([]Device, n)
	}
	b := inv.scratch[:n]
	clear(b)
	return b
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

// readings numbers an Inventory's readings (Device.SameReading).
var readings atomic.Uint64

func equalPtr[T int | float64](a, b *T) bool { return a == b || a != nil && b != nil && *a == *b }

// linkTraining are the attributes a heard scan reads of a known function.
var linkTraining = deviceAttrs.Mask("current_link_speed", "current_link_width")

// Forget makes the next scan read every function whole: the kernel said
// something changed.
func (inv *Inventory) Forget() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.known = nil
}

// ForgetDevice makes the next scan read one function whole: the kernel
// said it changed (its driver bound or unbound).
func (inv *Inventory) ForgetDevice(name string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	delete(inv.known, name)
}

// SetHeard says whether the kernel's device events reach whoever calls
// Forget and ForgetDevice: only then are the driver, device path and
// VFs of a known function trusted between them.
func (inv *Inventory) SetHeard(on bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.heard = on
}

// Hint makes the next scan read again what changes of one function (its
// AER counters above all): a kernel message named it.
func (inv *Inventory) Hint(name string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.hinted == nil {
		inv.hinted = map[string]bool{}
	}
	inv.hinted[name] = true
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
	heard, hinted := inv.heard, inv.hinted[name]
	delete(inv.hinted, name)
	inv.mu.Unlock()
	if k != nil && heard && !hinted {
		d, err := k.training(bus, name)
		if err == nil && d.reading != k.dev.reading && len(d.Problems) == 0 {
			inv.mu.Lock()
			inv.known[name] = &known{dev: d, target: k.target, at: k.at, driverInUevent: k.driverInUevent}
			inv.mu.Unlock()
		}
		return d, err
	}
	d, target, err := readDevice(bus, name, k)
	if err != nil {
		if hinted {
			inv.Hint(name) // not read: the next scan tries again
		}
		return d, err
	}
	// A function with problems is read whole every time: what is wrong
	// with it may be what changes.
	if len(d.Problems) == 0 {
		d.reading = readings.Add(1)
		inv.mu.Lock()
		if inv.known == nil {
			inv.known = map[string]*known{}
		}
		if k == nil || k.target != target {
			inv.known[name] = &known{dev: d, target: target, at: now, driverInUevent: d.present&driverLink == 0 && d.Driver != ""}
		} else {
			// Refreshed: what a heard scan does not read again is
			// this reading's, until the next.
			inv.known[name] = &known{dev: d, target: target, at: k.at, driverInUevent: k.driverInUevent}
		}
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
	if len(names) == len(inv.known) && !slices.ContainsFunc(names, func(n string) bool { return inv.known[n] == nil }) {
		return // the usual scan: the functions listed are the ones known
	}
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
	d.readTraining(r)
	if v, ok := r.Int("sriov_numvfs"); ok {
		d.SRIOVNumVFs = &v
	}
	d.readAER(r)
	d.Problems = r.Problems
	return d, target, nil
}

// training re-reads a known function's link training only, for a heard
// scan: nothing at all of a function without a link.
func (k *known) training(bus *sysfsattr.Dir, name string) (Device, error) {
	d := k.dev
	if d.present&linkTraining == 0 {
		return d, nil
	}
	d.CurrentLinkSpeed, d.CurrentLinkWidth = nil, nil
	entry := bus.Path + "/" + name
	dir := entry
	if k.target != "" {
		dir = sysfsattr.JoinLink(entry, k.target)
	}
	r, err := sysfsattr.OpenDir(dir)
	if err != nil {
		return Device{}, fmt.Errorf("pci device %s: %w", d.Name, err)
	}
	defer r.Close()
	r.Assume(deviceAttrs, d.present)
	d.readTraining(r)
	d.Problems = r.Problems
	if !equalPtr(d.CurrentLinkSpeed, k.dev.CurrentLinkSpeed) || !equalPtr(d.CurrentLinkWidth, k.dev.CurrentLinkWidth) || len(d.Problems) > 0 {
		d.reading = readings.Add(1) // retrained: another reading
	} else {
		d.CurrentLinkSpeed, d.CurrentLinkWidth = k.dev.CurrentLinkSpeed, k.dev.CurrentLinkWidth // the reading as it was
	}
	return d, nil
}

// readTraining reads the link's current speed and width.
func (d *Device) readTraining(r *sysfsattr.Dir) {
	s := r.Str("current_link_speed")
	if v, ok, err := ParseLinkSpeed(s); err != nil {
		r.Problem(fmt.Errorf("%s/current_link_speed: %w", r.Path, err))
	} else if ok {
		d.CurrentLinkSpeed = &v
	}
	if v, ok := r.Int("current_link_width"); ok {
		d.CurrentLinkWidth = &v
	}
}
