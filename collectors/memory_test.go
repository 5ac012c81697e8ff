package collectors

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/dmi"
	"github.com/hwgraph/hwgraph/internal/testkit/hwlocxml"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestEDACCollector: node_exporter's capture has mc0 with CE 1, UE 5 and
// csrow channels with uncorrected errors: those DIMMs are failed, the
// memory-channel links carry the counts.
func TestEDACCollector(t *testing.T) {
	g := scan(t, fixture.Root(t, "node_exporter/sys.tar.gz"), "memory")
	mc, ok := g.Component("mc:0")
	if !ok {
		t.Fatal("mc:0 missing")
	}
	if mc.Counters["memory_corrected"] != 1 || mc.Counters["memory_uncorrected"] != 5 ||
		mc.Counters["memory_corrected_noinfo"] != 2 || mc.Counters["memory_uncorrected_noinfo"] != 6 {
		t.Errorf("mc:0 counters %v", mc.Counters)
	}
	d, ok := g.Component("dimm:MC0CSROW0CHANNEL1")
	if !ok {
		t.Fatal("dimm:MC0CSROW0CHANNEL1 missing")
	}
	if d.Parent != "mc:0" || d.Health.State != topology.StateFailed || d.Counters["memory_uncorrected"] != 2 {
		t.Errorf("csrow0 ch1: parent %s health %v counters %v", d.Parent, d.Health, d.Counters)
	}
	d2, _ := g.Component("dimm:MC0CSROW2CHANNEL0")
	if d2 == nil || d2.Health.State != topology.StateOK {
		t.Errorf("csrow2 ch0 (no UE file, CE 0): %+v", d2)
	}
	l, ok := g.Link("mc:0~dimm:MC0CSROW1CHANNEL0")
	if !ok || l.Kind != topology.LinkMemoryChannel || l.Counters["memory_uncorrected"] != 2 {
		t.Errorf("memory channel link %+v", l)
	}
}

// TestMemoryAbsent: this hwloc capture has neither an EDAC tree nor SMBIOS records.
func TestMemoryAbsent(t *testing.T) {
	reg, _ := New(Options{}).Select([]string{"memory"})
	g := reg.Scan(t.Context(), Env{Root: fixture.Root(t, "hwloc/16amd64-8n2c.tar.bz2")}, nil)
	if st := status(g, "memory"); st.State != "absent" {
		t.Errorf("memory %+v, want absent", st)
	}
}

const dimmCapture = "hwloc/32em64t-2n8c+dax+nvme+mic+dimms"

