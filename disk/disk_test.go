package disk

import (
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

func u(v uint64) *uint64 { return &v }

// TestReadDisks reads the disks of real machines: procfs' SAS shelf behind
// two expanders, the AHCI disk of the 137-function Xeon, the Dell R910's
// PERC volume and DVD drive, the PA-RISC guest's virtio disk.
func TestReadDisks(t *testing.T) {
	for _, tc := range []struct {
		capture string
		want    map[string]Disk // by SCSI address, or block name for virtio
	}{
		{"procfs/fixtures.tar.gz", map[string]Disk{
			"11:0:8:0": {Name: "sdw", Vendor: "HITACHI", Model: "HUH72808CLAR8000", Revision: "M7K0", WWID: "naa.5000cca26128b1f4",
				State: "running", IOErrors: u(402), SizeBytes: u(8001563222016), Slot: "Drive Slot #24_5000CCA26128B1F5", Type: "disk"},
			"11:0:7:0": {Name: "sdv", Vendor: "ATA", Model: "ST8000DM004-2CX1", Revision: "0001", WWID: "naa.5000c500b32d1a9c", IOErrors: u(609)},
		}},
		{"hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2", map[string]Disk{
			"4:0:0:0": {Name: "sda", Vendor: "ATA", Model: "ST9250610NS", IOErrors: u(2), SizeBytes: u(250059350016), State: "running",
				Path: "devices/pci0000:00/0000:00:1f.2/host4/target4:0:0/4:0:0:0"},
		}},
		{"hwloc/40intel64-2g2n4c+pcilocality.tar.bz2", map[string]Disk{
			"0:2:0:0": {Name: "sda", Vendor: "DELL", Model: "PERC H700", Revision: "2.10", SizeBytes: u(1798651772928), Type: "disk"},
			"1:0:0:0": {Name: "sr0", Vendor: "PLDS", Model: "DVD+-RW DS-8A5SH", Type: "optical"},
		}},
		{"hwloc/2pa-pcidomain32bits.tar.bz2", map[string]Disk{
			"vda": {Name: "vda", Model: "virtio disk", Serial: "f9e021d3fbfe4b3c9256", SizeBytes: u(21474836480),
				Path: "devices/pci10000:00/10000:00:04.0/virtio1/block/vda"},
		}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			disks, err := ReadDisks(fixture.Root(t, tc.capture) + "/sys")
			if err != nil {
				t.Fatal(err)
			}
			found := map[string]Disk{}
			for _, d := range disks {
				key := d.SCSI
				if key == "" {
					key = d.Name
				}
				found[key] = d
				if len(d.Problems) > 0 {
					t.Errorf("%s: %v", key, d.Problems)
				}
			}
			for key, w := range tc.want {
				d, ok := found[key]
				if !ok {
					t.Errorf("%s not found (have %v)", key, found)
					continue
				}
				check := func(what, got, want string) {
					if want != "" && got != want {
						t.Errorf("%s %s %q, want %q", key, what, got, want)
					}
				}
				check("name", d.Name, w.Name)
				check("vendor", d.Vendor, w.Vendor)
				check("model", d.Model, w.Model)
				check("revision", d.Revision, w.Revision)
				check("wwid", d.WWID, w.WWID)
				check("serial", d.Serial, w.Serial)
				check("state", d.State, w.State)
				check("slot", d.Slot, w.Slot)
				check("type", d.Type, w.Type)
				check("path", d.Path, w.Path)
				for what, p := range map[string][2]*uint64{"io errors": {d.IOErrors, w.IOErrors}, "size": {d.SizeBytes, w.SizeBytes}} {
					if p[1] != nil && (p[0] == nil || *p[0] != *p[1]) {
						t.Errorf("%s %s %v, want %d", key, what, p[0], *p[1])
					}
				}
			}
		})
	}
}

// TestReadExpanders: procfs' two SAS expanders, an HGST 4U60 shelf's and
// an LSI SAS2X36, with their SAS addresses.
func TestReadExpanders(t *testing.T) {
	xs, err := ReadExpanders(fixture.Root(t, "procfs/fixtures.tar.gz") + "/sys")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Expander{}
	for _, x := range xs {
		got[x.Name] = x
	}
	if x := got["expander-11:0"]; x.Vendor != "HGST" || x.Product != "4U60_STOR_ENCL" || x.Revision != "0210" ||
		x.SASAddress != "0x5000ccab0200947e" || x.Path != "devices/pci0000:00/0000:00:03.0/0000:03:00.0/host11/port-11:0/expander-11:0" {
		t.Errorf("expander-11:0 %+v", x)
	}
	if x := got["expander-11:1"]; x.Vendor != "LSI" || x.Product != "SAS2X36" || x.Revision != "0e12" || x.SASAddress != "0x5003048001e8967f" {
		t.Errorf("expander-11:1 %+v", x)
	}
}

func FuzzVPDSerial(f *testing.F) {
	f.Add([]byte{0, 0x80, 0, 4, 'A', 'B', 'C', 'D'})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := writeFile(dir+"/vpd_pg80", b); err != nil {
			t.Skip()
		}
		_ = vpdSerialOf(dir)
	})
}

// TestReadLiveDisks: the live reader trusts class/scsi_device and walks
// no device tree: the 137-function capture, which lacks the class (as
// every capture here does), has its AHCI disk for the capture reader and
// none for the live one, as a kernel without the SCSI class would.
func TestReadLiveDisks(t *testing.T) {
	sys := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2") + "/sys"
	live, err1 := ReadLiveDisks(sys)
	walked, err2 := ReadDisks(sys)
	if err1 != nil || err2 != nil || len(live) != 0 || len(walked) != 1 {
		t.Errorf("live %d disks (%v), capture reader %d (%v)", len(live), err1, len(walked), err2)
	}
}
