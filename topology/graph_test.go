package topology

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestBuildMergesByID(t *testing.T) {
	// The PCI collector sees a function; a GPU collector later names it.
	pci := &Fragment{Components: []*Component{{
		ID: "pci:0000:3b:00.0", Kind: KindPCIFunction, Parent: "pcibus:0000:3a", Name: "3D controller",
		Attrs: map[string]any{"driver": "nvidia", "numa_node": 0},
	}, {ID: "pcibus:0000:3a", Kind: KindPCIRoot}}}
	gpu := &Fragment{Components: []*Component{{
		ID: "pci:0000:3b:00.0", Kind: KindGPU, Name: "NVIDIA H100", Serial: "1650",
		Firmware: "96.00.5E", Attrs: map[string]any{"uuid": "GPU-1"},
		Health: Health{State: StateDegraded, Reasons: []string{"3 retired pages"}},
	}}}
	g := Build(pci, gpu)
	if len(g.Components) != 2 {
		t.Fatalf("%d components, want 2 (no twins)", len(g.Components))
	}
	c, _ := g.Component("pci:0000:3b:00.0")
	if c.Kind != KindGPU {
		t.Errorf("kind %s, want the refined gpu", c.Kind)
	}
	if c.Name != "3D controller" || c.Serial != "1650" || c.Firmware != "96.00.5E" {
		t.Errorf("fields not filled: %+v", c)
	}
	if c.Attrs["driver"] != "nvidia" || c.Attrs["uuid"] != "GPU-1" {
		t.Errorf("attrs not united: %v", c.Attrs)
	}
	if c.Health.State != StateDegraded || len(c.Health.Reasons) != 1 {
		t.Errorf("health %+v, want the worse (degraded)", c.Health)
	}
	// The same in the other order gives the same component.
	g2 := Build(gpu, pci)
	c2, _ := g2.Component("pci:0000:3b:00.0")
	if c2.Kind != KindGPU || c2.Parent != "pcibus:0000:3a" {
		t.Errorf("order-dependent merge: %+v", c2)
	}
}

func TestBuildReparentsDanglingAndCycles(t *testing.T) {
	// A fault: a parent that no collector produced, and a parent cycle.
	f := &Fragment{Components: []*Component{
		{ID: "a", Kind: "x", Parent: "nowhere"},
		{ID: "b", Kind: "x", Parent: "c"},
		{ID: "c", Kind: "x", Parent: "b"},
	}}
	g := Build(f)
	a, _ := g.Component("a")
	if a.Parent != HostID || a.Attrs["unresolved_parent"] != "nowhere" {
		t.Errorf("dangling parent: %+v", a)
	}
	b, _ := g.Component("b")
	c, _ := g.Component("c")
	if b.Parent != HostID && c.Parent != HostID {
		t.Errorf("cycle b<->c not broken: b→%s c→%s", b.Parent, c.Parent)
	}
	var buf bytes.Buffer
	if err := WriteTree(&buf, g); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{" a ", " b ", " c "} {
		if !strings.Contains(buf.String(), id) {
			t.Errorf("tree lacks %q:\n%s", id, buf.String())
		}
	}
}

func TestIDOrder(t *testing.T) {
	f := &Fragment{}
	for _, id := range []string{"numa:10", "numa:2", "pci:0000:0a:00.0", "pci:0000:09:00.0", "numa:0"} {
		f.Add(&Component{ID: id, Kind: "x"})
	}
	g := Build(f)
	var ids []string
	for _, c := range g.Components {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, " "); got != "numa:0 numa:2 numa:10 pci:0000:09:00.0 pci:0000:0a:00.0" {
		t.Errorf("order %s", got)
	}
}

