package topology

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// The IDs of the design's table. Every component ID is built by one of
// these functions: two collectors that see one part must give it the same
// ID, or the graph holds the twin the merge rules forbid, so no ID is
// spelled by hand. ParseID tells which form an ID has.

// HostID is the ID of the one host component every graph has.
const HostID = "host"

// BMCID is the ID of the host's baseboard management controller.
const BMCID = "bmc:0"

// NUMAID is a NUMA node: "numa:1".
func NUMAID(node int) string { return "numa:" + strconv.Itoa(node) }

// PackageID is a CPU package by its physical_package_id: "package:0".
func PackageID(pkg int) string { return "package:" + strconv.Itoa(pkg) }

// PCIRootID is a PCI root bus (host bridge) by its domain and bus as sysfs
// names them: "pcibus:0000:3a".
func PCIRootID(domainBus string) string { return "pcibus:" + domainBus }

// PCIID is a PCI function by its sysfs name: "pci:0000:3b:00.0".
func PCIID(addr string) string { return "pci:" + addr }

// MCID is an EDAC memory controller: "mc:0".
func MCID(n int) string { return "mc:" + strconv.Itoa(n) }

// DIMMID is a DIMM slot by its locator, normalised (NormalizeLocator):
// firmware's "P1 DIMM A1" and EDAC's "P1_DIMM_A1" are both
// dimm:P1-DIMM-A1.
func DIMMID(locator string) string { return "dimm:" + NormalizeLocator(locator) }