// TestMemorySlotsMatchHwloc: on the 32em64t capture (SMBIOS entries only,
// no EDAC) the DIMM components are exactly hwloc's MemoryModule objects,
// with serial, part number, size, type and rank; the 16 empty slots are
// inventory on the host, not components.
func TestMemorySlotsMatchHwloc(t *testing.T) {
	g := scan(t, fixture.Root(t, dimmCapture+".tar.bz2"), "memory")
	topo, err := hwlocxml.Read(fixture.Path(t, dimmCapture+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*hwlocxml.Object{}
	topo.Walk(func(o *hwlocxml.Object) {
		if o.Subtype == "MemoryModule" {
			want[topology.DIMMID(o.Info("DeviceLocation"))] = o
		}
	})
	got := 0
	for _, c := range g.Components {
		if c.Kind != topology.KindDIMM {
			continue
		}
		got++
		w := want[c.ID]
		if w == nil {
			t.Errorf("%s not a MemoryModule in hwloc", c.ID)
			continue
		}
		size, _ := topology.Number(c.Attrs, "size_bytes")
		for _, f := range []struct{ got, want string }{
			{c.Name, w.Info("DeviceLocation")}, {c.Serial, w.Info("SerialNumber")}, {c.Model, w.Info("PartNumber")},
			{c.Vendor, w.Info("Vendor")}, {topology.String(c.Attrs, "type"), w.Info("Type")},
			{fmt.Sprintf("%.0fKiB", size/1024), w.Info("Size")}, {fmt.Sprint(c.Attrs["rank"]), w.Info("Rank")},
		} {
			if f.got != strings.TrimSpace(f.want) {
				t.Errorf("%s: %q, hwloc %q", c.ID, f.got, f.want)
			}
		}
		if c.Parent != topology.HostID || c.Attrs["speed_mts"] != uint32(1600) {
			t.Errorf("%s: parent %s, speed %v", c.ID, c.Parent, c.Attrs["speed_mts"])
		}
	}
	if got != len(want) || got != 8 {
		t.Errorf("%d DIMMs, hwloc has %d", got, len(want))
	}
	h := g.Host
	if h.Attrs["memory_slots"] != 24 || h.Attrs["memory_installed_bytes"] != uint64(32<<30) ||
		strings.Count(topology.String(h.Attrs, "memory_slots_empty"), "DIMM_") != 16 {
		t.Errorf("host memory attrs %v", h.Attrs)
	}
}

// TestMemoryKeepsSlotsOfOneReading: while the registry keeps the SMBIOS
// tables, the 32em64t capture's eight DIMMs are the same components scan
// after scan (nothing made again); once it forgets them (a device event),
// they are made again from the new reading, equal to the first.
func TestMemoryKeepsSlotsOfOneReading(t *testing.T) {
	reg, _ := New(Options{}).Select([]string{"memory"})
	env := Env{Root: fixture.Root(t, dimmCapture+".tar.bz2")}
	dimms := func() map[string]*topology.Component {
		res := reg.Run(t.Context(), env)
		out := map[string]*topology.Component{}
		for _, c := range res[0].Fragment.Components {
			if c.Kind == topology.KindDIMM {
				out[c.ID] = c
			}
		}
		return out
	}
	first, second := dimms(), dimms()
	if len(first) != 8 {
		t.Fatalf("%d DIMMs, want 8", len(first))
	}
	for id, c := range first {
		if second[id] != c {
			t.Errorf("%s made again while the tables were kept", id)
		}
	}
	reg.Invalidate()
	third := dimms()
	for id, c := range first {
		if third[id] == c || !third[id].Equal(c) {
			t.Errorf("%s after the tables were read again: kept %v, equal %v", id, third[id] == c, third[id].Equal(c))
		}
	}
}

func parseDump(t *testing.T, name string) *dmi.Tables {
	b, err := os.ReadFile(filepath.Join(fixture.Dir(t), "smbios", name))
	if err != nil {
		t.Fatal(err)
	}
	tabs, err := dmi.Parse(b[:32], b[32:])
	if err != nil {
		t.Fatal(err)
	}
	return tabs
}

// TestSlotIDs: IDs are the normalised locator; where firmware repeats a
// locator (the Satellite Pro's two "DIMM1" records) the bank tells them
// apart.
func TestSlotIDs(t *testing.T) {
	for _, tc := range []struct {
		dump string
		want []string
	}{
		{"smbios_table.bin", []string{"dimm:CHANNELA-DIMM0", "dimm:CHANNELB-DIMM0"}},
		{"satellite_pro_l70_testdata.bin", []string{"dimm:DIMM0", "dimm:BANK-1-DIMM1", "dimm:BANK-2-DIMM1", "dimm:DIMM3"}},
	} {
		mds, _ := parseDump(t, tc.dump).MemoryDevices()
		var got []string
		for _, s := range slotIDs(mds) {
			got = append(got, s.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.dump, got, tc.want)
		}
	}
}

// TestMatchSlot: the matching rules of matchSlot, on real slot lists.
func TestMatchSlot(t *testing.T) {
	mds, _ := parseDump(t, "smbios_table.bin").MemoryDevices()
	t490 := slotIDs(mds)
	mds, _ = parseDump(t, "satellite_pro_l70_testdata.bin").MemoryDevices()
	satellite := slotIDs(mds)
	for _, tc := range []struct {
		label string
		slots []slot
		want  string
	}{
		{"ChannelA-DIMM0", t490, "dimm:CHANNELA-DIMM0"},
		{"channela_dimm0", t490, "dimm:CHANNELA-DIMM0"},
		{"BANK 2 ChannelB-DIMM0", t490, "dimm:CHANNELB-DIMM0"}, // ghes_edac: bank, then locator
		{"ChannelB-DIMM0 BANK 2", t490, "dimm:CHANNELB-DIMM0"},
		{"BANK 0 ChannelB-DIMM0", t490, ""}, // wrong bank
		{"DIMM0", t490, ""},                 // a part of a locator is not a match
		{"mc#0csrow#0channel#0", t490, ""},  // the EDAC core's made-up label
		{"", t490, ""},
		{"DIMM1", satellite, "dimm:BANK-2-DIMM1"}, // the other DIMM1 slot is empty
		{"BANK 1 DIMM1", satellite, ""},           // an empty slot holds no DIMM
		{"BANK 0 DIMM0", satellite, "dimm:DIMM0"},
	} {
		got, ok := matchSlot(tc.label, tc.slots)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("matchSlot(%q) = %q, %v; want %q", tc.label, got, ok, tc.want)
		}
	}
}

// edacDIMM is one dimmN folder of the per-DIMM EDAC layout.
type edacDIMM struct {
	label  string
	ce, ue int
}

// writeEDACFromKernelABI adds an EDAC controller to a captured root, laid
// out as Documentation/ABI/testing/sysfs-devices-edac describes it (the
// per-DIMM layout of sb_edac, skx_edac, ghes_edac…): no capture we have
// holds one. The SMBIOS side stays the machine's own.
func writeEDACFromKernelABI(t *testing.T, root string, mc int, name string, dimms []edacDIMM) {
	t.Helper()
	dir := filepath.Join(root, "sys", "devices", "system", "edac", "mc", fmt.Sprintf("mc%d", mc))
	files := map[string]string{"mc_name": name, "size_mb": fmt.Sprint(len(dimms) * 4096),
		"ce_noinfo_count": "0", "ue_noinfo_count": "0"}
	ce, ue := 0, 0
	for i, d := range dimms {
		p := fmt.Sprintf("dimm%d/", i)
		files[p+"dimm_label"] = d.label
		files[p+"dimm_location"] = fmt.Sprintf("channel %d slot 0", i)
		files[p+"size"] = "4096"
		files[p+"dimm_mem_type"] = "Registered-DDR3"
		files[p+"dimm_ce_count"] = fmt.Sprint(d.ce)
		files[p+"dimm_ue_count"] = fmt.Sprint(d.ue)
		ce, ue = ce+d.ce, ue+d.ue
	}
	files["ce_count"], files["ue_count"] = fmt.Sprint(ce), fmt.Sprint(ue)
	for f, v := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, f), v+"\n")
	}
}

