package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/rfmockup"
	"github.com/hwgraph/hwgraph/topology"
)

// mockup unpacks DMTF's public-rackmount1 mockup; the folder of
// /redfish/v1's index.json.
func mockup(t *testing.T) string { return mockupNamed(t, "public-rackmount1") }

// mockupNamed unpacks one of DMTF's mockups in testdata/redfish.
func mockupNamed(t *testing.T, name string) string {
	t.Helper()
	root := fixture.Unpack(t, "redfish/"+name+".tar.gz")
	dir := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		t.Fatalf("mockup: %v", err)
	}
	return dir
}

// resource reads one resource of the mockup, as the test's truth.
func resource(t *testing.T, dir, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(path, "/redfish/v1")), "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// serveEdited serves the mockup in dir, but for the resources of edits,
// answered with what their function returns (an edited copy of the
// mockup's answer, for a fault test; nil: the mockup's own).
func serveEdited(t *testing.T, dir string, edits map[string]func(r *http.Request) any) string {
	t.Helper()
	return rfmockup.Start(t, dir, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if edit, ok := edits[strings.TrimSuffix(r.URL.Path, "/")]; ok {
				if answer := edit(r); answer != nil {
					json.NewEncoder(w).Encode(answer)
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	})
}

func redfishScan(t *testing.T, url string, timeout time.Duration) *topology.Graph {
	t.Helper()
	reg := &Registry{}
	reg.Register(&Redfish{Target: RedfishTarget{URL: url, User: rfmockup.User, Password: rfmockup.Password}})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return reg.Scan(ctx, Env{Root: "/"}, nil)
}

// TestRedfishAgainstMockup: DMTF's public-rackmount1 mockup, served as
// DMTF's mockup server serves it: the BMC's model and firmware, each DIMM
// with its size and type, the PSU with its serial, firmware, output and
// its Warning health, every temperature reading, each fan with its
// reading, and the firmware inventory, each equal to the mockup's JSON.
func TestRedfishAgainstMockup(t *testing.T) {
	dir := mockup(t)
	g := redfishScan(t, rfmockup.Start(t, dir, nil), 20*time.Second)
	if st := status(g, "redfish"); st.State != "ok" || len(st.Problems) > 0 {
		t.Fatalf("redfish: %+v", st)
	}
	mgr := resource(t, dir, "/redfish/v1/Managers/BMC")
	b, ok := g.Component(topology.BMCID)
	if !ok || b.Firmware != mgr["FirmwareVersion"] || b.Model != mgr["Model"] {
		t.Errorf("bmc %+v, mockup %v %v", b, mgr["Model"], mgr["FirmwareVersion"])
	}
	sys := resource(t, dir, "/redfish/v1/Systems/437XR1138R2")
	if g.Host.Attrs["bios_version"] != sys["BiosVersion"] {
		t.Errorf("bios %v, mockup %v", g.Host.Attrs["bios_version"], sys["BiosVersion"])
	}
	mem := resource(t, dir, "/redfish/v1/Systems/437XR1138R2/Memory")
	dimms := 0
	for _, m := range mem["Members"].([]any) {
		d := resource(t, dir, m.(map[string]any)["@odata.id"].(string))
		if st, _ := d["Status"].(map[string]any); st["State"] == "Absent" {
			continue
		}
		dimms++
		c, ok := g.Component(topology.DIMMID(d["Id"].(string)))
		if !ok || c.Attrs["redfish_size_bytes"] != int(d["CapacityMiB"].(float64))<<20 || c.Attrs["redfish_type"] != d["MemoryDeviceType"] {
			t.Errorf("DIMM %s: %+v", d["Id"], c)
		}
	}
	// The chassis has both PowerSubsystem and the deprecated Power, whose
	// supply serials differ (1Z0000001 there): the newer is read.
	const bay1 = "/redfish/v1/Chassis/1U/PowerSubsystem/PowerSupplies/Bay1"
	p0 := resource(t, dir, bay1)
	out := resource(t, dir, bay1+"/Metrics")["OutputPowerWatts"].(map[string]any)["Reading"]
	psu, ok := g.Component("psu:1")
	if !ok || psu.Serial != "3488247" || psu.Serial != p0["SerialNumber"] || psu.Firmware != p0["FirmwareVersion"] || reading(psu, "Output") != out ||
		psu.Health.State != topology.StateDegraded || psu.Health.Reasons[0] != "Redfish: Health Warning" {
		t.Errorf("psu:1 %+v, mockup %v", psu, p0)
	}
	// What the chassis draws and its voltage rails are sensors of the
	// host, with their critical thresholds.
	power := resource(t, dir, "/redfish/v1/Chassis/1U/Power")
	for _, x := range power["PowerControl"].([]any) {
		pc := x.(map[string]any)
		if got := reading(g.Host, pc["Name"].(string)); got != pc["PowerConsumedWatts"] || sensorOf(g.Host, pc["Name"].(string)).Unit != "Watts" {
			t.Errorf("power %s: %v, mockup %v", pc["Name"], got, pc["PowerConsumedWatts"])
		}
	}
	for _, x := range power["Voltages"].([]any) {
		v := x.(map[string]any)
		s := sensorOf(g.Host, v["Name"].(string))
		if reading(g.Host, s.Name) != v["ReadingVolts"] || number(s.UpperCritical) != v["UpperThresholdCritical"] ||
			number(s.LowerCritical) != v["LowerThresholdCritical"] {
			t.Errorf("voltage %s: %+v, mockup %v", v["Name"], s, v)
		}
	}
	// Temperatures (Thermal's, with their thresholds) are sensors of the
	// host; each fan (ThermalSubsystem's, the newer) is a fan: component
	// with its reading.
	th := resource(t, dir, "/redfish/v1/Chassis/1U/Thermal")
	var fans []any
	for _, m := range resource(t, dir, "/redfish/v1/Chassis/1U/ThermalSubsystem/Fans")["Members"].([]any) {
		f := resource(t, dir, m.(map[string]any)["@odata.id"].(string))
		f["Reading"] = f["SpeedPercent"].(map[string]any)["SpeedRPM"]
		fans = append(fans, f)
	}
	if len(fans) != 4 {
		t.Fatalf("%d fans in the mockup's ThermalSubsystem", len(fans))
	}
	sensors := 0
	temps := len(th["Temperatures"].([]any))
	for i, x := range append(th["Temperatures"].([]any), fans...) {
		s := x.(map[string]any)
		on, v := g.Host, s["ReadingCelsius"]
		if i >= temps {
			v = s["Reading"]
			fan, ok := g.Component(topology.FanID(s["Name"].(string)))
			if !ok || fan.Kind != topology.KindFan || fan.Health.State != topology.StateOK {
				t.Errorf("fan %s: %+v", s["Name"], fan)
				continue
			}
			on = fan
		}
		if v == nil {
			continue
		}
		sensors++
		if got := reading(on, s["Name"].(string)); got != v {
			t.Errorf("sensor %s on %s: %v, mockup %v", s["Name"], on.ID, got, v)
		}
	}
	// Firmware on the part its RelatedItem names: the BIOS on the host,
	// the BMC's on the BMC, the storage controller's on the controller,
	// which stays below the BMC (it reports no serial to join by).
	fw := resource(t, dir, "/redfish/v1/UpdateService/FirmwareInventory")
	for _, m := range fw["Members"].([]any) {
		f := resource(t, dir, m.(map[string]any)["@odata.id"].(string))
		on := b
		if rel, _ := f["RelatedItem"].([]any); len(rel) > 0 {
			switch p := rel[0].(map[string]any)["@odata.id"].(string); p {
			case "/redfish/v1/Systems/437XR1138R2":
				on = g.Host
			case "/redfish/v1/Managers/BMC":
			default:
				on, _ = g.Component(topology.RedfishID(p))
				if on == nil || on.Parent != topology.BMCID {
					t.Fatalf("%s: %+v", p, on)
				}
			}
		}
		if on.Attrs["firmware:"+f["Name"].(string)] != f["Version"] {
			t.Errorf("firmware %s on %s: %v, mockup %v", f["Name"], on.ID, on.Attrs["firmware:"+f["Name"].(string)], f["Version"])
		}
	}
	if dimms < 2 || sensors < 4 {
		t.Errorf("only %d DIMMs and %d sensors checked", dimms, sensors)
	}
}

// TestRedfishAgainstRedfishtool: Debian's redfishtool reads the same
// server; the BMC's firmware and the system's BIOS version agree.
func TestRedfishAgainstRedfishtool(t *testing.T) {
	bin := fixture.Tool(t, "redfishtool", "redfishtool")
	url := rfmockup.Start(t, mockup(t), nil)
	g := redfishScan(t, url, 20*time.Second)
	host := strings.TrimPrefix(url, "http://")
	for _, tc := range []struct {
		path, field string
		got         any
	}{
		{"/redfish/v1/Managers/BMC", "FirmwareVersion", func() any { b, _ := g.Component(topology.BMCID); return b.Firmware }()},
		{"/redfish/v1/Systems/437XR1138R2", "BiosVersion", g.Host.Attrs["bios_version"]},
	} {
		out, err := exec.Command(bin, "-r", host, "-S", "Never", "-u", rfmockup.User, "-p", rfmockup.Password, "raw", "GET", tc.path).Output()
		if err != nil {
			t.Fatalf("redfishtool %s: %v", tc.path, err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("redfishtool %s: %v\n%s", tc.path, err, out)
		}
		if m[tc.field] != tc.got {
			t.Errorf("%s %s: redfishtool %v, hwgraph %v", tc.path, tc.field, m[tc.field], tc.got)
		}
	}
	// On public-tower, redfishtool walks the system's processors and
	// Ethernet interfaces itself (-a: every member); each one's model or
	// MAC address is the one hwgraph reports for that resource.
	url = rfmockup.Start(t, mockupNamed(t, "public-tower"), nil)
	g = redfishScan(t, url, 20*time.Second)
	checked := 0
	for _, tc := range []struct{ coll, field, attr string }{{"Processors", "Model", ""}, {"EthernetInterfaces", "MACAddress", "redfish_mac"}} {
		out, err := exec.Command(bin, "-r", strings.TrimPrefix(url, "http://"), "-S", "Never", "-u", rfmockup.User, "-p", rfmockup.Password,
			"Systems", "-I", "437XR1238R2", tc.coll, "-a").Output()
		if err != nil {
			t.Fatalf("redfishtool %s: %v", tc.coll, err)
		}
		// -a prints the collection with every member read in full.
		var coll struct{ Members []map[string]any }
		if err := json.Unmarshal(out, &coll); err != nil {
			t.Fatalf("redfishtool %s: %v\n%s", tc.coll, err, out)
		}
		for _, m := range coll.Members {
			if m["ProcessorType"] == "GPU" {
				continue // hwgraph reports a GPU by its graphics controller
			}
			c, ok := g.Component(topology.RedfishID(m["@odata.id"].(string)))
			got := any(nil)
			if ok {
				got = c.Model
				if tc.attr != "" {
					got = c.Attrs[tc.attr]
				}
			}
			if got != m[tc.field] {
				t.Errorf("%s %s: redfishtool %v, hwgraph %v", m["@odata.id"], tc.field, m[tc.field], got)
			}
			checked++
		}
	}
	if checked != 10 {
		t.Errorf("%d processors and interfaces compared, want 8 + 2", checked)
	}
}

// TestFaultRedfish: a wrong password fails the collector saying so; a
// resource answering garbage, a memory collection whose nextLink points
// at itself (both faults injected into a copy of the mockup's answers)
// are problems, the rest still read; a BMC that never answers times out.
func TestFaultRedfish(t *testing.T) {
	dir := mockup(t)
	t.Run("wrong password", func(t *testing.T) {
		reg := &Registry{}
		reg.Register(&Redfish{Target: RedfishTarget{URL: rfmockup.Start(t, dir, nil), User: rfmockup.User, Password: "wrong"}})
		st := status(reg.Scan(context.Background(), Env{Root: "/"}, nil), "redfish")
		if st.State != "error" || !strings.Contains(st.Error, "credentials were refused") {
			t.Errorf("%+v", st)
		}
	})
	t.Run("garbage and a nextLink loop", func(t *testing.T) {
		url := rfmockup.Start(t, dir, func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/redfish/v1/Chassis/1U/Power":
					w.Write([]byte(`{"PowerSupplies": [{"MemberId": "0", "Stat`))
				case "/redfish/v1/Systems/437XR1138R2/Memory":
					w.Write([]byte(`{"Members": [{"@odata.id": "/redfish/v1/Systems/437XR1138R2/Memory/DIMM1"}], "Members@odata.nextLink": "/redfish/v1/Systems/437XR1138R2/Memory"}`))
				default:
					h.ServeHTTP(w, r)
				}
			})
		})
		g := redfishScan(t, url, 20*time.Second)
		st := status(g, "redfish")
		joined := strings.Join(st.Problems, "\n")
		if st.State != "ok" || !strings.Contains(joined, "Power") || !strings.Contains(joined, "loop") {
			t.Errorf("%+v", st)
		}
		if _, ok := g.Component(topology.DIMMID("DIMM1")); !ok {
			t.Error("the DIMM of the looping collection's first page is lost")
		}
		if _, ok := g.Component(topology.BMCID); !ok {
			t.Error("the BMC is lost to another resource's garbage")
		}
	})
	t.Run("never answers", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		start := time.Now()
		st := status(redfishScan(t, "http://"+l.Addr().String(), 300*time.Millisecond), "redfish")
		if st.State != "timeout" || time.Since(start) > 5*time.Second {
			t.Errorf("%+v after %v", st, time.Since(start))
		}
	})
}

