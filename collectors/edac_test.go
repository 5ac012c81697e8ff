package collectors

import (
	"testing"

	"github.com/hwgraph/hwgraph/internal/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestEDACCollector: node_exporter's capture has mc0 with CE 1, UE 5 and
// csrow channels with uncorrected errors: those DIMMs are failed, the
// memory-channel links carry the counts.
func TestEDACCollector(t *testing.T) {
	g := scan(t, fixture.Root(t, "node_exporter/sys.tar.gz"), "edac")
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

// TestEDACAbsent: the hwloc captures have no EDAC tree.
func TestEDACAbsent(t *testing.T) {
	reg, _ := Default.Select([]string{"edac"})
	g := reg.Scan(t.Context(), Env{Root: fixture.Root(t, "hwloc/16amd64-8n2c.tar.bz2")}, nil)
	if st := status(g, "edac"); st.State != "absent" {
		t.Errorf("edac %+v, want absent", st)
	}
}

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
	}
}
