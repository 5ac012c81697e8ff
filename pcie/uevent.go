package pcie

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// uevent is what a function's uevent file says of its identity. The
// kernel's pci_uevent() prints the same fields the class, vendor, device,
// subsystem_* attributes and the driver link hold, so one read replaces
// six.
type uevent struct {
	class                      uint32
	vendor, device             uint16
	subVendor, subDevice       uint16
	driver                     string
	hasClass, hasID, hasSubsys bool
}

// parseUevent reads PCI_CLASS=60400, PCI_ID=8086:3C02,
// PCI_SUBSYS_ID=17AA:5095 and DRIVER=pcieport lines. A field that does
// not parse is left out, and named in the error, so the caller reads its
// attribute file instead.
func parseUevent(text string) (uevent, error) {
	var u uevent
	var bad []string
	for _, line := range strings.Split(text, "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch key {
		case "PCI_CLASS":
			v, err := strconv.ParseUint(val, 16, 24)
			if u.hasClass = err == nil; u.hasClass {
				u.class = uint32(v)
			} else {
				bad = append(bad, sysfsattr.Excerpt(line))
			}
		case "PCI_ID":
			if u.vendor, u.device, u.hasID = idPair(val); !u.hasID {
				bad = append(bad, sysfsattr.Excerpt(line))
			}
		case "PCI_SUBSYS_ID":
			if u.subVendor, u.subDevice, u.hasSubsys = idPair(val); !u.hasSubsys {
				bad = append(bad, sysfsattr.Excerpt(line))
			}
		case "DRIVER":
			u.driver = val
		}
	}
	if len(bad) > 0 {
		return u, fmt.Errorf("bad lines %q", bad)
	}
	return u, nil
}

// idPair parses "8086:3C02".
func idPair(s string) (a, b uint16, ok bool) {
	x, y, found := strings.Cut(s, ":")
	if !found {
		return 0, 0, false
	}
	va, err1 := strconv.ParseUint(x, 16, 16)
	vb, err2 := strconv.ParseUint(y, 16, 16)
	return uint16(va), uint16(vb), err1 == nil && err2 == nil
}