// TestRedfishLogEvents: the mockup's BMC and system logs become events on
// the BMC once, with the BMC's severity; the cursor, kept in a state
// folder, survives a new agent; an entry appended later (injected into a
// copy of the mockup's answer) about a DIMM is the one new event, on that
// DIMM.
func TestRedfishLogEvents(t *testing.T) {
	dir := mockup(t)
	entries := resource(t, dir, "/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries")["Members"].([]any)
	bmcEntries := resource(t, dir, "/redfish/v1/Managers/BMC/LogServices/Log/Entries")["Members"].([]any)
	appended := false
	url := serveEdited(t, dir, map[string]func(*http.Request) any{"/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries": func(*http.Request) any {
		if !appended {
			return nil
		}
		more := append(append([]any{}, entries...), map[string]any{"@odata.id": "/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries/3",
			"Id": "3", "Severity": "Warning", "Created": "2012-03-08T09:00:00Z", "Message": "DIMM1 correctable ECC over threshold", "MessageId": "0x1234",
			"Links": map[string]any{"OriginOfCondition": map[string]any{"@odata.id": "/redfish/v1/Systems/437XR1138R2/Memory/DIMM1"}}})
		return map[string]any{"Members": more, "Members@odata.count": len(more)}
	}})
	st, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scan := func() []topology.Event {
		reg := &Registry{}
		reg.Register(&Redfish{Target: RedfishTarget{URL: url, User: rfmockup.User, Password: rfmockup.Password}, State: st})
		g := reg.Scan(context.Background(), Env{Root: "/"}, nil)
		if s := status(g, "redfish"); s.State != "ok" || len(s.Problems) > 0 {
			t.Fatalf("redfish: %+v", s)
		}
		return g.Events
	}
	// The BMC's own log (where iDRAC keeps the SEL) and the system's.
	first := scan()
	if len(first) != len(bmcEntries)+len(entries) {
		t.Fatalf("%d events for %d + %d entries: %+v", len(first), len(bmcEntries), len(entries), first)
	}
	e0, ev := entries[0].(map[string]any), first[len(bmcEntries)]
	if ev.Component != topology.BMCID || ev.Severity != topology.SeverityCritical || !strings.Contains(ev.Message, e0["Message"].(string)) ||
		ev.Time.Format(time.RFC3339) != e0["Created"] {
		t.Errorf("the system log's first event %+v, entry %v", ev, e0)
	}
	// Both logs are called "System Log Service": each event says whose.
	if b, sys := first[0].Message, ev.Message; !strings.HasPrefix(b, "System Log Service (manager BMC) ") || !strings.HasPrefix(sys, "System Log Service (system 437XR1138R2) ") {
		t.Errorf("the logs' events do not tell the BMC's from the system's: %q, %q", b, sys)
	}
	if again := scan(); len(again) != 0 {
		t.Errorf("a new agent reported the log again: %+v", again)
	}
	appended = true
	// The entry names the DIMM it is about: the event is on that DIMM.
	if next := scan(); len(next) != 1 || next[0].Severity != topology.SeverityWarning || !strings.Contains(next[0].Message, "DIMM1 correctable") ||
		next[0].Component != topology.DIMMID("DIMM1") {
		t.Errorf("after an entry was appended: %+v", next)
	}
}

