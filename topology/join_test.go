package topology

import (
	"strings"
	"testing"
)

// osView is what the operating system's collectors make of a machine: a
// disk with its serial, a storage controller, an NVMe controller and its
// subsystem (which report the same serial), a NIC with its MAC address,
// two DIMMs that report the same serial (as cheap modules do) and a
// package with its socket's name.
func osView() *Fragment {
	return &Fragment{Components: []*Component{
		{ID: "pci:0000:3b:00.0", Kind: KindNIC, Parent: "pcibus:0000:3a", Attrs: map[string]any{"mac": "0c:42:a1:5e:00:10"}},
		{ID: "pci:0000:5e:00.0", Kind: KindStorage, Parent: "pcibus:0000:3a", Serial: "SV93717834"},
		{ID: "pcibus:0000:3a", Kind: KindPCIRoot},
		{ID: "disk:naa.5000c500a1b2c3d4", Kind: KindDisk, Parent: "pci:0000:5e:00.0", Serial: "ZA1B2C3D", Firmware: "SN04"},
		{ID: "dimm:P1-DIMMA1", Kind: KindDIMM, Serial: "1A2B3C4D"},
		{ID: "dimm:P1-DIMMB1", Kind: KindDIMM, Serial: "1A2B3C4D"},
		{ID: "package:0", Kind: KindCPUPackage, Attrs: map[string]any{"socket": "CPU1"}},
		{ID: "pci:0000:01:00.0", Kind: KindNVMe, Parent: "pcibus:0000:3a", Serial: "S4EWNX0R123456"},
		{ID: "nvme-subsys:nvme-subsys0", Kind: KindNVMeSubsystem, Serial: "S4EWNX0R123456"},
		{ID: "bmc:0", Kind: KindBMC},
	}}
}

