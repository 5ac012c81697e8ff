package collectors

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/hwlocxml"
	"github.com/hwgraph/hwgraph/numa"
	"github.com/hwgraph/hwgraph/topology"
)

var hwlocCaptures = []string{
	"16amd64-8n2c",
	"16em64t-4s2c2t-offlines",
	"20em64t-hybrid-1p6c2t+2ca4co1t",
	"256ia64-64n2s2c",
	"2pa-pcidomain32bits",
	"32em64t-2n8c+dax+nvme+mic+dimms",
	"40intel64-2g2n4c+pcilocality",
	"64amd64-4s2n4ca2co",
	"nvidiagpunumanodes",
}

// distance returns the distance from a to b as our links record it.
func distance(g *topology.Graph, a, b string) (int, bool) {
	if l, ok := g.Link(topology.LinkID(a, b, 0)); ok {
		v, ok := topology.Number(l.Attrs, topology.AttrDistance)
		return int(v), ok
	}
	if l, ok := g.Link(topology.LinkID(b, a, 0)); ok {
		if v, ok := topology.Number(l.Attrs, "distance_reverse"); ok {
			return int(v), true
		}
		v, ok := topology.Number(l.Attrs, topology.AttrDistance)
		return int(v), ok
	}
	return 0, false
}

// TestNUMAMatchesHwloc holds NUMA nodes, their memory, the distance matrix
// and the CPU packages of every capture against hwloc's view of it.
func TestNUMAMatchesHwloc(t *testing.T) {
	for _, capture := range hwlocCaptures {
		t.Run(capture, func(t *testing.T) {
			g := scan(t, fixture.Root(t, "hwloc/"+capture+".tar.bz2"), "numa")
			ref, err := hwlocxml.Read(fixture.Path(t, "hwloc/"+capture+".lstopo-whole-io.xml"))
			if err != nil {
				t.Fatal(err)
			}
			var hwNodes, hwPkgs []int
			ref.Walk(func(o *hwlocxml.Object) {
				switch o.Type {
				case "NUMANode":
					hwNodes = append(hwNodes, *o.OSIndex)
					c, ok := g.Component(fmt.Sprintf("numa:%d", *o.OSIndex))
					if !ok {
						t.Errorf("numa:%d missing", *o.OSIndex)
						return
					}
					if m, _ := topology.Number(c.Attrs, "memory_bytes"); uint64(m) != o.LocalMemory {
						t.Errorf("%s memory_bytes %v, hwloc %d", c.ID, m, o.LocalMemory)
					}
				case "Package":
					hwPkgs = append(hwPkgs, *o.OSIndex)
					c, ok := g.Component(fmt.Sprintf("package:%d", *o.OSIndex))
					if !ok {
						t.Errorf("package:%d missing", *o.OSIndex)
						return
					}
					cpus, err := hwlocxml.ParseSet(o.Cpuset)
					if err != nil {
						t.Fatal(err)
					}
					if got, want := c.Attrs["cpus"], numa.CPUSet(cpus).String(); got != want {
						t.Errorf("%s cpus %v, hwloc %s", c.ID, got, want)
					}
				}
			})
			var ours, ourPkgs []int
			for _, c := range g.Components {
				switch c.Kind {
				case topology.KindNUMANode:
					ours = append(ours, attrInt(t, c, "numa_node"))
				case topology.KindCPUPackage:
					n, _ := strconv.Atoi(strings.TrimPrefix(c.ID, "package:"))
					ourPkgs = append(ourPkgs, n)
				}
			}
			sort.Ints(hwPkgs)
			if fmt.Sprint(ourPkgs) != fmt.Sprint(hwPkgs) {
				t.Errorf("packages %v, hwloc %v", ourPkgs, hwPkgs)
			}
			// hwloc hides the GPU-memory nodes of the POWER9 capture;
			// everywhere else the node sets are equal.
			if capture != "nvidiagpunumanodes" && fmt.Sprint(ours) != fmt.Sprint(hwNodes) {
				t.Errorf("numa nodes %v, hwloc %v", ours, hwNodes)
			}
			sameDistances(t, g, ref)
		})
	}
}