// BenchmarkRedfishLog10k reads a system log of 10,000 entries (the
// mockup's, repeated, in pages of 1,000 linked by nextLink: a copy made
// for the measure) and turns them into events.
func BenchmarkRedfishLog10k(b *testing.B) {
	root := fixture.Unpack(b, "redfish/public-rackmount1.tar.gz")
	dir := filepath.Join(root, "public-rackmount1")
	const path = "/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries"
	pages := map[string][]byte{}
	for p := 0; p < 10; p++ {
		var members []any
		for i := p * 1000; i < (p+1)*1000; i++ {
			members = append(members, map[string]any{"@odata.id": fmt.Sprintf("%s/%d", path, i), "Id": fmt.Sprint(i), "Severity": "OK",
				"Created": time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339), "Message": "Fan speed nominal", "EntryType": "SEL"})
		}
		page := map[string]any{"Members": members, "Members@odata.count": 10000}
		if p < 9 {
			page["Members@odata.nextLink"] = fmt.Sprintf("%s?$skip=%d", path, (p+1)*1000)
		}
		pages[fmt.Sprintf("%d", p*1000)], _ = json.Marshal(page)
	}
	url := rfmockup.Start(b, dir, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				h.ServeHTTP(w, r)
				return
			}
			skip := r.URL.Query().Get("$skip")
			if skip == "" {
				skip = "0"
			}
			w.Write(pages[skip])
		})
	})
	b.ReportAllocs()
	for b.Loop() {
		c := &Redfish{Target: RedfishTarget{URL: url, User: rfmockup.User, Password: rfmockup.Password}}
		f, err := c.Collect(context.Background(), Env{Root: "/"})
		if err != nil || len(f.Events) != 10000+1 { // and the BMC log's one entry
			b.Fatalf("%v, %d events", err, len(f.Events))
		}
	}
}

