package collectors

import (
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/dmi"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestSMBIOSHostIdentity: the ThinkPad T490's tables (values as dmidecode
// prints them) installed where the kernel exports them.
func TestSMBIOSHostIdentity(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	installTables(t, root, "smbios_table.bin", nil, -1)
	g := scan(t, root, "smbios")
	h := g.Host
	for k, want := range map[string]string{
		"product_serial": "PF1NKFHN", "product_uuid": "0677d5cc-25b1-11b2-a85c-c66e0b64b3d5",
		"product_name": "20N2CTO1WW", "product_version": "ThinkPad T490", "board_serial": "L1HF93508A3",
		"chassis_type": "Notebook", "bios_version": "N2IET92W (1.70 )", "bios_date": "09/21/2020",
		"smbios_version": "3.1",
	} {
		if h.Attrs[k] != want {
			t.Errorf("host %s = %v, want %q", k, h.Attrs[k], want)
		}
	}
	if _, ok := h.Attrs["chassis_asset_tag"]; !ok {
		t.Error("chassis asset tag \"No Asset Information\" dropped")
	}
	if h.Serial != "PF1NKFHN" || h.Vendor != "LENOVO" || h.Firmware != "N2IET92W (1.70 )" {
		t.Errorf("host %+v", h)
	}
	// No type 38 on a laptop: no BMC.
	if _, ok := g.Component(topology.BMCID); ok {
		t.Error("bmc:0 without an IPMI device record")
	}
}

// TestFaultSMBIOSForeignTables: the Satellite Pro's tables on the 32em64t tree, as
// if firmware described another board: slot names land only on functions
// the kernel has (00:01.0 and 00:1c.0 of its eight), no PCI component
// is invented, and one socket against two packages names neither.
func TestFaultSMBIOSForeignTables(t *testing.T) {
	root := fixture.Root(t, dimmCapture+".tar.bz2")
	installTables(t, root, "satellite_pro_l70_testdata.bin", nil, -1)
	plain := scan(t, fixture.Root(t, dimmCapture+".tar.bz2"), "pcie", "numa")
	g := scan(t, root, "pcie", "numa", "smbios")
	if len(g.Components) != len(plain.Components) {
		t.Errorf("%d components with the tables, %d without: annotations invented hardware", len(g.Components), len(plain.Components))
	}
	labels := map[string]any{}
	for _, c := range g.Components {
		if v, ok := c.Attrs["slot_label"]; ok {
			labels[c.ID] = v
		}
	}
	if len(labels) != 2 || labels["pci:0000:00:1c.0"] != "J6C1" || labels["pci:0000:00:01.0"] != "J5C1" {
		t.Errorf("slot labels %v", labels)
	}
	st := status(g, "smbios")
	if !strings.Contains(strings.Join(st.Problems, "\n"), "1 populated sockets, the kernel 2 packages") {
		t.Errorf("smbios problems %v", st.Problems)
	}
	if p, _ := g.Component("package:0"); p == nil || p.Attrs["socket"] != nil {
		t.Errorf("package:0 %+v", p)
	}
}

// TestAddBMC: the BMC's attachment becomes a link of the matching kind.
func TestAddBMC(t *testing.T) {
	for _, tc := range []struct {
		ip    dmi.IPMI
		link  string
		base  string
		space any
	}{
		{dmi.IPMI{Interface: "KCS", SpecVersion: "2.0", BaseAddress: 0xca2, IOSpace: true, I2CAddress: 0x10}, topology.LinkKCS, "0xca2", "io"},
		{dmi.IPMI{Interface: "SSIF", SpecVersion: "2.0", BaseAddress: 0x10}, topology.LinkSMBus, "0x10", nil},
		{dmi.IPMI{Interface: "BT", SpecVersion: "1.5", BaseAddress: 0xe4}, "", "0xe4", "memory"},
	} {
		f := &topology.Fragment{}
		addBMC(f, tc.ip)
		g := topology.Build(f)
		b, ok := g.Component(topology.BMCID)
		if !ok || b.Attrs["ipmi_interface"] != tc.ip.Interface || b.Attrs["ipmi_base_address"] != tc.base || b.Attrs["ipmi_address_space"] != tc.space {
			t.Errorf("%s: bmc %+v", tc.ip.Interface, b)
		}
		l, ok := g.Link("host~bmc:0")
		if (tc.link == "") == ok || (ok && l.Kind != tc.link) {
			t.Errorf("%s: link %+v, want kind %q", tc.ip.Interface, l, tc.link)
		}
	}
}
