package pcie

import (
	"fmt"
	"strconv"
	"strings"
)

// Address is a PCI function address: domain (segment), bus, device, function.
// Domains may use all 32 bits (VMD, some PA-RISC and POWER hosts).
type Address struct {
	Domain   uint32
	Bus      uint8
	Device   uint8
	Function uint8
}

// ParseAddress parses a sysfs function name such as "0000:3b:00.0" or
// "10000:e0:1d.0".
func ParseAddress(s string) (Address, error) {
	dom, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Address{}, fmt.Errorf("pci address %q: no domain", s)
	}
	bus, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return Address{}, fmt.Errorf("pci address %q: no bus", s)
	}
	dev, fn, ok := strings.Cut(rest, ".")
	if !ok {
		return Address{}, fmt.Errorf("pci address %q: no function", s)
	}
	d, err := strconv.ParseUint(dom, 16, 32)
	if err != nil || len(dom) < 4 {
		return Address{}, fmt.Errorf("pci address %q: bad domain", s)
	}
	b, err := strconv.ParseUint(bus, 16, 8)
	if err != nil || len(bus) != 2 {
		return Address{}, fmt.Errorf("pci address %q: bad bus", s)
	}
	v, err := strconv.ParseUint(dev, 16, 5)
	if err != nil || len(dev) != 2 {
		return Address{}, fmt.Errorf("pci address %q: bad device", s)
	}
	f, err := strconv.ParseUint(fn, 16, 3)
	if err != nil || len(fn) != 1 {
		return Address{}, fmt.Errorf("pci address %q: bad function", s)
	}
	return Address{Domain: uint32(d), Bus: uint8(b), Device: uint8(v), Function: uint8(f)}, nil
}

// String formats the address as the kernel names it in sysfs.
func (a Address) String() string {
	return fmt.Sprintf("%04x:%02x:%02x.%x", a.Domain, a.Bus, a.Device, a.Function)
}

// BusName is the "DDDD:BB" name of the bus the function sits on.
func (a Address) BusName() string { return fmt.Sprintf("%04x:%02x", a.Domain, a.Bus) }

// Slot is the device the function belongs to, as a slot's address names
// it (Slot.Device): the address with function 0.
func (a Address) Slot() Address {
	a.Function = 0
	return a
}

// parseRootBusDir parses a host bridge directory name such as "pci0000:00"
// and returns its "DDDD:BB" bus name.
func parseRootBusDir(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "pci")
	if !ok {
		return "", false
	}
	dom, bus, ok := strings.Cut(rest, ":")
	if !ok || len(bus) != 2 || len(dom) < 4 {
		return "", false
	}
	if _, err := strconv.ParseUint(dom, 16, 32); err != nil {
		return "", false
	}
	if _, err := strconv.ParseUint(bus, 16, 8); err != nil {
		return "", false
	}
	return rest, true
}