// TestRedfishSessions: the collector logs in through the SessionService
// and deletes its session when done; a session that expires mid-read is
// opened again, once, and the read completes as a whole one.
func TestRedfishSessions(t *testing.T) {
	dir := mockup(t)
	srv := rfmockup.StartServer(t, dir, nil)
	whole := redfishScan(t, srv.URL, 20*time.Second)
	if srv.Logins != 1 || srv.Logouts != 1 {
		t.Errorf("%d logins, %d logouts", srv.Logins, srv.Logouts)
	}
	srv.ExpireSessionsAfter(5)
	expired := redfishScan(t, srv.URL, 20*time.Second)
	if st := status(expired, "redfish"); st.State != "ok" || len(st.Problems) > 0 {
		t.Errorf("after the session expired: %+v", st)
	}
	if srv.Logins != 3 || srv.Logouts != 2 {
		t.Errorf("%d logins, %d logouts: want the expired session replaced once", srv.Logins, srv.Logouts)
	}
	if len(expired.Components) != len(whole.Components) {
		t.Errorf("%d components after an expiry, %d in a whole read", len(expired.Components), len(whole.Components))
	}
}

// TestRedfishTowerParts: DMTF's public-tower mockup, whose service lists
// processors, storage subsystems with their drives, Ethernet interfaces,
// GPUs and a network adapter. Every part it reports present is in the
// graph with the model, serial and firmware of its resource, drives below
// their controller; with no operating-system view to join them to, each
// stays below the BMC and says why. Absent drives are not parts.
func TestRedfishTowerParts(t *testing.T) {
	dir := mockupNamed(t, "public-tower")
	g := redfishScan(t, rfmockup.Start(t, dir, nil), 20*time.Second)
	if st := status(g, "redfish"); st.State != "ok" || len(st.Problems) > 0 {
		t.Fatalf("redfish: %+v", st)
	}
	const sys = "/redfish/v1/Systems/437XR1238R2"
	members := func(path string) []string {
		var out []string
		for _, m := range resource(t, dir, path)["Members"].([]any) {
			out = append(out, m.(map[string]any)["@odata.id"].(string))
		}
		return out
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	present := func(m map[string]any) bool { st, _ := m["Status"].(map[string]any); return st["State"] != "Absent" }
	// check finds the part of a resource and compares it with the resource.
	check := func(path, kind, model, serial, firmware, parent string) {
		t.Helper()
		c, ok := g.Component(topology.RedfishID(path))
		if !ok {
			t.Errorf("%s: not in the graph", path)
			return
		}
		if c.Kind != kind || c.Model != model || c.Serial != serial || c.Firmware != firmware || c.Parent != parent {
			t.Errorf("%s: %s %q %q %q below %s, mockup %s %q %q %q below %s", path, c.Kind, c.Model, c.Serial, c.Firmware, c.Parent,
				kind, model, serial, firmware, parent)
		}
		if topology.String(c.Attrs, topology.AttrUnmatched) == "" {
			t.Errorf("%s: no reason it stayed below the BMC", path)
		}
	}
	counts := map[string]int{}
	for _, p := range members(sys + "/Processors") {
		r := resource(t, dir, p)
		if r["ProcessorType"] == "CPU" && present(r) {
			counts["processors"]++
			check(p, topology.KindCPUPackage, str(r, "Model"), str(r, "SerialNumber"), "", topology.BMCID)
		}
	}
	for _, p := range members(sys + "/Storage") {
		st := resource(t, dir, p)
		ctrl := ""
		for i, x := range st["StorageControllers"].([]any) {
			sc := x.(map[string]any)
			ctrl = fmt.Sprintf("%s#/StorageControllers/%d", p, i)
			counts["controllers"]++
			check(ctrl, topology.KindStorage, str(sc, "Model"), str(sc, "SerialNumber"), str(sc, "FirmwareVersion"), topology.BMCID)
		}
		drives, _ := st["Drives"].([]any)
		for _, x := range drives {
			dp := x.(map[string]any)["@odata.id"].(string)
			d := resource(t, dir, dp)
			if !present(d) {
				if _, ok := g.Component(topology.RedfishID(dp)); ok {
					t.Errorf("%s: absent, yet in the graph", dp)
				}
				continue
			}
			counts["drives"]++
			check(dp, topology.KindDisk, str(d, "Model"), str(d, "SerialNumber"), str(d, "Revision"), topology.RedfishID(ctrl))
		}
	}
	for _, p := range members(sys + "/GraphicsControllers") {
		r := resource(t, dir, p)
		counts["gpus"]++
		check(p, topology.KindGPU, str(r, "Model"), str(r, "SerialNumber"), str(r, "BiosVersion"), topology.BMCID)
	}
	for _, p := range members(sys + "/EthernetInterfaces") {
		r := resource(t, dir, p)
		counts["interfaces"]++
		check(p, topology.KindNIC, "", "", "", topology.BMCID)
		if c, _ := g.Component(topology.RedfishID(p)); c != nil && c.Attrs["redfish_mac"] != r["MACAddress"] {
			t.Errorf("%s: MAC %v, mockup %v", p, c.Attrs["redfish_mac"], r["MACAddress"])
		}
	}
	for _, p := range members("/redfish/v1/Chassis/Tower/NetworkAdapters") {
		r := resource(t, dir, p)
		counts["adapters"]++
		fw := r["Controllers"].([]any)[0].(map[string]any)["FirmwarePackageVersion"].(string)
		check(p, topology.KindNIC, str(r, "Model"), str(r, "SerialNumber"), fw, topology.BMCID)
	}
	// What the mockup holds, counted by hand from its files once, so that
	// a reader that silently skipped a collection fails here.
	want := map[string]int{"processors": 8, "controllers": 5, "drives": 10, "gpus": 2, "interfaces": 2, "adapters": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d checked, the mockup has %d", k, counts[k], n)
		}
	}
}

