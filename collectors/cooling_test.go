package collectors

import (
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestCoolingMatchesNodeExporter: node_exporter's tree has one cooling
// device; its state and highest state are node_exporter's own
// node_cooling_device_cur_state and _max_state for it, and at state 0 of
// 3 it is healthy.
func TestCoolingMatchesNodeExporter(t *testing.T) {
	g := scan(t, fixture.Root(t, "node_exporter/sys.tar.gz"), "cooling")
	mfs := fixture.NodeExporterMetrics(t)
	checked := 0
	for _, m := range mfs["node_cooling_device_cur_state"].GetMetric() {
		c, ok := g.Component(coolingID(0))
		if fixture.Label(m, "name") != "0" || !ok {
			t.Fatalf("node_exporter's device %s, ours %v", fixture.Label(m, "name"), ok)
		}
		if v, ok := topology.Number(c.Attrs, "cur_state"); c.Kind != kindCoolingDevice || c.Name != fixture.Label(m, "type") ||
			c.Parent != topology.HostID || !ok || v != m.GetGauge().GetValue() || c.Health.State != topology.StateOK {
			t.Errorf("%+v; node_exporter: type %s, state %v", c, fixture.Label(m, "type"), m.GetGauge().GetValue())
		}
		highest := mfs["node_cooling_device_max_state"].GetMetric()[0].GetGauge().GetValue()
		if v, ok := topology.Number(c.Attrs, "max_state"); !ok || v != highest || highest != 3 {
			t.Errorf("max state %v, node_exporter %v", c.Attrs["max_state"], highest)
		}
		checked++
	}
	if checked != 1 {
		t.Errorf("%d devices checked, want 1", checked)
	}
}

// TestCoolingOfProcfsTree: procfs's tree lacks its fan's cur_state: that
// device alone is unknown; intel_powerclamp, not injecting, has no state
// and is healthy.
func TestCoolingOfProcfsTree(t *testing.T) {
	g := scan(t, fixture.Root(t, "procfs/fixtures.tar.gz"), "cooling")
	for _, want := range []struct {
		id, name string
		state    topology.State
		cur, max any
		off      bool
	}{
		{coolingID(0), "Processor", topology.StateOK, int64(0), int64(50), false},
		{coolingID(1), "TFN1", topology.StateUnknown, nil, int64(50), false},
		{coolingID(2), "intel_powerclamp", topology.StateOK, nil, int64(27), true},
	} {
		c, ok := g.Component(want.id)
		if !ok {
			t.Errorf("%s missing", want.id)
			continue
		}
		if c.Name != want.name || c.Health.State != want.state || c.Attrs["cur_state"] != want.cur || c.Attrs["max_state"] != want.max ||
			(c.Attrs["idle_injection"] == "off") != want.off {
			t.Errorf("%s: %+v", want.id, c)
		}
	}
	if st := status(g, "cooling"); st.State != "ok" || len(st.Problems) != 1 {
		t.Errorf("cooling %+v, want ok with the fan's problem", st)
	}
}

// TestCoolingAbsent: hwloc's captures keep no thermal class.
func TestCoolingAbsent(t *testing.T) {
	if st := status(scan(t, fixture.Root(t, "hwloc/16amd64-8n2c.tar.bz2"), "cooling"), "cooling"); st.State != "absent" {
		t.Errorf("cooling %+v, want absent", st)
	}
}
