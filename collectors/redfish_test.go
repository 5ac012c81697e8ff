package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/fixture"
	"github.com/hwgraph/hwgraph/internal/rfmockup"
	"github.com/hwgraph/hwgraph/topology"
)

// mockup unpacks DMTF's public-rackmount1 mockup; the folder of
// /redfish/v1's index.json.
func mockup(t *testing.T) string {
	t.Helper()
	root := fixture.Unpack(t, "redfish/public-rackmount1.tar.gz")
	dir := filepath.Join(root, "public-rackmount1")
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
// its Warning health, every temperature and fan reading, and the
// firmware inventory, each equal to the mockup's JSON.
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
	psus := resource(t, dir, "/redfish/v1/Chassis/1U/Power")["PowerSupplies"].([]any)
	p0 := psus[0].(map[string]any)
	psu, ok := g.Component("psu:1")
	if !ok || psu.Serial != p0["SerialNumber"] || psu.Firmware != p0["FirmwareVersion"] || psu.Attrs["sensor:Output"] != p0["LastPowerOutputWatts"] ||
		psu.Health.State != topology.StateDegraded || psu.Health.Reasons[0] != "Redfish: Health Warning" {
		t.Errorf("psu:1 %+v, mockup %v", psu, p0)
	}
	th := resource(t, dir, "/redfish/v1/Chassis/1U/Thermal")
	sensors := 0
	for _, x := range append(th["Temperatures"].([]any), th["Fans"].([]any)...) {
		s := x.(map[string]any)
		v, ok := s["ReadingCelsius"]
		if !ok {
			v = s["Reading"]
		}
		if v == nil {
			continue
		}
		sensors++
		if got := g.Host.Attrs["sensor:"+s["Name"].(string)]; got != v {
			t.Errorf("sensor %s: %v, mockup %v", s["Name"], got, v)
		}
	}
	// Firmware on the part its RelatedItem names: the BIOS on the host,
	// the BMC's on the BMC, the storage controller's (a part hwgraph does
	// not read from Redfish) on the BMC that reported it.
	fw := resource(t, dir, "/redfish/v1/UpdateService/FirmwareInventory")
	for _, m := range fw["Members"].([]any) {
		f := resource(t, dir, m.(map[string]any)["@odata.id"].(string))
		on := b
		if rel, _ := f["RelatedItem"].([]any); len(rel) > 0 && rel[0].(map[string]any)["@odata.id"] == "/redfish/v1/Systems/437XR1138R2" {
			on = g.Host
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

// TestRedfishLogEvents: the mockup's system log becomes events on the BMC
// once, with the BMC's severity; the cursor, kept in a state folder,
// survives a new agent; an entry appended later (injected into a copy of
// the mockup's answer) is the one new event.
func TestRedfishLogEvents(t *testing.T) {
	dir := mockup(t)
	entries := resource(t, dir, "/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries")["Members"].([]any)
	appended := false
	url := rfmockup.Start(t, dir, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !appended || r.URL.Path != "/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries" {
				h.ServeHTTP(w, r)
				return
			}
			more := append(append([]any{}, entries...), map[string]any{"@odata.id": "/redfish/v1/Systems/437XR1138R2/LogServices/Log1/Entries/3",
				"Id": "3", "Severity": "Warning", "Created": "2012-03-08T09:00:00Z", "Message": "Fan 2 below lower threshold", "MessageId": "0x1234"})
			json.NewEncoder(w).Encode(map[string]any{"Members": more, "Members@odata.count": len(more)})
		})
	})
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
	first := scan()
	if len(first) != len(entries) {
		t.Fatalf("%d events for %d entries: %+v", len(first), len(entries), first)
	}
	e0 := entries[0].(map[string]any)
	if first[0].Component != topology.BMCID || first[0].Severity != topology.SeverityCritical || !strings.Contains(first[0].Message, e0["Message"].(string)) ||
		first[0].Time.Format(time.RFC3339) != e0["Created"] {
		t.Errorf("first event %+v, entry %v", first[0], e0)
	}
	if again := scan(); len(again) != 0 {
		t.Errorf("a new agent reported the log again: %+v", again)
	}
	appended = true
	if next := scan(); len(next) != 1 || next[0].Severity != topology.SeverityWarning || !strings.Contains(next[0].Message, "Fan 2 below lower threshold") {
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
		if err != nil || len(f.Events) != 10000 {
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