// TestFaultRedfishDriveFailsThenGoes: a copy of public-tower's answers
// in which one drive turns Critical, saying why in its Conditions, and
// predicts its failure, then reports itself Absent: the part is failed
// with the BMC's words, then missing against the previous scan, as a
// drive pulled from its bay.
func TestFaultRedfishDriveFailsThenGoes(t *testing.T) {
	dir := mockupNamed(t, "public-tower")
	const drive = "/redfish/v1/Chassis/Tower/Drives/Disk-1-0"
	orig := resource(t, dir, drive)
	serve := func(status map[string]any, predicted bool) string {
		return serveEdited(t, dir, map[string]func(*http.Request) any{drive: func(*http.Request) any {
			d := maps.Clone(orig)
			d["Status"], d["FailurePredicted"] = status, predicted
			return d
		}})
	}
	id := topology.RedfishID(drive)
	first := redfishScan(t, serve(map[string]any{"State": "Enabled", "Health": "Critical",
		"Conditions": []any{map[string]any{"Message": "Drive 'Disk-1-0' has failed.", "Severity": "Critical", "MessageId": "StorageDevice.1.0.DriveFailed"}}}, true),
		20*time.Second)
	c, ok := first.Component(id)
	if !ok || c.Health.State != topology.StateFailed || !slices.Contains(c.Health.Reasons, "Redfish: Health Critical: Drive 'Disk-1-0' has failed.") ||
		!slices.Contains(c.Health.Reasons, "Redfish: the drive predicts its failure") {
		t.Fatalf("critical drive: %+v", c)
	}
	reg := &Registry{}
	reg.Register(&Redfish{Target: RedfishTarget{URL: serve(map[string]any{"State": "Absent"}, false), User: rfmockup.User, Password: rfmockup.Password}})
	second := reg.Scan(t.Context(), Env{Root: "/"}, first)
	if c, ok := second.Component(id); !ok || c.Health.State != topology.StateMissing {
		t.Errorf("absent drive: %+v", c)
	}
	if c, _ := second.Component(topology.RedfishID("/redfish/v1/Chassis/Tower/Drives/Disk-1-1")); c == nil || c.Health.State != topology.StateOK {
		t.Errorf("its neighbour: %+v", c)
	}
}

// TestFaultRedfishFanStalls: a copy of public-rackmount1's first fan
// bay (ThermalSubsystem's, the newer resource) that reads 0 RPM with
// Health Critical, then reports its bay Absent: the fan is failed, the
// next bay ok, then the fan is missing.
func TestFaultRedfishFanStalls(t *testing.T) {
	dir := mockup(t)
	const bay = "/redfish/v1/Chassis/1U/ThermalSubsystem/Fans/Bay1"
	orig, root := resource(t, dir, bay), resource(t, dir, "/redfish/v1")
	serve := func(fan map[string]any) string {
		return serveEdited(t, dir, map[string]func(*http.Request) any{
			bay: func(*http.Request) any {
				f := maps.Clone(orig)
				maps.Copy(f, fan)
				return f
			},
			"/redfish/v1": func(*http.Request) any {
				// Collections read member by member, so that the fan is
				// this edited answer, not the file expanded.
				rt := maps.Clone(root)
				delete(rt, "ProtocolFeaturesSupported")
				return rt
			},
		})
	}
	id := topology.FanID("Fan Bay 1")
	first := redfishScan(t, serve(map[string]any{"SpeedPercent": map[string]any{"Reading": 0, "SpeedRPM": 0},
		"Status": map[string]any{"State": "Enabled", "Health": "Critical"}}), 20*time.Second)
	c, ok := first.Component(id)
	if !ok {
		t.Fatal("no fan for the first bay")
	}
	if rpm := reading(c, "Fan Bay 1"); c.Health.State != topology.StateFailed || rpm != 0.0 ||
		!strings.Contains(strings.Join(c.Health.Reasons, "; "), "Redfish: Health Critical") {
		t.Fatalf("stalled fan: %+v", c)
	}
	if b, _ := first.Component(topology.FanID("Fan Bay 2")); b == nil || b.Health.State != topology.StateOK {
		t.Errorf("the next bay's fan: %+v", b)
	}
	reg := &Registry{}
	reg.Register(&Redfish{Target: RedfishTarget{URL: serve(map[string]any{"Status": map[string]any{"State": "Absent"}}),
		User: rfmockup.User, Password: rfmockup.Password}})
	if c, _ := reg.Scan(t.Context(), Env{Root: "/"}, first).Component(id); c == nil || c.Health.State != topology.StateMissing {
		t.Errorf("absent fan: %+v", c)
	}
}

