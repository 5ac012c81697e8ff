package pcie

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestUeventMatchesAttributeFiles: on every function of four real
// captures, the identity read from uevent equals the one read from the
// class, vendor, device, subsystem_* files and the driver link.
func TestUeventMatchesAttributeFiles(t *testing.T) {
	for _, capture := range []string{
		"hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2",
		"hwloc/40intel64-2g2n4c+pcilocality.tar.bz2",
		"hwloc/2pa-pcidomain32bits.tar.bz2",
		"node_exporter/sys.tar.gz",
	} {
		t.Run(capture, func(t *testing.T) {
			root := fixture.Root(t, capture)
			sysfs := filepath.Join(root, "sys")
			withUevent, err := ReadDevices(sysfs)
			if err != nil || len(withUevent) == 0 {
				t.Fatalf("%d functions, %v", len(withUevent), err)
			}
			used := 0
			for _, d := range withUevent {
				dir, err := filepath.EvalSymlinks(filepath.Join(sysfs, "bus/pci/devices", d.Name))
				if err != nil {
					t.Fatal(err)
				}
				if os.Remove(filepath.Join(dir, "uevent")) == nil {
					used++
				}
			}
			if used != len(withUevent) {
				t.Fatalf("%d of %d functions have a uevent", used, len(withUevent))
			}
			fromFiles, err := ReadDevices(sysfs)
			if err != nil || len(fromFiles) != len(withUevent) {
				t.Fatalf("without uevent: %d functions, %v", len(fromFiles), err)
			}
			for i, u := range withUevent {
				f := fromFiles[i]
				if u.Class != f.Class || u.Vendor != f.Vendor || u.DeviceID != f.DeviceID ||
					u.SubsystemVendor != f.SubsystemVendor || u.SubsystemDevice != f.SubsystemDevice || u.Driver != f.Driver {
					t.Errorf("%s: uevent says %06x %04x:%04x %04x:%04x %q, files say %06x %04x:%04x %04x:%04x %q", u.Name,
						u.Class, u.Vendor, u.DeviceID, u.SubsystemVendor, u.SubsystemDevice, u.Driver,
						f.Class, f.Vendor, f.DeviceID, f.SubsystemVendor, f.SubsystemDevice, f.Driver)
				}
				if len(u.Problems) > 0 {
					t.Errorf("%s: problems %v", u.Name, u.Problems)
				}
			}
		})
	}
}

func TestParseUevent(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       uevent
		err        bool
	}{
		{"bridge with a driver (32em64t)", "DRIVER=pcieport\nPCI_CLASS=60400\nPCI_ID=8086:3C02\nPCI_SUBSYS_ID=0000:0000\nPCI_SLOT_NAME=0000:00:01.0\n",
			uevent{class: 0x060400, vendor: 0x8086, device: 0x3c02, driver: "pcieport", hasClass: true, hasID: true, hasSubsys: true}, false},
		{"unbound function", "PCI_CLASS=C0330\nPCI_ID=1022:149C\nPCI_SUBSYS_ID=17AA:5095\n",
			uevent{class: 0x0c0330, vendor: 0x1022, device: 0x149c, subVendor: 0x17aa, subDevice: 0x5095, hasClass: true, hasID: true, hasSubsys: true}, false},
		{"garbled IDs (fault)", "PCI_CLASS=60400\nPCI_ID=8086\nPCI_SUBSYS_ID=zz:00\n",
			uevent{class: 0x060400, hasClass: true}, true},
		{"class beyond 24 bits (fault)", "PCI_CLASS=1060400\n", uevent{}, true},
		{"empty", "", uevent{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseUevent(tc.text)
			if got != tc.want || (err != nil) != tc.err {
				t.Errorf("parseUevent = %+v, %v; want %+v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}
