package pcie

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Slot is a physical slot from /sys/bus/pci/slots: its name (as the firmware
// or hotplug driver numbers it) and the device address it holds.
type Slot struct {
	Name    string
	Address string // "DDDD:BB:DD", no function
	// Hotplug is true when a hotplug driver owns the slot (it then exposes
	// a power attribute).
	Hotplug bool
}

// Device is the slot's address as its device's function 0 (Address.Slot),
// false where it names no device (a bus, "DDDD:BB", or garbage).
func (s Slot) Device() (Address, bool) {
	a, err := ParseAddress(s.Address + ".0")
	return a, err == nil
}

// ReadSlots reads every slot under <sysfs>/bus/pci/slots. A machine with no
// slot directory has no slots; a slot that cannot be read is reported in the
// returned error and the rest are still returned.
func ReadSlots(sysfs string) ([]Slot, error) {
	dir := filepath.Join(sysfs, "bus", "pci", "slots")
	ents, err := sysfsattr.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read slots: %w", err)
	}
	var slots []Slot
	var errs []error
	for _, e := range ents {
		r := sysfsattr.NewDir(filepath.Join(dir, e.Name))
		addr := r.Str("address")
		errs = append(errs, r.Problems...)
		if addr == "" {
			continue // an empty slot
		}
		slots = append(slots, Slot{Name: e.Name, Address: addr, Hotplug: sysfsattr.Exists(filepath.Join(r.Path, "power"))})
	}
	return slots, errors.Join(errs...)
}