// TestRedfishSubsystems: public-tower's chassis with its Power and
// Thermal links taken out (an edited copy of that one answer), as a
// service that offers only the newer PowerSubsystem and ThermalSubsystem
// is: its power supplies, fans and temperatures are read from those,
// each equal to the mockup's JSON.
func TestRedfishSubsystems(t *testing.T) {
	dir := mockupNamed(t, "public-tower")
	const chassis = "/redfish/v1/Chassis/Tower"
	orig, root := resource(t, dir, chassis), resource(t, dir, "/redfish/v1")
	url := serveEdited(t, dir, map[string]func(*http.Request) any{
		chassis: func(*http.Request) any {
			ch := maps.Clone(orig)
			delete(ch, "Power")
			delete(ch, "Thermal")
			return ch
		},
		"/redfish/v1": func(*http.Request) any {
			// Collections read member by member, so that the chassis is
			// this edited answer, not the file expanded.
			rt := maps.Clone(root)
			delete(rt, "ProtocolFeaturesSupported")
			return rt
		},
	})
	g := redfishScan(t, url, 20*time.Second)
	if st := status(g, "redfish"); st.State != "ok" || len(st.Problems) > 0 {
		t.Fatalf("redfish: %+v", st)
	}
	const psus = chassis + "/PowerSubsystem/PowerSupplies"
	for i, m := range resource(t, dir, psus)["Members"].([]any) {
		path := m.(map[string]any)["@odata.id"].(string)
		p := resource(t, dir, path)
		out := resource(t, dir, path+"/Metrics")["OutputPowerWatts"].(map[string]any)["Reading"]
		c, ok := g.Component(topology.PSUID(i + 1))
		if !ok || c.Serial != p["SerialNumber"] || c.Firmware != p["FirmwareVersion"] || c.Attrs["capacity_watts"] != p["PowerCapacityWatts"] ||
			reading(c, "Output") != out {
			t.Errorf("%s: %+v", path, c)
		}
		if health := p["Status"].(map[string]any)["Health"]; (health == "Warning") != (c != nil && c.Health.State == topology.StateDegraded) {
			t.Errorf("%s: Health %v, state %+v", path, health, c.Health)
		}
	}
	fans := 0
	for _, m := range resource(t, dir, chassis+"/ThermalSubsystem/Fans")["Members"].([]any) {
		f := resource(t, dir, m.(map[string]any)["@odata.id"].(string))
		c, ok := g.Component(topology.FanID(f["Name"].(string)))
		speed := f["SpeedPercent"].(map[string]any)
		want, unit := speed["SpeedRPM"], "RPM"
		if want == nil { // a fan that reports its speed in percent only
			want, unit = speed["Reading"], "percent"
		}
		if !ok || reading(c, f["Name"].(string)) != want || sensorOf(c, f["Name"].(string)).Unit != unit {
			t.Errorf("fan %s: %+v, mockup %v %s", f["Name"], c, want, unit)
		}
		fans++
	}
	temps := resource(t, dir, chassis+"/ThermalSubsystem/ThermalMetrics")["TemperatureReadingsCelsius"].([]any)
	for _, x := range temps {
		tr := x.(map[string]any)
		if got := reading(g.Host, tr["DeviceName"].(string)); got != tr["Reading"] {
			t.Errorf("temperature %s: %v, mockup %v", tr["DeviceName"], got, tr["Reading"])
		}
	}
	if fans != 4 || len(temps) != 2 {
		t.Errorf("%d fans and %d temperatures checked, the mockup has 4 and 2", fans, len(temps))
	}
}

