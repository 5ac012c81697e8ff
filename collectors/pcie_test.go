package collectors

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/hwlocxml"
	"github.com/hwgraph/hwgraph/pcie"
	"github.com/hwgraph/hwgraph/topology"
)

// scan runs the named collectors over root and returns the graph.
func scan(t testing.TB, root string, names ...string) *topology.Graph {
	t.Helper()
	return scanEnv(t, Env{Root: root}, names...)
}

// scanEnv is scan with an Env of the caller's.
func scanEnv(t testing.TB, env Env, names ...string) *topology.Graph {
	t.Helper()
	reg, err := New(Options{}).Select(names)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g := reg.Scan(ctx, env, nil)
	for _, st := range g.Collectors {
		if !st.Success() {
			t.Fatalf("collector %s: %s %s", st.Name, st.State, st.Error)
		}
	}
	return g
}

// pciEntries lists <root>/sys/bus/pci/devices.
func pciEntries(t testing.TB, root string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(root, "sys", "bus", "pci", "devices"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, "pci:"+e.Name())
	}
	return out
}

// pciComponents are the graph's listed PCI functions: the bridges added
// from device paths are left out.
func pciComponents(g *topology.Graph) []string {
	var out []string
	for _, c := range g.Components {
		if strings.HasPrefix(c.ID, "pci:") && c.Attrs["unlisted"] != true {
			out = append(out, c.ID)
		}
	}
	sort.Strings(out)
	return out
}

func attrInt(t testing.TB, c *topology.Component, k string) int {
	t.Helper()
	v, ok := topology.Number(c.Attrs, k)
	if !ok {
		t.Fatalf("%s: no numeric attr %s (attrs %v)", c.ID, k, c.Attrs)
	}
	return int(v)
}

// hostBridgeBus turns hwloc's host bridge bridge_pci "0000:[40-46]" into
// our root bus ID "pcibus:0000:40".
func hostBridgeBus(t *testing.T, bridgePCI string) string {
	dom, rest, ok := strings.Cut(bridgePCI, ":[")
	if !ok {
		t.Fatalf("odd bridge_pci %q", bridgePCI)
	}
	return "pcibus:" + dom + ":" + rest[:2]
}

// TestPCIeMatchesHwloc holds the PCIe graph of each real capture against
// what hwloc 2.9 (lstopo --whole-io) made of the same tree: every function
// present, under the same bridge or root bus, on the same NUMA node, with
// the same link bandwidth.
func TestPCIeMatchesHwloc(t *testing.T) {
	for _, tc := range []struct {
		capture  string
		compared int // functions hwloc lists
		// numaFromKernel are functions whose own numa_node file names a
		// node while hwloc, which places a whole host bridge by the
		// local_cpus of its first function, puts them on the machine.
		// We follow the kernel: it is the node the driver allocates on.
		numaFromKernel map[string]int
	}{
		// hwloc drops bridge 0000:00:11.0, an empty root port, of 137.
		{"32em64t-2n8c+dax+nvme+mic+dimms", 136, nil},
		{"40intel64-2g2n4c+pcilocality", 37, map[string]int{"pci:0000:43:00.0": 2}},
		// hwloc skips the two functions in 32-bit domain 10000.
		{"2pa-pcidomain32bits", 7, nil},
		{"nvidiagpunumanodes", 6, nil},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			root := fixture.Root(t, "hwloc/"+tc.capture+".tar.bz2")
			g := scan(t, root, "pcie", "numa")
			if got, want := pciComponents(g), pciEntries(t, root); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("pci components differ from bus/pci/devices:\n got %v\nwant %v", got, want)
			}
			ref, err := hwlocxml.Read(fixture.Path(t, "hwloc/"+tc.capture+".lstopo-whole-io.xml"))
			if err != nil {
				t.Fatal(err)
			}
			nodes := 0
			ref.Walk(func(o *hwlocxml.Object) {
				if o.Type == "NUMANode" {
					nodes++
				}
			})
			compared := 0
			ref.Walk(func(o *hwlocxml.Object) {
				if o.PCIBusID == "" {
					return
				}
				compared++
				c, ok := g.Component("pci:" + o.PCIBusID)
				if !ok {
					t.Errorf("hwloc has %s, we do not", o.PCIBusID)
					return
				}
				wantParent := "pci:" + o.Parent.PCIBusID
				if o.Parent.PCIBusID == "" {
					wantParent = hostBridgeBus(t, o.Parent.BridgePCI)
				}
				if c.Parent != wantParent {
					t.Errorf("%s: parent %s, hwloc says %s", c.ID, c.Parent, wantParent)
				}
				loc, err := o.Locality()
				if err != nil {
					t.Fatal(err)
				}
				want := -1
				if len(loc) == 1 {
					want = loc[0]
				}
				if n, ok := tc.numaFromKernel[c.ID]; ok {
					want = n
				}
				if got := attrInt(t, c, "numa_node"); got != want {
					t.Errorf("%s: numa_node %d, hwloc places it on nodes %v", c.ID, got, loc)
				}
				s, oks := topology.Number(c.Attrs, "link_speed_gts")
				w, okw := topology.Number(c.Attrs, "link_width")
				got := 0.0
				if oks && okw {
					got = pcie.Bandwidth(s, int(w))
				}
				if math.Abs(got-o.PCILinkSpeed) > 1e-5 {
					t.Errorf("%s: link %v GT/s x%v = %.6f GB/s, hwloc says %.6f", c.ID, s, w, got, o.PCILinkSpeed)
				}
				if n := o.Info("PCIDevice"); n != "" && namesLoaded(t) && c.Model != n {
					t.Errorf("%s: model %q, hwloc (pci.ids) says %q", c.ID, c.Model, n)
				}
			})
			if compared != tc.compared {
				t.Errorf("compared %d functions with hwloc, want %d", compared, tc.compared)
			}
		})
	}
}