// TestMemoryEDACDimmLayoutFromKernelABI: EDAC DIMMs named by the slot
// (edac-ctl labels), by ghes_edac's "bank locator" form, or by the
// driver's own position label, on the 32em64t machine's real SMBIOS slots.
// Matched DIMMs are one component with both views; the controller sits
// under the NUMA node of the socket its name gives.
func TestMemoryEDACDimmLayoutFromKernelABI(t *testing.T) {
	root := fixture.Root(t, dimmCapture+".tar.bz2")
	writeEDACFromKernelABI(t, root, 0, "Sandy Bridge SrcID#0_Ha#0", []edacDIMM{
		{"DIMM_A1", 3, 0},
		{"Not Specified DIMM_A2", 0, 0}, // ghes_edac: "<bank> <locator>"
		{"CPU_SrcID#0_Ha#0_Chan#2_DIMM#0", 0, 0},
		{"DIMM_A4", 0, 2},
	})
	writeEDACFromKernelABI(t, root, 1, "Sandy Bridge SrcID#1_Ha#0", []edacDIMM{{"dimm_b1", 0, 0}})
	g := scan(t, root, "memory", "numa")

	a1, ok := g.Component("dimm:DIMM-A1")
	if !ok || a1.Parent != "mc:0" || a1.Serial != "48AAE639" || a1.Counters[topology.CounterCorrected] != 3 ||
		a1.Attrs["edac"] != "mc0/dimm0" || a1.Health.State != topology.StateOK {
		t.Errorf("DIMM_A1 (matched by locator): %+v", a1)
	}
	if a2, ok := g.Component("dimm:DIMM-A2"); !ok || a2.Parent != "mc:0" || a2.Attrs["edac"] != "mc0/dimm1" || a2.Serial != "486AE620" {
		t.Errorf("DIMM_A2 (matched by bank + locator): %+v", a2)
	}
	if a4, _ := g.Component("dimm:DIMM-A4"); a4 == nil || a4.Health.State != topology.StateFailed || a4.Serial != "36679587" {
		t.Errorf("DIMM_A4 with 2 uncorrected errors: %+v", a4)
	}
	if b1, _ := g.Component("dimm:DIMM-B1"); b1 == nil || b1.Parent != "mc:1" {
		t.Errorf("DIMM_B1 (label in another case): %+v", b1)
	}
	// The driver's position label names no slot: its own component.
	if u, ok := g.Component("dimm:CPU-SRCID-0-HA-0-CHAN-2-DIMM-0"); !ok || u.Parent != "mc:0" || u.Serial != "" {
		t.Errorf("unmatched EDAC DIMM: %+v", u)
	}
	// DIMM_A3 is in SMBIOS only: still a component, under the host.
	if a3, ok := g.Component("dimm:DIMM-A3"); !ok || a3.Parent != topology.HostID {
		t.Errorf("DIMM_A3: %+v", a3)
	}
	dimms := 0
	for _, c := range g.Components {
		if c.Kind == topology.KindDIMM {
			dimms++
		}
	}
	if dimms != 9 { // 8 modules + the unmatched EDAC DIMM
		t.Errorf("%d DIMM components, want 9", dimms)
	}
	for mc, node := range map[string]string{"mc:0": "numa:0", "mc:1": "numa:1"} {
		if c, _ := g.Component(mc); c == nil || c.Parent != node || c.Counters[topology.CounterUncorrected] != map[string]uint64{"mc:0": 2, "mc:1": 0}[mc] {
			t.Errorf("%s: %+v, want under %s", mc, c, node)
		}
	}
	if l, ok := g.Link("mc:0~dimm:DIMM-A1"); !ok || l.Kind != topology.LinkMemoryChannel || l.Counters[topology.CounterCorrected] != 3 {
		t.Errorf("memory channel to DIMM_A1: %+v", l)
	}
}

