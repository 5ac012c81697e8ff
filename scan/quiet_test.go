package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// knownFaults are the parts of captures that hold a fault, each with what
// the file shows: node_exporter's and procfs's collector fixtures are
// trees of real machines with faults written in to test the readers, and
// those are judged as what they are. Every other part must be quiet.
var knownFaults = map[string]string{
	"node_exporter/sys.tar.gz host":                              "hwmon nct6779 in1_alarm and intrusion0/1_alarm are 1",
	"node_exporter/sys.tar.gz dimm:MC0CSROW0CHANNEL0":            "EDAC mc0 csrow0 ue_count 2",
	"node_exporter/sys.tar.gz dimm:MC0CSROW0CHANNEL1":            "EDAC mc0 csrow0 ue_count 2",
	"node_exporter/sys.tar.gz dimm:MC0CSROW1CHANNEL0":            "EDAC mc0 csrow1 ue_count 2",
	"node_exporter/sys.tar.gz dimm:MC0CSROW1CHANNEL1":            "EDAC mc0 csrow1 ue_count 2",
	"node_exporter/sys.tar.gz nvme-subsys:nvme-subsys0":          "one of its four controllers' paths is in state dead",
	"procfs/fixtures.tar.gz nvme-subsys:nvme-subsys0":            "one of its three controllers' paths is in state dead",
	"procfs/fixtures.tar.gz nvme:nvme2~nvme-subsys:nvme-subsys0": "the path through nvme2: its state is dead",
}

// TestHealthyCapturesRaiseNoAlarm runs the whole engine — every
// collector, judged against a state folder, recorded, scanned a second
// time and judged against the first — on every real capture in testdata,
// and fails on any component or link that is not ok or unknown (absent
// hardware is no part at all): a new health rule cannot page on a
// healthy machine without failing here first.
func TestHealthyCapturesRaiseNoAlarm(t *testing.T) {
	for _, c := range fixture.Captures(t) {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			st, err := history.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			e := &Engine{Source: &Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, c)}}, Store: st}
			e.Scan(context.Background())
			g := e.Scan(context.Background())
			quiet := func(id string, h topology.Health) {
				if h.State == topology.StateOK || h.State == topology.StateUnknown || h.State == "" {
					return
				}
				if why, ok := knownFaults[c+" "+id]; ok {
					t.Logf("%s %s: %s, known: %s", id, h.State, strings.Join(h.Reasons, "; "), why)
					return
				}
				t.Errorf("%s is %s on a healthy machine: %s", id, h.State, strings.Join(h.Reasons, "; "))
			}
			for key := range knownFaults { // a known fault that is no longer seen is a rule gone quiet
				if id, ok := strings.CutPrefix(key, c+" "); ok && !alarmed(g, id) {
					t.Errorf("%s is no longer judged: %s", id, knownFaults[key])
				}
			}
			quiet(g.Host.ID, g.Host.Health)
			for _, comp := range g.Components {
				quiet(comp.ID, comp.Health)
			}
			for _, l := range g.Links {
				quiet(l.ID, l.Health)
			}
			for _, ev := range g.Events {
				if ev.Severity != "info" {
					t.Errorf("the second scan of an unchanged machine reports %+v", ev)
				}
			}
		})
	}
}

// alarmed reports whether the component or link id of g is neither ok
// nor unknown.
func alarmed(g *topology.Graph, id string) bool {
	bad := func(h topology.Health) bool {
		return h.State != topology.StateOK && h.State != topology.StateUnknown && h.State != ""
	}
	for _, c := range append([]*topology.Component{g.Host}, g.Components...) {
		if c.ID == id {
			return bad(c.Health)
		}
	}
	for _, l := range g.Links {
		if l.ID == id {
			return bad(l.Health)
		}
	}
	return false
}