// TestPCIe32BitDomains checks the functions hwloc cannot show: domain
// 10000 of the PA-RISC capture hangs from its own root bus.
func TestPCIe32BitDomains(t *testing.T) {
	g := scan(t, fixture.Root(t, "hwloc/2pa-pcidomain32bits.tar.bz2"), "pcie")
	for _, id := range []string{"pci:10000:00:00.0", "pci:10000:00:04.0"} {
		c, ok := g.Component(id)
		if !ok {
			t.Fatalf("%s missing", id)
		}
		if c.Parent != "pcibus:10000:00" {
			t.Errorf("%s: parent %s, want pcibus:10000:00", id, c.Parent)
		}
	}
	if c, _ := g.Component("pci:10000:00:04.0"); c.Attrs["driver"] != "virtio-pci" {
		t.Errorf("driver %v, want virtio-pci", c.Attrs["driver"])
	}
	if _, ok := g.Component("pcibus:10000:00"); !ok {
		t.Error("root bus pcibus:10000:00 missing")
	}
}

// TestPCIeAttributesFromFiles checks link training, AER, IOMMU and driver
// attributes against the files of node_exporter's and procfs' captures.
func TestPCIeAttributesFromFiles(t *testing.T) {
	type want struct {
		id            string
		parent        string
		speed, maxSpd float64
		width, maxW   int
		driver        string
		iommu         int // -1: none
		numa          int
		aerCorrFields int
		linkFrom      string
		linkMaxSpeed  float64 // of the link: the lower of both ends
		linkState     topology.State
	}
	for _, tc := range []struct {
		fixture string
		want    []want
	}{
		{"node_exporter/sys.tar.gz", []want{
			{"pci:0000:01:00.0", "pci:0000:00:02.1", 8, 16, 4, 4, "nvme", 11, -1, 9, "pci:0000:00:02.1", 8, topology.StateOK},
			{"pci:0000:00:02.1", "pcibus:0000:00", 8, 8, 4, 8, "pcieport", 2, -1, 0, "pcibus:0000:00", 0, topology.StateOK},
			// Its bridge 0000:40:01.3 is on the path but not in the
			// listing: it is added from the path, and the function
			// hangs under it (TestPCIeUnlistedBridge).
			{"pci:0000:45:00.0", "pci:0000:40:01.3", 5, 5, 4, 4, "igb", 25, 0, 9, "pci:0000:40:01.3", 5, topology.StateOK},
		}},
		{"procfs/fixtures.tar.gz", []want{
			{"pci:0000:01:00.0", "pci:0000:00:02.1", 8, 8, 4, 4, "nvme", 11, -1, 9, "pci:0000:00:02.1", 8, topology.StateOK},
			{"pci:0000:a2:00.0", "pcibus:0000:a2", 16, 16, 8, 8, "ice", -1, 1, 9, "pcibus:0000:a2", 0, topology.StateOK},
		}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			root := fixture.Root(t, tc.fixture)
			g := scan(t, root, "pcie", "numa")
			if got, want := pciComponents(g), pciEntries(t, root); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("pci components %v, bus/pci/devices %v", got, want)
			}
			for _, w := range tc.want {
				c, ok := g.Component(w.id)
				if !ok {
					t.Fatalf("%s missing", w.id)
				}
				if c.Parent != w.parent {
					t.Errorf("%s parent %s, want %s", w.id, c.Parent, w.parent)
				}
				if s, _ := topology.Number(c.Attrs, "link_speed_gts"); s != w.speed {
					t.Errorf("%s link_speed_gts %v, want %v", w.id, s, w.speed)
				}
				if s, _ := topology.Number(c.Attrs, "max_link_speed_gts"); s != w.maxSpd {
					t.Errorf("%s max_link_speed_gts %v, want %v", w.id, s, w.maxSpd)
				}
				if attrInt(t, c, "link_width") != w.width || attrInt(t, c, "max_link_width") != w.maxW {
					t.Errorf("%s width %v/%v, want %d/%d", w.id, c.Attrs["link_width"], c.Attrs["max_link_width"], w.width, w.maxW)
				}
				if c.Attrs["driver"] != w.driver {
					t.Errorf("%s driver %v, want %s", w.id, c.Attrs["driver"], w.driver)
				}
				if g, ok := topology.Number(c.Attrs, "iommu_group"); (w.iommu < 0 && ok) || (w.iommu >= 0 && int(g) != w.iommu) {
					t.Errorf("%s iommu_group %v, want %d", w.id, c.Attrs["iommu_group"], w.iommu)
				}
				if n := attrInt(t, c, "numa_node"); n != w.numa {
					t.Errorf("%s numa_node %d, want %d", w.id, n, w.numa)
				}
				fields := 0
				for k, v := range c.Counters {
					if strings.HasPrefix(k, "aer_correctable.") {
						fields++
						if v != 0 {
							t.Errorf("%s %s = %d, the file says 0", w.id, k, v)
						}
					}
				}
				if fields != w.aerCorrFields {
					t.Errorf("%s: %d aer_correctable fields, want %d", w.id, fields, w.aerCorrFields)
				}
				l, ok := g.Link(topology.LinkID(w.linkFrom, w.id, 0))
				if !ok {
					t.Fatalf("link %s -> %s missing", w.linkFrom, w.id)
				}
				if m, ok := topology.Number(l.Attrs, topology.AttrMaxSpeedGTs); w.linkMaxSpeed != 0 && m != w.linkMaxSpeed || w.linkMaxSpeed == 0 && ok {
					t.Errorf("link to %s max_speed_gts %v, want %v", w.id, l.Attrs[topology.AttrMaxSpeedGTs], w.linkMaxSpeed)
				}
				if l.Health.State != w.linkState {
					t.Errorf("link to %s is %s %v, want %s", w.id, l.Health.State, l.Health.Reasons, w.linkState)
				}
			}
		})
	}
}