// TestJoinByIdentity: a BMC's parts merge into the component that reports
// the same identity, and only into one; the rest stay below the BMC and
// say why.
func TestJoinByIdentity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		part    *Component
		kinds   []string
		by      []Key
		want    string // the component it ends in
		parent  string
		joined  string // AttrJoinedBy, "" for none
		unmatch string // in AttrUnmatched
	}{
		{name: "drive by serial", part: &Component{ID: "redfish:Chassis/1/Drives/0", Kind: KindDisk, Parent: BMCID, Serial: "ZA1B2C3D", Firmware: "SN05"},
			by: []Key{{"serial", "ZA1B2C3D"}}, want: "disk:naa.5000c500a1b2c3d4", parent: "pci:0000:5e:00.0", joined: "serial"},
		{name: "serial ignores case and spaces", part: &Component{ID: "redfish:Chassis/1/Drives/0", Kind: KindDisk, Parent: BMCID},
			by: []Key{{"serial", " za1b2c3d "}}, want: "disk:naa.5000c500a1b2c3d4", parent: "pci:0000:5e:00.0", joined: "serial"},
		{name: "NIC by MAC", part: &Component{ID: "redfish:Systems/1/EthernetInterfaces/1", Kind: KindNIC, Parent: BMCID},
			by: []Key{{"mac", "0C:42:A1:5E:00:10"}}, want: "pci:0000:3b:00.0", parent: "pcibus:0000:3a", joined: "mac"},
		{name: "second key when the first matches nothing", part: &Component{ID: "redfish:Systems/1/EthernetInterfaces/1", Kind: KindNIC, Parent: BMCID},
			by: []Key{{"mac", "aa:bb:cc:dd:ee:00"}, {"mac", "0c:42:a1:5e:00:10"}}, want: "pci:0000:3b:00.0", parent: "pcibus:0000:3a", joined: "mac"},
		{name: "processor by socket", part: &Component{ID: "redfish:Systems/1/Processors/CPU1", Kind: KindCPUPackage, Parent: BMCID},
			by: []Key{{"serial", ""}, {"socket", "CPU 1"}}, want: "package:0", parent: HostID, joined: "socket"},
		{name: "NVMe drive: the controller, not its subsystem", part: &Component{ID: "redfish:Chassis/1/Drives/2", Kind: KindDisk, Parent: BMCID},
			kinds: []string{KindDisk, KindNVMe}, by: []Key{{"serial", "S4EWNX0R123456"}}, want: "pci:0000:01:00.0", parent: "pcibus:0000:3a", joined: "serial"},
		{name: "any kind: both report it", part: &Component{ID: "redfish:Chassis/1/Drives/2", Kind: KindDisk, Parent: BMCID},
			by: []Key{{"serial", "S4EWNX0R123456"}}, want: "redfish:Chassis/1/Drives/2", parent: BMCID, unmatch: `2 components report serial "S4EWNX0R123456"`},
		{name: "nothing reports it", part: &Component{ID: "redfish:Chassis/1/Drives/1", Kind: KindDisk, Parent: BMCID, Serial: "WX41"},
			by: []Key{{"serial", "WX41"}}, want: "redfish:Chassis/1/Drives/1", parent: BMCID, unmatch: `no component reports serial "WX41"`},
		{name: "only a component of another kind reports it", part: &Component{ID: "redfish:Systems/1/GraphicsControllers/GPU1", Kind: KindGPU, Parent: BMCID},
			kinds: []string{KindGPU}, by: []Key{{"serial", "ZA1B2C3D"}}, want: "redfish:Systems/1/GraphicsControllers/GPU1", parent: BMCID,
			unmatch: `no gpu reports serial "ZA1B2C3D"`},
		{name: "two report it: no guess", part: &Component{ID: "dimm:DIMM_A1", Kind: KindDIMM, Parent: HostID, Serial: "1A2B3C4D"},
			by: []Key{{"serial", "1A2B3C4D"}}, want: "dimm:DIMM_A1", parent: HostID, unmatch: `2 components report serial "1A2B3C4D"`},
		{name: "its own ID when no key matches", part: &Component{ID: "dimm:P1-DIMMB1", Kind: KindDIMM, Parent: HostID, Serial: "X9"},
			by: []Key{{"serial", "X9"}}, want: "dimm:P1-DIMMB1", parent: HostID},
		{name: "a placeholder is no identity", part: &Component{ID: "dimm:DIMM_A1", Kind: KindDIMM, Parent: HostID},
			by: []Key{{"serial", "00000000"}}, want: "dimm:DIMM_A1", parent: HostID, unmatch: "it reports no identity to match"},
		{name: "nor is firmware's filler", part: &Component{ID: "redfish:Chassis/1/Drives/3", Kind: KindDisk, Parent: BMCID},
			by: []Key{{"serial", "To Be Filled By O.E.M."}}, want: "redfish:Chassis/1/Drives/3", parent: BMCID, unmatch: "it reports no identity to match"},
		{name: "no identity at all", part: &Component{ID: "redfish:Systems/1/SimpleStorage/1", Kind: KindStorage, Parent: BMCID},
			by: []Key{{"serial", ""}}, want: "redfish:Systems/1/SimpleStorage/1", parent: BMCID, unmatch: "it reports no identity to match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bmc := &Fragment{}
			bmc.Join(tc.part, tc.kinds, tc.by...)
			n := len(osView().Components)
			g := Build(osView(), bmc)
			c, ok := g.Component(tc.want)
			if !ok {
				t.Fatalf("%s not in the graph", tc.want)
			}
			if wantN := n + map[bool]int{true: 1}[tc.unmatch != ""]; len(g.Components) != wantN {
				t.Errorf("%d components, want %d (no twins)", len(g.Components), wantN)
			}
			if c.Parent != tc.parent {
				t.Errorf("parent %s, want %s", c.Parent, tc.parent)
			}
			if got := String(c.Attrs, AttrJoinedBy); got != tc.joined {
				t.Errorf("joined by %q, want %q", got, tc.joined)
			}
			if got := String(c.Attrs, AttrUnmatched); !strings.Contains(got, tc.unmatch) || (tc.unmatch == "") != (got == "") {
				t.Errorf("unmatched %q, want %q", got, tc.unmatch)
			}
			if tc.joined != "" && !strings.Contains(String(c.Attrs, AttrAliases), tc.part.ID) {
				t.Errorf("aliases %q lack %s", String(c.Attrs, AttrAliases), tc.part.ID)
			}
		})
	}
}