// NormalizeLocator turns a slot name as firmware or EDAC spell it ("P1
// DIMM A1", "P1_DIMMA1", "CPU0_DIMM_A1") into the form DIMM IDs use:
// upper case, runs of spaces, underscores, dashes and '#' folded to one
// '-'. It is idempotent.
func NormalizeLocator(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.TrimSpace(s) {
		if r == ' ' || r == '_' || r == '#' || r == '-' || r == '\t' {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return b.String()
}

// I2CAdapterID is an I²C adapter by its bus number: "i2c:3".
func I2CAdapterID(bus int) string { return "i2c:" + strconv.Itoa(bus) }

// I2CClientID is an I²C client by its sysfs name: "i2c:3-007c".
func I2CClientID(bus int, addr uint16) string { return fmt.Sprintf("i2c:%d-%04x", bus, addr) }

// NVMeID is an NVMe controller without a PCI function (a fabric
// controller) by its kernel name: "nvme:nvme0". A PCIe controller is its
// PCIID, and nvme:NAME is its alias.
func NVMeID(ctrl string) string { return "nvme:" + ctrl }

// NVMeSubsystemID is a multipath NVMe subsystem: "nvme-subsys:nvme-subsys0".
func NVMeSubsystemID(name string) string { return "nvme-subsys:" + name }

// BlockID is an OS block device under its controller: "block:nvme0n1".
func BlockID(name string) string { return "block:" + name }

// NVSwitchID is an NVSwitch by its PCI address: "nvswitch:0000:c4:00.0".
func NVSwitchID(addr string) string { return "nvswitch:" + addr }

// GPUID is a GPU NVML lists without a PCI address, by its UUID.
func GPUID(uuid string) string { return "gpu:" + uuid }

// IBID is an RDMA device without a PCI device link: "ib:mlx5_0".
func IBID(dev string) string { return "ib:" + dev }

// PSUID is a power supply by its BMC's entity instance: "psu:1".
func PSUID(n int) string { return "psu:" + strconv.Itoa(n) }

// DiskID is a disk by what stays with it between boots and slots: its
// WWN ("disk:naa.5000cca26128b1f4"), else its vendor, model and serial
// ("disk:ATA-ST1000DM003-Z1D5K2AB"); never the kernel's name, which moves.
// fallback names a disk with neither (a virtio disk without a serial):
// its place, such as the PCI function it is on.
func DiskID(wwn, vendor, model, serial, fallback string) string {
	if wwn = strings.ToLower(strings.Join(strings.Fields(wwn), "-")); wwn != "" {
		return "disk:" + wwn
	}
	var parts []string
	for _, p := range []string{vendor, model, serial} {
		if p = strings.Join(strings.Fields(p), "_"); p != "" {
			parts = append(parts, p)
		}
	}
	if serial == "" {
		parts = append(parts, fallback)
	}
	return "disk:" + strings.Join(parts, "-")
}

// SASExpanderID is a SAS expander by its SAS address:
// "sas-expander:0x5000ccab0200947e".
func SASExpanderID(addr string) string { return "sas-expander:" + strings.ToLower(addr) }

// FanID is a fan by the name its BMC gives it, normalised as slot names
// are: "fan:BASEBOARD-SYSTEM-FAN".
func FanID(name string) string { return "fan:" + NormalizeLocator(name) }

// RedfishID is a part only the BMC reports, by its Redfish resource:
// "redfish:Chassis/Tower/Drives/Disk-1-0". Services keep a resource's
// path across reboots; a part that the operating system sees too is
// joined to its own component instead (Fragment.Join).
func RedfishID(path string) string {
	return "redfish:" + strings.TrimPrefix(strings.Trim(strings.Join(strings.Fields(path), "_"), "/"), "redfish/v1/")
}

// idForms are the rows of the ID table: a prefix and what may follow it.
// They are built on first use: a one-shot run never parses an ID.
var idForms = sync.OnceValue(func() []idForm {
	var (
		pciAddr   = regexp.MustCompile(`^[0-9a-f]{4,8}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$`)
		pciRoot   = regexp.MustCompile(`^[0-9a-f]{4,8}:[0-9a-f]{2}$`)
		i2cClient = regexp.MustCompile(`^[0-9]+-[0-9a-f]{4}$`)
		kernelDev = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)
	)
	return []idForm{
		{"numa:", IsIDNumber},
		{"package:", IsIDNumber},
		{"pcibus:", pciRoot.MatchString},
		{"pci:", pciAddr.MatchString},
		{"mc:", IsIDNumber},
		{"dimm:", func(s string) bool { return s != "" && NormalizeLocator(s) == s }},
		{"i2c:", func(s string) bool { return IsIDNumber(s) || i2cClient.MatchString(s) }},
		{"nvme:", kernelDev.MatchString},
		{"nvme-subsys:", kernelDev.MatchString},
		{"block:", kernelDev.MatchString},
		{"nvswitch:", pciAddr.MatchString},
		{"gpu:", func(s string) bool { return s != "" }},
		{"ib:", kernelDev.MatchString},
		{"psu:", IsIDNumber},
		{"disk:", func(s string) bool { return s != "" && !strings.ContainsAny(s, " \t\n") }},
		{"sas-expander:", kernelDev.MatchString},
		{"bmc:", IsIDNumber},
		{"fan:", func(s string) bool { return s != "" && NormalizeLocator(s) == s }},
		{"redfish:", func(s string) bool { return s != "" && !strings.ContainsAny(s, " \t\n") }},
	}
})

type idForm struct {
	prefix string
	valid  func(string) bool
}

// registeredForms are the ID forms collectors registered (RegisterIDForm).
var registeredForms []idForm

// RegisterIDForm adds a row to the ID table for the IDs a collector makes
// of a part the table does not name ("cooling:" and the kernel's number):
// ParseID then knows them as it knows the table's own. Collectors call it
// from their init; a prefix already known is a programming error.
func RegisterIDForm(prefix string, valid func(rest string) bool) {
	for _, f := range append(idForms(), registeredForms...) {
		if f.prefix == prefix {
			panic("topology: ID form " + prefix + " registered twice")
		}
	}
	registeredForms = append(registeredForms, idForm{prefix, valid})
}

// IsIDNumber reports whether rest numbers a part as the kernel does, in
// decimal without leading zeros ("numa:2"'s "2"), for RegisterIDForm.
func IsIDNumber(rest string) bool {
	return rest != "" && strings.Trim(rest, "0123456789") == "" && (rest == "0" || rest[0] != '0')
}

// ParseID returns the form of a component ID — its prefix without the
// colon ("pci", "dimm", "host") — or an error when it is of none.
func ParseID(id string) (string, error) {
	if id == HostID {
		return HostID, nil
	}
	for _, f := range append(idForms(), registeredForms...) {
		if rest, ok := strings.CutPrefix(id, f.prefix); ok {
			if !f.valid(rest) {
				return "", fmt.Errorf("component ID %q: not a valid %s ID", id, strings.TrimSuffix(f.prefix, ":"))
			}
			return strings.TrimSuffix(f.prefix, ":"), nil
		}
	}
	return "", fmt.Errorf("component ID %q: of no known form", id)
}