// TestMemoryDIMMVanishes: between two scans DIMM_A4 leaves both SMBIOS
// and EDAC and DIMM_A1's corrected errors grow: A4 is missing, A1 is
// degraded, the rest stay ok.
func TestMemoryDIMMVanishes(t *testing.T) {
	root := fixture.Root(t, dimmCapture+".tar.bz2")
	dimms := []edacDIMM{{"DIMM_A1", 3, 0}, {"DIMM_A2", 0, 0}, {"DIMM_A3", 0, 0}, {"DIMM_A4", 0, 0}}
	writeEDACFromKernelABI(t, root, 0, "Sandy Bridge SrcID#0_Ha#0", dimms)
	first := scan(t, root, "memory", "numa")

	if err := os.RemoveAll(filepath.Join(root, "sys", "firmware", "dmi", "entries", "17-3")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(root, "sys", "devices", "system", "edac", "mc"))
	writeEDACFromKernelABI(t, root, 0, "Sandy Bridge SrcID#0_Ha#0", []edacDIMM{{"DIMM_A1", 5, 0}, {"DIMM_A2", 0, 0}, {"DIMM_A3", 0, 0}})
	reg, _ := New(Options{}).Select([]string{"memory", "numa"})
	second := reg.Scan(t.Context(), Env{Root: root}, first)

	a4, ok := second.Component("dimm:DIMM-A4")
	if !ok || a4.Health.State != topology.StateMissing || a4.Serial != "36679587" {
		t.Fatalf("DIMM_A4 after it vanished: %+v", a4)
	}
	a1, _ := second.Component("dimm:DIMM-A1")
	if a1.Health.State != topology.StateDegraded || a1.Health.Reasons[0] != "2 new corrected memory errors" {
		t.Errorf("DIMM_A1 after 2 more corrected errors: %+v", a1.Health)
	}
	if a2, _ := second.Component("dimm:DIMM-A2"); a2.Health.State != topology.StateOK {
		t.Errorf("DIMM_A2: %+v", a2.Health)
	}
	// A threshold of 3 new errors a scan tolerates the 2.
	reg.Rules = topology.Rules{CorrectedErrors: 3}
	third := reg.Scan(t.Context(), Env{Root: root}, first)
	if a1, _ := third.Component("dimm:DIMM-A1"); a1.Health.State != topology.StateOK {
		t.Errorf("DIMM_A1 with threshold 3: %+v", a1.Health)
	}
}

// installTables writes a dmidecode dump as the two files the kernel
// exports in /sys/firmware/dmi/tables, cut to n bytes of table (-1: all).
func installTables(t *testing.T, root, dump string, entry []byte, n int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixture.Dir(t), "smbios", dump))
	if err != nil {
		t.Fatal(err)
	}
	if entry == nil {
		entry = b[:b[5]] // the entry point's own length byte
	}
	table := b[32:]
	if n >= 0 {
		table = table[:n]
	}
	dir := filepath.Join(root, "sys", "firmware", "dmi", "tables")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "smbios_entry_point"), string(entry))
	write(t, filepath.Join(dir, "DMI"), string(table))
}

// TestMemoryTablesAndEDAC: the ThinkPad's tables installed where the
// kernel puts them, beside node_exporter's EDAC tree (whose csrow labels
// name no slot): both views are there, side by side.
func TestMemoryTablesAndEDAC(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	installTables(t, root, "smbios_table.bin", nil, -1)
	g := scan(t, root, "memory")
	b0, ok := g.Component("dimm:CHANNELB-DIMM0")
	if !ok || b0.Serial != "035B8851" || b0.Model != "M471A4G43MB1-CTD" || b0.Vendor != "Samsung" ||
		b0.Attrs["size_bytes"] != uint64(32<<30) || b0.Attrs["configured_speed_mts"] != uint32(2400) {
		t.Errorf("ChannelB-DIMM0: %+v", b0)
	}
	if a0, _ := g.Component("dimm:CHANNELA-DIMM0"); a0 == nil || a0.Serial != "" {
		t.Errorf("ChannelA-DIMM0 (serial 00000000 is a placeholder): %+v", a0)
	}
	if mc, _ := g.Component("mc:0"); mc == nil || mc.Counters[topology.CounterUncorrected] != 5 {
		t.Errorf("mc:0 %+v", mc)
	}
	if g.Host.Attrs["memory_error_correction"] != "None" || g.Host.Attrs["memory_max_bytes"] != uint64(32<<30) {
		t.Errorf("host memory array attrs %v", g.Host.Attrs)
	}
}