// TestJoinKeepsTheOSView: a joined part adds what the OS lacks and its
// health, but the OS's place, kind and firmware stand; what sits below a
// joined part, and events naming it, follow it.
func TestJoinKeepsTheOSView(t *testing.T) {
	bmc := &Fragment{Events: []Event{{Kind: "bmc-log", Component: "redfish:Chassis/1/Drives/0"}}}
	ctrl := bmc.Join(&Component{ID: "redfish:Systems/1/Storage/1#/StorageControllers/0", Kind: KindStorage, Parent: BMCID, Serial: "SV93717834",
		Firmware: "23.13"}, nil, Key{"serial", "SV93717834"})
	ctrl.SetAttr("redfish_path", "/redfish/v1/Systems/1/Storage/1#/StorageControllers/0")
	d := bmc.Join(&Component{ID: "redfish:Chassis/1/Drives/0", Kind: KindDisk, Parent: ctrl.ID, Serial: "ZA1B2C3D", Firmware: "SN05",
		Health: Health{State: StateDegraded, Reasons: []string{"Redfish: Health Warning"}}}, nil, Key{"serial", "ZA1B2C3D"})
	orphan := bmc.Join(&Component{ID: "redfish:Chassis/1/Drives/1", Kind: KindDisk, Parent: ctrl.ID, Serial: "WX41"}, nil, Key{"serial", "WX41"})
	g := Build(osView(), bmc)

	c, _ := g.Component("pci:0000:5e:00.0")
	if c.Firmware != "23.13" || c.Attrs["redfish_path"] == nil || c.Kind != KindStorage {
		t.Errorf("controller %+v: the BMC's firmware and path fill what the OS lacked", c)
	}
	disk, _ := g.Component("disk:naa.5000c500a1b2c3d4")
	if disk.Firmware != "SN04" || disk.Parent != "pci:0000:5e:00.0" || disk.Health.State != StateDegraded {
		t.Errorf("disk %+v: the OS's firmware and place, the BMC's Warning", disk)
	}
	if o, ok := g.Component(orphan.ID); !ok || o.Parent != "pci:0000:5e:00.0" {
		t.Errorf("unmatched drive %+v: below the controller it was joined to", o)
	}
	if g.Events[0].Component != disk.ID {
		t.Errorf("event on %s, want %s", g.Events[0].Component, disk.ID)
	}
	if _, ok := g.Component(d.ID); ok {
		t.Errorf("%s is in the graph besides the disk it joined", d.ID)
	}
	// The collector's part is not changed by Build (a fragment may be
	// built again).
	if d.ID != "redfish:Chassis/1/Drives/0" || d.Attrs[AttrJoinedBy] != nil {
		t.Errorf("the fragment's part changed: %+v", d)
	}
}

// FuzzJoin: parts joined by any values, under any parents, never panic
// Build, never make a twin of a component, and leave every component
// below one that exists.
func FuzzJoin(f *testing.F) {
	f.Add("ZA1B2C3D", "redfish:Chassis/1/Drives/0", "0c:42:a1:5e:00:10", "pci:0000:5e:00.0")
	f.Add("1A2B3C4D", "dimm:P1-DIMMA1", "", "redfish:Chassis/1/Drives/0")
	f.Add("", "", "0000", "host")
	f.Fuzz(func(t *testing.T, serial, id, mac, parent string) {
		bmc := &Fragment{}
		a := bmc.Join(&Component{ID: id, Kind: KindDisk, Parent: parent, Serial: serial}, nil, Key{"serial", serial}, Key{"mac", mac})
		bmc.Join(&Component{ID: id + "/b", Kind: KindNIC, Parent: a.ID}, []string{KindNIC}, Key{"mac", mac})
		bmc.Join(&Component{ID: parent, Kind: KindStorage, Parent: id}, nil, Key{"serial", mac})
		g := Build(osView(), bmc)
		seen := map[string]bool{}
		for _, c := range g.Components {
			if seen[c.ID] {
				t.Fatalf("twin %s", c.ID)
			}
			seen[c.ID] = true
			if _, ok := g.Component(c.Parent); !ok || c.Parent == c.ID {
				t.Fatalf("%s below %q, not in the graph", c.ID, c.Parent)
			}
		}
	})
}