// TestRedfishPartsKeptBetweenScans: an agent reads public-tower's parts
// once; the next scans read the BMC's health, sensors and logs only, in a
// fraction of the requests, and give the same graph. When the chassis'
// HealthRollup turns Warning with a drive (an edited copy of those two
// answers), the parts are read again and the drive shows degraded; a
// device event, or a new entry in the BMC's log (an edited copy), makes
// the next scan read them too.
func TestRedfishPartsKeptBetweenScans(t *testing.T) {
	dir := mockupNamed(t, "public-tower")
	const chassis, drive = "/redfish/v1/Chassis/Tower", "/redfish/v1/Chassis/Tower/Drives/Disk-1-0"
	const bmcLog = "/redfish/v1/Managers/BMC/LogServices/Log/Entries"
	warn, logged := false, false
	edited := func(path, set string, v any) map[string]any {
		m := maps.Clone(resource(t, dir, path))
		st := maps.Clone(m["Status"].(map[string]any))
		st[set] = v
		m["Status"] = st
		return m
	}
	var requests atomic.Int32 // every request, those the edits answer too
	srv := rfmockup.StartServer(t, dir, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			switch p := strings.TrimSuffix(r.URL.Path, "/"); {
			case logged && p == bmcLog:
				entries := append(slices.Clone(resource(t, dir, bmcLog)["Members"].([]any)), map[string]any{
					"@odata.id": bmcLog + "/2", "Id": "2", "Severity": "Warning", "Created": "2012-03-08T09:00:00Z", "Message": "Drive removed"})
				json.NewEncoder(w).Encode(map[string]any{"Members": entries, "Members@odata.count": len(entries)})
			case warn && p == chassis:
				json.NewEncoder(w).Encode(edited(chassis, "HealthRollup", "Warning"))
			case warn && p == drive:
				json.NewEncoder(w).Encode(edited(drive, "Health", "Warning"))
			case warn && p == "/redfish/v1/Chassis" && r.URL.Query().Has("$expand"):
				// The collection expanded holds the chassis as edited.
				json.NewEncoder(w).Encode(map[string]any{"Members": []any{edited(chassis, "HealthRollup", "Warning")}, "Members@odata.count": 1})
			default:
				h.ServeHTTP(w, r)
			}
		})
	})
	rf := &Redfish{Target: RedfishTarget{URL: srv.URL, User: rfmockup.User, Password: rfmockup.Password}, PartsMaxAge: time.Hour}
	reg := &Registry{}
	reg.Register(rf)
	scan := func() (*topology.Graph, int) {
		before := requests.Load()
		g := reg.Scan(t.Context(), Env{Root: "/"}, nil)
		if st := status(g, "redfish"); st.State != "ok" || len(st.Problems) > 0 {
			t.Fatalf("redfish: %+v", st)
		}
		return g, int(requests.Load() - before)
	}
	first, all := scan()
	second, few := scan()
	first.Events = nil // the logs' entries are events of the first scan only
	if comparable(t, second) != comparable(t, first) {
		t.Error("a scan with the parts kept differs from the scan that read them")
	}
	if few*2 > all {
		t.Errorf("%d requests with the parts kept, %d reading them", few, all)
	}
	t.Logf("%d requests reading the parts, %d keeping them", all, few)

	warn = true
	third, n := scan()
	if c, _ := third.Component(topology.RedfishID(drive)); c == nil || c.Health.State != topology.StateDegraded || n <= few {
		t.Errorf("after the chassis' rollup turned Warning (%d requests): %+v", n, c)
	}
	warn = false
	scan() // the rollup is back to OK: read again
	if _, n := scan(); n != few {
		t.Errorf("%d requests once settled, want %d", n, few)
	}
	rf.Invalidate()
	if _, n := scan(); n <= few {
		t.Errorf("%d requests after Invalidate, want the parts read", n)
	}
	logged = true // a new log entry: something may have changed
	if g, n := scan(); n <= few || len(g.Events) != 1 {
		t.Errorf("%d requests and events %+v after a new log entry, want the parts read", n, g.Events)
	}
	if _, n := scan(); n != few {
		t.Errorf("%d requests once the entry was seen, want %d", n, few)
	}
}

