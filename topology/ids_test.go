package topology

import "testing"

func TestNormalizeLocator(t *testing.T) {
	for in, want := range map[string]string{
		"P1 DIMM A1":        "P1-DIMM-A1",
		"P1_DIMMA1":         "P1-DIMMA1",
		" cpu0_dimm_a1 ":    "CPU0-DIMM-A1",
		"CPU_SrcID#0_Ha#0":  "CPU-SRCID-0-HA-0",
		"mc0csrow0channel1": "MC0CSROW0CHANNEL1",
	} {
		if got := NormalizeLocator(in); got != want {
			t.Errorf("NormalizeLocator(%q) = %q, want %q", in, got, want)
		}
		if again := NormalizeLocator(want); again != want {
			t.Errorf("NormalizeLocator(%q) = %q: not idempotent", want, again)
		}
	}
}

// TestParseID: every builder's ID parses back as its form; IDs a typo or
// a hand-built string would give do not.
func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		id, form string
	}{
		{HostID, "host"},
		{BMCID, "bmc"},
		{NUMAID(12), "numa"},
		{PackageID(0), "package"},
		{PCIRootID("0000:3a"), "pcibus"},
		{PCIRootID("10000:00"), "pcibus"},
		{PCIID("0000:3b:00.0"), "pci"},
		{PCIID("10000:00:04.0"), "pci"},
		{MCID(1), "mc"},
		{DIMMID("P1 DIMM A1"), "dimm"},
		{I2CAdapterID(3), "i2c"},
		{I2CClientID(3, 0x7c), "i2c"},
		{NVMeID("nvme0"), "nvme"},
		{NVMeSubsystemID("nvme-subsys0"), "nvme-subsys"},
		{BlockID("nvme0n1"), "block"},
		{NVSwitchID("0000:c4:00.0"), "nvswitch"},
		{GPUID("GPU-8f6e…"), "gpu"},
		{IBID("mlx5_0"), "ib"},
		{PSUID(1), "psu"},
		{RedfishID("/redfish/v1/Chassis/Tower/Drives/Disk-1-0"), "redfish"},
		{FanID("BaseBoard System Fan"), "fan"},
		{RedfishID("/redfish/v1/Systems/1/SimpleStorage/1#/Devices/0"), "redfish"},
	} {
		form, err := ParseID(tc.id)
		if err != nil || form != tc.form {
			t.Errorf("ParseID(%q) = %q, %v; want %q", tc.id, form, err, tc.form)
		}
	}
	for _, bad := range []string{
		"", "hosts", "pci:0000:3B:00.0", "pci:3b:00.0", "pci 0000:3b:00.0", "numa:-1", "numa:01",
		"dimm:p1-dimm-a1", "dimm:", "i2c:3-7c", "pcibus:0000", "nvswitch:c4", "frobnicator:1", "block:a/b",
	} {
		if form, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) = %q, want an error", bad, form)
		}
	}
}

// TestRegisterIDForm: a collector's own form of ID parses as the table's
// do, numbers as the kernel writes them; a prefix known already panics.
func TestRegisterIDForm(t *testing.T) {
	RegisterIDForm("widget:", IsIDNumber)
	for id, ok := range map[string]bool{"widget:0": true, "widget:12": true, "widget:012": false, "widget:": false, "widget:-1": false, "widget:a": false} {
		if form, err := ParseID(id); (err == nil) != ok || ok && form != "widget" {
			t.Errorf("ParseID(%q) = %q, %v; valid: %v", id, form, err, ok)
		}
	}
	for _, prefix := range []string{"widget:", "pci:"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s registered twice without a panic", prefix)
				}
			}()
			RegisterIDForm(prefix, IsIDNumber)
		}()
	}
}