// TestPCIeThisMachine runs the collector on the machine the tests run on:
// every function in /sys/bus/pci/devices is a component, or the collector
// says the bus is absent.
func TestPCIeThisMachine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f, err := (&PCIe{Names: pcie.DefaultNames}).Collect(ctx, Env{Root: "/"})
	ents, rerr := os.ReadDir("/sys/bus/pci/devices")
	if rerr != nil || len(ents) == 0 {
		if err != ErrAbsent && err != nil {
			t.Fatalf("no PCI bus here, want ErrAbsent, got %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	g := topology.Build(f)
	if got, want := pciComponents(g), pciEntries(t, "/"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("pci components %v, /sys/bus/pci/devices %v", got, want)
	}
}

// namesLoaded reports whether pci.ids is installed. CI installs it (and
// must: the names are part of what we compare); a developer machine
// without it still runs every other assertion.
func namesLoaded(t *testing.T) bool {
	err := pcie.DefaultNames.Err()
	if err != nil && os.Getenv("CI") != "" {
		t.Fatalf("CI without pci.ids: %v", err)
	}
	return err == nil
}

// TestPCIeSlotsAndSRIOV checks physical slot names (bus/pci/slots) and
// SR-IOV capacity against the capture files.
func TestPCIeSlotsAndSRIOV(t *testing.T) {
	g := scan(t, fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2"), "pcie")
	for id, slot := range map[string]string{"pci:0000:82:00.0": "01", "pci:0000:83:00.0": "02"} {
		c, _ := g.Component(id)
		if c == nil || c.Attrs["slot"] != slot || c.Attrs["slot_hotplug"] != false {
			t.Errorf("%s slot %v, want %s without hotplug", id, c.Attrs, slot)
		}
	}
	g = scan(t, fixture.Root(t, "hwloc/2pa-pcidomain32bits.tar.bz2"), "pcie")
	// slots/3 holds 0000:00:03, the virtio NIC.
	if c, _ := g.Component("pci:0000:00:03.0"); c.Attrs["slot"] != "3" {
		t.Errorf("0000:00:03.0 slot %v, want 3", c.Attrs["slot"])
	}
	g = scan(t, fixture.Root(t, "procfs/fixtures.tar.gz"), "pcie")
	c, _ := g.Component("pci:0000:a2:00.0")
	if attrInt(t, c, "sriov_totalvfs") != 128 || attrInt(t, c, "sriov_numvfs") != 0 {
		t.Errorf("sriov %v/%v, want 128/0", c.Attrs["sriov_totalvfs"], c.Attrs["sriov_numvfs"])
	}
	if c.Kind != topology.KindNIC {
		t.Errorf("E810 kind %s, want nic", c.Kind)
	}
	if c, _ := g.Component("pci:0000:01:00.0"); c.Kind != topology.KindNVMe {
		t.Errorf("NVMe kind %s", c.Kind)
	}
}

// TestPCIeUnlistedBridge: in node_exporter's capture 0000:45:00.0 sits
// behind bridge 0000:40:01.3 on its device path, and the bus listing
// lacks the bridge. The bridge is added from the path, health unknown
// with the reason, on its root bus; the function hangs under it.
func TestPCIeUnlistedBridge(t *testing.T) {
	g := scan(t, fixture.Root(t, "node_exporter/sys.tar.gz"), "pcie", "numa")
	b, ok := g.Component("pci:0000:40:01.3")
	if !ok {
		t.Fatal("the unlisted bridge is not in the graph")
	}
	if b.Kind != topology.KindPCIBridge || b.Parent != "pcibus:0000:40" || b.Health.State != topology.StateUnknown ||
		!strings.Contains(strings.Join(b.Health.Reasons, " "), "not listed by the kernel") || b.Attrs["unlisted"] != true {
		t.Errorf("unlisted bridge %+v", b)
	}
	if l, ok := g.Link(topology.LinkID("pci:0000:40:01.3", "pci:0000:45:00.0", 0)); !ok || l.Attrs[topology.AttrSpeedGTs] != 5.0 {
		t.Errorf("link to the function under it: %+v", l)
	}
}

// TestPCIeParentIsNearestBridge: on every capture, a function whose
// device path is known hangs under the nearest bridge on that path,
// listed or not, or its root bus when there is none: no bridge is
// skipped.
func TestPCIeParentIsNearestBridge(t *testing.T) {
	checked := 0
	for _, c := range fixture.Captures(t) {
		t.Run(c, func(t *testing.T) {
			root := fixture.Root(t, c)
			if _, err := os.Stat(filepath.Join(root, "sys/bus/pci/devices")); err != nil {
				return // a capture without PCI
			}
			g := scan(t, root, "pcie")
			for _, name := range pciEntries(t, root) {
				name = strings.TrimPrefix(name, "pci:")
				target, err := os.Readlink(filepath.Join(root, "sys/bus/pci/devices", name))
				if err != nil {
					continue // a plain folder: no path to place it by
				}
				elems := strings.Split(strings.TrimRight(target, "/"), "/")
				want := ""
				for i := len(elems) - 2; i >= 0 && want == ""; i-- {
					if _, err := pcie.ParseAddress(elems[i]); err == nil {
						want = "pci:" + elems[i]
					} else if strings.HasPrefix(elems[i], "pci") {
						want = "pcibus:" + strings.TrimPrefix(elems[i], "pci")
					}
				}
				comp, ok := g.Component("pci:" + name)
				if !ok || want == "" {
					t.Errorf("%s: component %v, expected parent %q from %s", name, ok, want, target)
					continue
				}
				if comp.Parent != want {
					t.Errorf("%s: parent %s, nearest on its path %s (%s)", name, comp.Parent, want, target)
				}
				if _, ok := g.Component(want); !ok {
					t.Errorf("%s: parent %s is not in the graph", name, want)
				}
				checked++
			}
		})
	}
	if checked < 350 {
		t.Errorf("%d functions checked", checked)
	}
}