// TestFaultSMBIOSGarbageTables: garbage in the tables fails the SMBIOS
// half with a clear problem; EDAC still answers, and without EDAC the
// collector errors while the other collectors are untouched.
func TestFaultSMBIOSGarbageTables(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dir := filepath.Join(root, "sys", "firmware", "dmi", "tables")
	os.MkdirAll(dir, 0o755)
	write(t, filepath.Join(dir, "smbios_entry_point"), "_SM3_garbage")
	write(t, filepath.Join(dir, "DMI"), "\x11\x02garbage")
	g := scan(t, root, "memory", "pcie")
	st := status(g, "memory")
	if len(st.Problems) == 0 || !strings.Contains(strings.Join(st.Problems, "\n"), "smbios") {
		t.Errorf("memory status %+v, want an smbios problem", st)
	}
	if _, ok := g.Component("mc:0"); !ok {
		t.Error("EDAC lost because SMBIOS is garbage")
	}

	root = fixture.Root(t, "hwloc/16amd64-8n2c.tar.bz2")
	installTables(t, root, "smbios_table.bin", []byte("garbage"), 7)
	reg, _ := New(Options{}).Select([]string{"memory", "numa"})
	g = reg.Scan(t.Context(), Env{Root: root}, nil)
	if st := status(g, "memory"); st.State != "error" || !strings.Contains(st.Error, "smbios") {
		t.Errorf("memory on garbage SMBIOS alone: %+v", st)
	}
	if st := status(g, "numa"); st.State != "ok" || len(g.Components) < 8 {
		t.Errorf("numa %+v, %d components: the other collectors must not suffer", st, len(g.Components))
	}
}

// TestFaultSMBIOSTruncatedTables: a table cut after the first memory
// device keeps that DIMM and reports the cut.
func TestFaultSMBIOSTruncatedTables(t *testing.T) {
	root := fixture.Root(t, "hwloc/16amd64-8n2c.tar.bz2")
	// The ThinkPad's table holds its two memory devices at 0x8b and
	// 0xf5; 0x100 bytes end inside the second.
	installTables(t, root, "smbios_table.bin", nil, 0x100)
	g := scan(t, root, "memory")
	st := status(g, "memory")
	if len(st.Problems) == 0 {
		t.Errorf("no problem reported for a truncated table: %+v", st)
	}
	if _, ok := g.Component("dimm:CHANNELA-DIMM0"); !ok {
		t.Errorf("the DIMM before the cut is lost; problems %v", st.Problems)
	}
	if _, ok := g.Component("dimm:CHANNELB-DIMM0"); ok {
		t.Error("the DIMM after the cut is there")
	}
}

// TestFaultSMBIOSReadEIO: the firmware table read fails with EIO (a
// firmware bug, a failing flash) beside node_exporter's EDAC tree: the
// SMBIOS half reports the error, the memory controllers still answer,
// and the smbios collector fails alone.
func TestFaultSMBIOSReadEIO(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	installTables(t, root, "smbios_table.bin", nil, -1)
	eio(t, filepath.Join(root, "sys", "firmware", "dmi", "tables", "DMI"))
	reg, _ := New(Options{}).Select([]string{"memory", "smbios", "pcie"})
	g := reg.Scan(t.Context(), Env{Root: root, Unconfined: true}, nil) // eio's link leads out of the tree
	st := status(g, "memory")
	if !strings.Contains(strings.Join(st.Problems, "\n")+st.Error, "input/output error") {
		t.Errorf("memory status %+v, want the EIO named", st)
	}
	if _, ok := g.Component("mc:0"); !ok {
		t.Error("EDAC lost because the SMBIOS read failed")
	}
	if st := status(g, "smbios"); st.Success() || !strings.Contains(st.Error, "input/output error") {
		t.Errorf("smbios status %+v, want an error naming the EIO", st)
	}
	if st := status(g, "pcie"); st.State != "ok" {
		t.Errorf("pcie %+v: the other collectors must not suffer", st)
	}
}