// TestRedfishLogReadFromCursor: a system log of 10,000 entries in pages
// of 1,000 (the mockup's entries repeated: a copy made for the measure),
// from a service whose root says it can skip (TopSkipQuery, added to a
// copy of the root). The first scan reads every page; the next ones ask
// for the log from the cursor's entry on, one request, and report only
// what is new; a log cleared and written anew is read whole again.
func TestRedfishLogReadFromCursor(t *testing.T) {
	dir := mockup(t)
	const path = "/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries"
	var mu sync.Mutex
	entries := make([]any, 0, 10001)
	entry := func(i int, id string) map[string]any {
		return map[string]any{"@odata.id": fmt.Sprintf("%s/%s", path, id), "Id": id, "Severity": "OK",
			"Created": time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339), "Message": "Fan speed nominal"}
	}
	for i := range 10000 {
		entries = append(entries, entry(i, fmt.Sprint(i)))
	}
	root := resource(t, dir, "/redfish/v1")
	features := maps.Clone(root["ProtocolFeaturesSupported"].(map[string]any))
	features["TopSkipQuery"] = true
	root["ProtocolFeaturesSupported"] = features
	var logRequests []string
	url := serveEdited(t, dir, map[string]func(*http.Request) any{
		"/redfish/v1": func(*http.Request) any { return root },
		path: func(r *http.Request) any {
			mu.Lock()
			defer mu.Unlock()
			logRequests = append(logRequests, r.URL.RequestURI())
			skip, _ := strconv.Atoi(r.URL.Query().Get("$skip"))
			end := min(skip+1000, len(entries))
			page := map[string]any{"Members": entries[min(skip, end):end], "Members@odata.count": len(entries)}
			if end < len(entries) {
				page["Members@odata.nextLink"] = fmt.Sprintf("%s?$skip=%d", path, end)
			}
			return page
		},
	})
	rf := &Redfish{Target: RedfishTarget{URL: url, User: rfmockup.User, Password: rfmockup.Password}}
	scan := func() ([]topology.Event, []string) {
		mu.Lock()
		logRequests = nil
		mu.Unlock()
		f, err := rf.Collect(t.Context(), Env{Root: "/"})
		if err != nil || len(f.Problems) > 0 {
			t.Fatalf("%v %v", err, f.Problems)
		}
		var events []topology.Event
		for _, e := range f.Events {
			if strings.HasPrefix(e.Message, "System Log Service") && strings.Contains(e.Message, "Fan speed") {
				events = append(events, e)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return events, slices.Clone(logRequests)
	}
	if ev, reqs := scan(); len(ev) != 10000 || len(reqs) != 10 {
		t.Fatalf("first scan: %d events, %d requests", len(ev), len(reqs))
	}
	if ev, reqs := scan(); len(ev) != 0 || !slices.Equal(reqs, []string{path + "?$skip=9999"}) {
		t.Errorf("unchanged log: %d events, requests %v", len(ev), reqs)
	}
	mu.Lock()
	entries = append(entries, entry(10000, "10000"))
	mu.Unlock()
	if ev, reqs := scan(); len(ev) != 1 || len(reqs) != 1 || !strings.Contains(ev[0].Message, " 10000: ") {
		t.Errorf("one entry appended: %+v, requests %v", ev, reqs)
	}
	// Cleared, and two entries written since: the cursor's entry is not
	// where it was, so the log is read whole and the entries created
	// after the cursor's are the events.
	mu.Lock()
	entries = []any{entry(10001, "a"), entry(10002, "b")}
	mu.Unlock()
	if ev, reqs := scan(); len(ev) != 2 || len(reqs) != 2 {
		t.Errorf("cleared and refilled: %d events, requests %v", len(ev), reqs)
	}
}

// TestRedfishLogNewestFirst: public-rackmount1's system log served newest
// first, as some BMCs list their SEL (an edited copy of the collection's
// order): its entries are events once, in the order they were created,
// and an entry added at the front later is the one new event.
func TestRedfishLogNewestFirst(t *testing.T) {
	dir := mockup(t)
	const path = "/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries"
	entries := slices.Clone(resource(t, dir, path)["Members"].([]any))
	slices.Reverse(entries)
	var mu sync.Mutex
	url := serveEdited(t, dir, map[string]func(*http.Request) any{path: func(*http.Request) any {
		mu.Lock()
		defer mu.Unlock()
		return map[string]any{"Members": entries, "Members@odata.count": len(entries)}
	}})
	rf := &Redfish{Target: RedfishTarget{URL: url, User: rfmockup.User, Password: rfmockup.Password}}
	systemLog := func() []topology.Event {
		f, err := rf.Collect(t.Context(), Env{Root: "/"})
		if err != nil {
			t.Fatal(err)
		}
		var out []topology.Event
		for _, e := range f.Events {
			// The system log's entries; the BMC's log has one more.
			if strings.Contains(e.Message, "Temperature threshold exceeded") || strings.Contains(e.Message, "Fan 2") {
				out = append(out, e)
			}
		}
		return out
	}
	first := systemLog()
	if len(first) != 2 || !first[0].Time.Before(first[1].Time) {
		t.Fatalf("first scan: %+v", first)
	}
	if again := systemLog(); len(again) != 0 {
		t.Errorf("the log reported again: %+v", again)
	}
	mu.Lock()
	entries = append([]any{map[string]any{"@odata.id": path + "/3", "Id": "3", "Severity": "Warning",
		"Created": "2012-03-08T09:00:00Z", "Message": "Fan 2 below lower threshold"}}, entries...)
	mu.Unlock()
	if next := systemLog(); len(next) != 1 || !strings.Contains(next[0].Message, "Fan 2") {
		t.Errorf("after an entry was added at the front: %+v", next)
	}
}

// TestRedfishPartsInBackground: an agent's collector behind a slow BMC
// (public-tower, each answer delayed 20 ms) and a scan deadline shorter
// than a read of the parts: the scans answer within their deadline with
// the BMC's health and readings, the parts are read apart, and once read
// the scan shows them as a whole read does.
func TestRedfishPartsInBackground(t *testing.T) {
	dir := mockupNamed(t, "public-tower")
	url := rfmockup.Start(t, dir, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(20 * time.Millisecond)
			h.ServeHTTP(w, r)
		})
	})
	target := RedfishTarget{URL: url, User: rfmockup.User, Password: rfmockup.Password}
	whole := redfishScan(t, url, time.Minute) // the parts read within the scan: ~40 answers
	rf := &Redfish{Target: target, PartsMaxAge: time.Hour, Background: true}
	reg := &Registry{}
	reg.Register(rf)
	scan := func() *topology.Graph {
		ctx, cancel := context.WithTimeout(t.Context(), 600*time.Millisecond)
		defer cancel()
		g := reg.Scan(ctx, Env{Root: "/"}, nil)
		if st := status(g, "redfish"); st.State != "ok" || len(st.Problems) > 0 {
			t.Fatalf("redfish: %+v", st)
		}
		return g
	}
	drive := topology.RedfishID("/redfish/v1/Chassis/Tower/Drives/Disk-1-0")
	first := scan()
	if _, ok := first.Component(drive); ok {
		t.Error("the first scan waited for the parts")
	}
	if c, ok := first.Component(topology.PSUID(1)); !ok || c.Health.State != topology.StateDegraded {
		t.Errorf("the first scan lacks the BMC's readings: %+v", c)
	}
	rf.refresh.Wait()
	second := scan()
	whole.Events, first.Events, second.Events = nil, nil, nil
	if comparable(t, second) != comparable(t, whole) {
		t.Error("a scan with the parts read apart differs from a whole read")
	}
}

// sensorOf is c's sensor named name, empty when c has none.
func sensorOf(c *topology.Component, name string) topology.Sensor {
	s, _ := c.Sensor(name)
	return s
}

// reading is the value of c's sensor named name as a mockup's JSON holds
// a number (a float64), nil when there is none.
func reading(c *topology.Component, name string) any { return number(sensorOf(c, name).Value) }

// number is p as a mockup's JSON holds a number, nil for none.
func number(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