func TestJudge(t *testing.T) {
	link := func(attrs map[string]any, counters map[string]uint64) *Link {
		return &Link{ID: "a~b", Kind: LinkPCIe, From: "a", To: "b", Attrs: attrs, Counters: counters}
	}
	for _, tc := range []struct {
		name   string
		cur    *Link
		prev   *Link
		state  State
		reason string
	}{
		{"trained at max", link(map[string]any{"speed_gts": 16.0, "max_speed_gts": 16.0, "width": 16, "max_width": 16}, nil), nil, StateOK, ""},
		{"narrow", link(map[string]any{"width": 8, "max_width": 16}, nil), nil, StateDegraded, "x8 of x16"},
		{"slow", link(map[string]any{"speed_gts": 8.0, "max_speed_gts": 16.0}, nil), nil, StateDegraded, "8 GT/s of 16 GT/s"},
		{"down", link(map[string]any{"width": 0, "max_width": 4}, nil), nil, StateFailed, "link down (width x0)"},
		{"no max known", link(map[string]any{"speed_gts": 2.5}, nil), nil, StateOK, ""},
		{"correctable since boot only", link(nil, map[string]uint64{"aer_correctable": 7}), nil, StateOK, ""},
		{"correctable grew", link(nil, map[string]uint64{"aer_correctable": 9}), link(nil, map[string]uint64{"aer_correctable": 7}), StateDegraded, "2 new aer_correctable errors"},
		{"correctable steady", link(nil, map[string]uint64{"aer_correctable": 7}), link(nil, map[string]uint64{"aer_correctable": 7}), StateOK, ""},
		{"fatal", link(nil, map[string]uint64{"aer_fatal": 1}), nil, StateDegraded, "1 aer_fatal errors since boot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Build(&Fragment{Links: []*Link{tc.cur}})
			var prev *Graph
			if tc.prev != nil {
				prev = Build(&Fragment{Links: []*Link{tc.prev}})
			}
			Judge(g, prev)
			l, _ := g.Link("a~b")
			if l.Health.State != tc.state {
				t.Errorf("state %s %v, want %s", l.Health.State, l.Health.Reasons, tc.state)
			}
			if tc.reason != "" && (len(l.Health.Reasons) == 0 || l.Health.Reasons[0] != tc.reason) {
				t.Errorf("reasons %v, want %q", l.Health.Reasons, tc.reason)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	g := Build(&Fragment{
		Components: []*Component{{ID: "numa:0", Kind: KindNUMANode, Attrs: map[string]any{"memory_bytes": uint64(1 << 30)}}},
		Links:      []*Link{{ID: "numa:0~numa:1", Kind: LinkNUMAInterconnect, From: "numa:0", To: "numa:1", Attrs: map[string]any{"distance": 21}}},
	})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, g); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := back.Component("numa:0")
	if !ok {
		t.Fatal("numa:0 lost")
	}
	if m, _ := Number(c.Attrs, "memory_bytes"); m != 1<<30 {
		t.Errorf("memory_bytes %v", m)
	}
	if _, err := ReadJSON(strings.NewReader(`{"schema": 2}`)); err == nil {
		t.Error("schema 2 accepted")
	}
}

func TestDOTQuoting(t *testing.T) {
	g := Build(&Fragment{Components: []*Component{{ID: `odd"id`, Kind: "x", Name: "a\\b\nc"}}})
	var buf bytes.Buffer
	if err := WriteDOT(&buf, g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"odd\"id" [label="odd\"id\na\\b\nc"`) {
		t.Errorf("bad quoting:\n%s", buf.String())
	}
}

func TestJudgeComponents(t *testing.T) {
	dimm := func(ce, ue uint64) *Component {
		return &Component{ID: "dimm:A1", Kind: KindDIMM, Parent: "mc:0",
			Counters: map[string]uint64{CounterCorrected: ce, CounterUncorrected: ue}}
	}
	mc := &Component{ID: "mc:0", Kind: KindMemoryController}
	for _, tc := range []struct {
		name      string
		rules     Rules
		cur, prev []*Component
		failed    bool // a collector failed in the current scan
		state     State
		reason    string
	}{
		{"first scan", Rules{}, []*Component{mc, dimm(40, 0)}, nil, false, StateOK, ""},
		{"steady", Rules{}, []*Component{mc, dimm(40, 0)}, []*Component{mc, dimm(40, 0)}, false, StateOK, ""},
		{"corrected grew", Rules{}, []*Component{mc, dimm(41, 0)}, []*Component{mc, dimm(40, 0)}, false, StateDegraded, "1 new corrected memory errors"},
		{"below threshold", Rules{CorrectedErrors: 10}, []*Component{mc, dimm(49, 0)}, []*Component{mc, dimm(40, 0)}, false, StateOK, ""},
		{"at threshold", Rules{CorrectedErrors: 10}, []*Component{mc, dimm(50, 0)}, []*Component{mc, dimm(40, 0)}, false, StateDegraded, "10 new corrected memory errors"},
		{"uncorrected grew", Rules{}, []*Component{mc, dimm(40, 1)}, []*Component{mc, dimm(40, 0)}, false, StateFailed, "1 new uncorrected memory errors"},
		{"counter reset (reboot)", Rules{}, []*Component{mc, dimm(0, 0)}, []*Component{mc, dimm(40, 0)}, false, StateOK, ""},
		{"vanished", Rules{}, []*Component{mc}, []*Component{mc, dimm(40, 0)}, false, StateMissing, "present in the previous scan, gone now"},
		{"vanished while a collector failed", Rules{}, []*Component{mc}, []*Component{mc, dimm(40, 0)}, true, StateUnknown, "not seen this scan; collectors failed: memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Build(&Fragment{Components: tc.cur})
			if tc.failed {
				g.Collectors = []CollectorStatus{{Name: "memory", State: "timeout"}}
			}
			var prev *Graph
			if tc.prev != nil {
				prev = Build(&Fragment{Components: tc.prev})
			}
			tc.rules.Judge(g, prev)
			c, ok := g.Component("dimm:A1")
			if !ok {
				t.Fatal("dimm:A1 not in the graph")
			}
			if c.Health.State != tc.state || (tc.reason != "" && c.Health.Reasons[0] != tc.reason) {
				t.Errorf("health %+v, want %s %q", c.Health, tc.state, tc.reason)
			}
			if c.Parent != "mc:0" {
				t.Errorf("parent %s", c.Parent)
			}
		})
	}
}

func TestAnnotationsNeverInventHardware(t *testing.T) {
	pci := &Fragment{Components: []*Component{{ID: "pci:0000:00:1c.0", Kind: KindPCIBridge}}}
	fw := &Fragment{}
	fw.Annotate("pci:0000:00:1c.0").SetAttr("slot_label", "J6C1")
	fw.Annotate("pci:0000:00:1c.7").SetAttr("slot_label", "J8C2") // an empty slot
	for _, order := range [][]*Fragment{{pci, fw}, {fw, pci}} {
		g := Build(order...)
		if len(g.Components) != 1 {
			t.Fatalf("%d components, want only the bridge", len(g.Components))
		}
		if c := g.Components[0]; c.Kind != KindPCIBridge || c.Attrs["slot_label"] != "J6C1" {
			t.Errorf("bridge %+v", c)
		}
	}
}

// TestSortByIDMatchesIDLess: both sorts, a host's few IDs and a fleet's
// many keyed, order as idLess does.
func TestSortByIDMatchesIDLess(t *testing.T) {
	ids := []string{"numa:10", "pci:0000:3b:00.0", "numa:2", "host:n1", "numa:x", "mc:1", "pci:0000:03:00.0", "numa:1", "dimm:A1", "mc:0"}
	many := slices.Clone(ids)
	for i := len(many); len(many) <= keyedAbove; i++ {
		many = append(many, fmt.Sprintf("numa:%d", i*7919%10007), fmt.Sprintf("pci:0000:%02x:00.%d", i%256, i%8))
	}
	for _, got := range [][]string{slices.Clone(ids), many} {
		sortByID(got, func(s string) string { return s })
		for i := 1; i < len(got); i++ {
			if idLess(got[i], got[i-1]) {
				t.Errorf("%d IDs: %q sorted after %q", len(got), got[i], got[i-1])
			}
		}
	}
}

// TestWriteJSONEqualsMarshal: the line-per-element writer must say what
// encoding/json says of the whole Graph, so a field added to Graph cannot
// be silently left out.
func TestWriteJSONEqualsMarshal(t *testing.T) {
	for _, g := range []*Graph{
		Build(&Fragment{
			Components: []*Component{{ID: "numa:0", Kind: KindNUMANode, Attrs: map[string]any{"memory_bytes": uint64(1 << 30), "note": "<&>"}}},
			Links:      []*Link{{ID: "numa:0~numa:1", Kind: LinkNUMAInterconnect, From: "numa:0", To: "numa:1", Attrs: map[string]any{"distance": 21}}},
		}),
		Build(&Fragment{Links: []*Link{
			{ID: "gpu:0~nvswitch:1#3", Kind: LinkNVLink, From: "gpu:0", To: "nvswitch:1",
				Attrs:    map[string]any{"speed_gts": 25.78125, "width": 4, "version": uint64(4), "up": true, "bw": int64(-1), "ports": []int{1, 2}, "name": "NVLink \"3\" <&> é\x00"},
				Counters: map[string]uint64{"nvlink_crc_flit": 12, "nvlink_replay": 0},
				Health:   Health{State: StateDegraded, Reasons: []string{"12 new nvlink_crc_flit errors", "a <b> & c"}}},
			{ID: "numa:0~numa:1", Kind: LinkNUMAInterconnect, From: "numa:0", To: "numa:1", Attrs: map[string]any{"distance": 21, "f": 1e21, "g": 0.000001}},
		}}),
		{Schema: SchemaVersion, Host: &Component{ID: HostID}, Components: []*Component{}, Links: []*Link{}, Events: []Event{{Kind: "added", Component: "pci:0000:00:00.0"}},
			Collectors: []CollectorStatus{{Name: "pcie", State: "ok"}, {Name: "gpu", State: "absent"}}},
	} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, g); err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
		norm := *g // WriteJSON writes absent lists as []
		if norm.Events == nil {
			norm.Events = []Event{}
		}
		b, err := json.Marshal(&norm)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("WriteJSON:\n%s\njson.Marshal:\n%s", buf.String(), b)
		}
	}
}

// TestJudgeThermalThrottling: throttle counts that grew since the last
// scan degrade the package, naming how many and which; counts the first
// scan finds, or that did not grow, do not.
func TestJudgeThermalThrottling(t *testing.T) {
	pkg := func(p, c uint64) *Component {
		return &Component{ID: "package:1", Kind: KindCPUPackage,
			Counters: map[string]uint64{CounterThrottlePackage: p, CounterThrottleCore: c}}
	}
	for _, tc := range []struct {
		name      string
		cur, prev *Component
		state     State
		reason    string
	}{
		{"first scan: 237 since boot", pkg(0, 237), nil, StateOK, ""},
		{"steady", pkg(0, 237), pkg(0, 237), StateOK, ""},
		{"cores throttled", pkg(0, 249), pkg(0, 237), StateDegraded, "thermal throttling: 12 new core events"},
		{"package throttled", pkg(3, 237), pkg(0, 237), StateDegraded, "thermal throttling: 3 new package events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Build(&Fragment{Components: []*Component{tc.cur}})
			var prev *Graph
			if tc.prev != nil {
				prev = Build(&Fragment{Components: []*Component{tc.prev}})
			}
			Judge(g, prev)
			c, _ := g.Component("package:1")
			if c.Health.State != tc.state || (tc.reason != "" && !slices.Contains(c.Health.Reasons, tc.reason)) {
				t.Errorf("health %+v, want %s %q", c.Health, tc.state, tc.reason)
			}
		})
	}
}