// TestNUMACPULessNodes: the POWER9 capture's six V100 memory nodes are real
// nodes with memory and no CPUs, and the distance columns follow numeric
// node order (0, 8, 250…255), not directory order.
func TestNUMACPULessNodes(t *testing.T) {
	g := scan(t, fixture.Root(t, "hwloc/nvidiagpunumanodes.tar.bz2"), "numa")
	for n := 250; n <= 255; n++ {
		c, ok := g.Component(fmt.Sprintf("numa:%d", n))
		if !ok {
			t.Fatalf("numa:%d missing", n)
		}
		if m, _ := topology.Number(c.Attrs, "memory_bytes"); m != 15728640*1024 {
			t.Errorf("%s memory %v, meminfo says 15728640 kB", c.ID, m)
		}
		if c.Attrs["cpuless"] != true || c.Attrs["cpus"] != "" || c.Health.State != topology.StateOK {
			t.Errorf("%s: cpuless %v cpus %q health %v", c.ID, c.Attrs["cpuless"], c.Attrs["cpus"], c.Health)
		}
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{{"numa:0", "numa:8", 40}, {"numa:8", "numa:250", 80}, {"numa:250", "numa:251", 80}, {"numa:0", "numa:255", 80}} {
		if d, _ := distance(g, tc.a, tc.b); d != tc.want {
			t.Errorf("distance %s→%s = %d, want %d", tc.a, tc.b, d, tc.want)
		}
	}
	if c, _ := g.Component("numa:8"); c.Attrs["cpus"] != "88-175" {
		t.Errorf("numa:8 cpus %v, want 88-175", c.Attrs["cpus"])
	}
}

// TestNUMABuggyFirmware: the BIOS of this capture reports eight nodes that
// all hold CPUs 0-7 at distance 10 from each other. The graph still comes
// out, with those nodes and links marked, and packages under the host.
func TestNUMABuggyFirmware(t *testing.T) {
	g := scan(t, fixture.Root(t, "hwloc/8em64t-2s2ca2c-buggynuma.tar.bz2"), "numa")
	for n := 0; n < 8; n++ {
		c, ok := g.Component(fmt.Sprintf("numa:%d", n))
		if !ok {
			t.Fatalf("numa:%d missing", n)
		}
		if c.Health.State != topology.StateUnknown {
			t.Errorf("%s health %v, want unknown (CPUs claimed by every node)", c.ID, c.Health)
		}
	}
	l, ok := g.Link("numa:0~numa:1")
	if !ok {
		t.Fatal("numa:0~numa:1 missing")
	}
	if l.Health.State != topology.StateUnknown {
		t.Errorf("link health %v, want unknown (distance 10 between distinct nodes)", l.Health)
	}
	for _, id := range []string{"package:0", "package:1"} {
		c, ok := g.Component(id)
		if !ok {
			t.Fatalf("%s missing", id)
		}
		if c.Parent != topology.HostID {
			t.Errorf("%s parent %s, want host: its CPUs are in every node", id, c.Parent)
		}
	}
}

// TestThermalThrottles: the throttle counts on each CPU package equal
// what node_exporter prints for its capture (node_cpu_package_throttles
// and the package's node_cpu_core_throttles summed); on the Dell R910,
// one core of package 1 was throttled 237 times.
func TestThermalThrottles(t *testing.T) {
	g := scan(t, fixture.Root(t, "node_exporter/sys.tar.gz"), "numa")
	want := map[string]map[string]uint64{}
	add := func(pkg, k string, v float64) {
		id := "package:" + pkg
		if want[id] == nil {
			want[id] = map[string]uint64{}
		}
		want[id][k] += uint64(v)
	}
	mfs := fixture.NodeExporterMetrics(t)
	for _, m := range mfs["node_cpu_package_throttles_total"].GetMetric() {
		add(fixture.Label(m, "package"), topology.CounterThrottlePackage, m.GetCounter().GetValue())
	}
	for _, m := range mfs["node_cpu_core_throttles_total"].GetMetric() {
		add(fixture.Label(m, "package"), topology.CounterThrottleCore, m.GetCounter().GetValue())
	}
	if len(want) != 2 {
		t.Fatalf("node_exporter's output has %d packages' throttles", len(want))
	}
	for id, counters := range want {
		c, ok := g.Component(id)
		if !ok {
			t.Fatalf("%s missing", id)
		}
		for k, v := range counters {
			if c.Counters[k] != v {
				t.Errorf("%s %s = %d, node_exporter says %d", id, k, c.Counters[k], v)
			}
		}
	}

	r910 := scan(t, fixture.Root(t, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2"), "numa")
	for id, v := range map[string]uint64{"package:0": 0, "package:1": 237, "package:2": 0, "package:3": 0} {
		if c, _ := r910.Component(id); c == nil || c.Counters[topology.CounterThrottleCore] != v {
			t.Errorf("%s core throttles %v, want %d", id, c, v)
		}
	}
}

// sameDistances holds every distance of hwloc's NUMALatency matrix, both
// directions, against ours; it returns how many pairs it compared.
func sameDistances(t *testing.T, g *topology.Graph, ref *hwlocxml.Topology) int {
	t.Helper()
	n := 0
	for _, d := range ref.Distances {
		if d.Name != "NUMALatency" {
			continue
		}
		idx := strings.Fields(strings.Join(d.Indexes, " "))
		vals := strings.Fields(strings.Join(d.Values, " "))
		if len(vals) != len(idx)*len(idx) {
			t.Fatalf("odd hwloc matrix %d×%d", len(idx), len(vals))
		}
		for i, a := range idx {
			for j, b := range idx {
				if i == j {
					continue
				}
				n++
				got, ok := distance(g, "numa:"+a, "numa:"+b)
				if !ok || strconv.Itoa(got) != vals[i*len(idx)+j] {
					t.Errorf("distance %s→%s = %d (%v), hwloc %s", a, b, got, ok, vals[i*len(idx)+j])
				}
			}
		}
	}
	return n
}

// TestNUMAAsymmetricDistances: hwloc's fakeheterocpunuma tree (a made-up
// machine hwloc tests its core with: its SLIT is not symmetric, node3→2
// is 50 and node2→3 40) keeps both directions on one link, equal to
// hwloc's own reading of the tree (its test's target XML) both ways, and
// the tree's matrix stars the distances that differ from their reverse.
func TestNUMAAsymmetricDistances(t *testing.T) {
	root := fixture.Root(t, "hwloc/fake/fakeheterocpunuma.tar.bz2")
	g := scan(t, root, "numa")
	ref, err := hwlocxml.Read(fixture.Path(t, "hwloc/fake/fakeheterocpunuma.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := sameDistances(t, g, ref); n != 30 {
		t.Errorf("%d distances compared, want the 30 of 6 nodes", n)
	}
	l, ok := g.Link(topology.LinkID("numa:2", "numa:3", 0))
	if !ok || l.Attrs[topology.AttrDistance] != 40 || l.Attrs["distance_reverse"] != 50 {
		t.Errorf("numa:2~numa:3 %+v, want distance 40 and distance_reverse 50", l)
	}
	var b strings.Builder
	if err := topology.WriteTree(&b, g); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"       2    30    30     -   40*   40*    50\n", "       3    40    40   50*     -    20    30\n", "* not the same both ways"} {
		if !strings.Contains(b.String(), row) {
			t.Errorf("the tree's matrix lacks %q:\n%s", row, b.String())
		}
	}
}
