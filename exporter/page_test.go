package exporter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/version"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// chromium runs headless Chromium on url with the given extra flags.
func chromium(t *testing.T, url string, flags ...string) string {
	t.Helper()
	bin := fixture.Tool(t, "chromium", "chromium")
	args := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--virtual-time-budget=10000"}, flags...)
	out, err := exec.Command(bin, append(args, url)...).Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", flags, err)
	}
	return string(out)
}

// httpGet answers a GET of path on srv: the status and the body.
func httpGet(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// bodyData reads the data-* attributes the page sets on <body>.
func bodyData(dom string) map[string]string {
	out := map[string]string{}
	if m := regexp.MustCompile(`<body([^>]*)>`).FindStringSubmatch(dom); m != nil {
		for _, a := range regexp.MustCompile(`data-([a-z-]+)="([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
			out[a[1]] = a[2]
		}
	}
	return out
}

// screenshotDir is where the browser tests leave their screenshots
// (README.md says so): $HWGRAPH_TEST_OUTPUT, else the temporary folder.
func screenshotDir() string {
	if dir := os.Getenv("HWGRAPH_TEST_OUTPUT"); dir != "" {
		return dir
	}
	return os.TempDir()
}

// TestTopologyPageInChromium: the page, in a real browser, draws every
// component of node_exporter's capture in the SVG DOM, and the NVMe
// drive's link — made to train at x2 of x4 in this copy, a fault — is
// drawn degraded with its training in the link's colour; no text
// overflows its box and no script error is raised. The time of the first
// draw (fetch to drawn, the Performance API's clock) is logged, and a
// screenshot kept.
func TestTopologyPageInChromium(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dev, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:01:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dev, "current_link_width"), []byte("2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: root}}}
	g := s.Scan(context.Background())
	srv := httptest.NewServer(Handler(s))
	defer srv.Close()

	dom := chromium(t, srv.URL+"/", "--dump-dom", "--window-size=1400,1000")
	ids := map[string]string{}
	for _, m := range regexp.MustCompile(`<g class="part[^"]*" data-id="([^"]+)" data-kind="[^"]*" data-state="([^"]*)"`).FindAllStringSubmatch(dom, -1) {
		ids[m[1]] = m[2]
	}
	if ids["host"] == "" || len(ids) != len(g.Components)+1 {
		t.Errorf("the page drew %d components, the graph has %d (+ host)", len(ids), len(g.Components))
	}
	for _, c := range g.Components {
		if ids[c.ID] == "" {
			t.Errorf("%s not drawn", c.ID)
		}
	}
	degraded := "pci:0000:00:02.1~pci:0000:01:00.0"
	if l, _ := g.Link(degraded); l == nil || l.Health.State != topology.StateDegraded {
		t.Fatalf("the capture's link %s: %+v", degraded, l)
	}
	if ids["pci:0000:01:00.0"] != "degraded" || !regexp.MustCompile(`fill="#e65100">link x2 [^<]*of x4`).MatchString(dom) {
		t.Errorf("the degraded link is not drawn as degraded")
	}
	data := bodyData(dom)
	if data["overflow"] != "0" || data["errors"] != "" || data["problems"] == "0" {
		t.Errorf("page state %v: want no overflowing text, no script error, problems listed", data)
	}
	t.Logf("first draw of %d parts: %s ms (fetch to drawn, in Chromium)", len(ids), data["draw-ms"])
	shot := filepath.Join(screenshotDir(), "hwgraph-topology.png")
	chromium(t, srv.URL+"/", "--screenshot="+shot, "--window-size=1600,1000", "--hide-scrollbars")
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}

// TestPageFirstDraw137: the page's first draw of the 137-function
// capture, measured in Chromium and logged (a number for the README, not
// a timed assertion).
func TestPageFirstDraw137(t *testing.T) {
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")}}}
	g := s.Scan(context.Background())
	srv := httptest.NewServer(Handler(s))
	defer srv.Close()
	data := bodyData(chromium(t, srv.URL+"/", "--dump-dom", "--window-size=1400,1000"))
	if data["drawn"] != strconv.Itoa(len(g.Components)+1) || data["overflow"] != "0" || data["errors"] != "" {
		t.Errorf("page state %v, want %d parts drawn, none overflowing, no error", data, len(g.Components)+1)
	}
	t.Logf("first draw of the 137-function capture (%s parts): %s ms", data["drawn"], data["draw-ms"])
}

// TestFleetPageInChromium: hwgraph cluster serve's page over 1,000 hosts
// (procfs' capture gathered a thousand times, one host unreachable, zones
// from Prometheus' target labels): a tile per host, the counts on top,
// grouped by zone; a click opens one host's drawing. Load and draw times
// merged is a fleet of agents' results merged by hand, as cluster.Fleet
// merges what it fetched.
type merged []cluster.Result

func (m merged) Make(context.Context, *topology.Graph) (*topology.Graph, error) {
	return cluster.Merge(m), nil
}
func (merged) Judged() {}

// are logged.
func TestFleetPageInChromium(t *testing.T) {
	one := collectors.New(collectors.Options{}).Scan(context.Background(), collectors.Env{Root: fixture.Root(t, "procfs/fixtures.tar.gz")}, nil)
	results := make([]cluster.Result, 1000)
	for i := range results {
		results[i] = cluster.Result{Target: cluster.Target{Name: fmt.Sprintf("node%04d:9877", i), URL: "http://x",
			Labels: map[string]string{"zone": fmt.Sprintf("zone-%c", 'a'+i%4)}}, Graph: one}
	}
	results[7] = cluster.Result{Target: cluster.Target{Name: "node0007:9877", Labels: map[string]string{"zone": "zone-d"}}, Err: fmt.Errorf("connection refused")}
	e := &scan.Engine{Source: merged(results), Timeout: time.Minute}
	e.Scan(context.Background())
	srv := httptest.NewServer(Handler(e))
	defer srv.Close()
	dom := chromium(t, srv.URL+"/", "--dump-dom", "--window-size=1400,1000")
	data := bodyData(dom)
	tiles := strings.Count(dom, `<div class="tile state-`)
	if tiles != 1000 || data["drawn"] != "1000" || data["errors"] != "" {
		t.Errorf("%d tiles, page state %v", tiles, data)
	}
	if !strings.Contains(dom, "999 failed, 1 unreachable") || !strings.Contains(dom, `<div class="tile state-unreachable" data-id="host:node0007:9877"`) {
		t.Errorf("counts or the unreachable host missing: %s", regexp.MustCompile(`<span id="summary">[^<]*`).FindString(dom))
	}
	if !strings.Contains(dom, `<option value="zone">zone</option>`) {
		t.Error("no zone to group by")
	}
	t.Logf("fleet of 1,000 hosts: loaded and drawn in %s ms (Chromium)", data["draw-ms"])
	shot := filepath.Join(screenshotDir(), "hwgraph-fleet.png")
	chromium(t, srv.URL+"/", "--screenshot="+shot, "--window-size=1600,1000", "--hide-scrollbars")
	// One host's drawing, as a tile's click opens it.
	code, b := httpGet(t, srv, "/api/v1/svg?root="+url.QueryEscape("host:node0003:9877"))
	if code != 200 || !strings.Contains(b, `data-id="node0003:9877/nvme-subsys:nvme-subsys0" data-kind="nvme-subsystem" data-state="degraded"`) {
		t.Errorf("host drawing: %d\n%.500s", code, b)
	}
}

// TestAPI: /api/v1/graph is the JSON document, /healthz answers once a
// scan finished, /metrics carries the families.
func TestAPI(t *testing.T) {
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, "procfs/fixtures.tar.gz")}}}
	srv := httptest.NewServer(Handler(s))
	defer srv.Close()
	get := func(path string) (int, string) { return httpGet(t, srv, path) }
	if code, _ := get("/healthz"); code != 503 {
		t.Errorf("healthz before the first scan: %d", code)
	}
	s.Scan(context.Background())
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	code, body := get("/api/v1/graph")
	g, err := topology.ReadJSON(strings.NewReader(body))
	if code != 200 || err != nil {
		t.Fatalf("graph: %d %v", code, err)
	}
	if _, ok := g.Component("pci:0000:a2:00.0"); !ok {
		t.Error("the E810 is not in the served graph")
	}
	if code, body := get("/api/v1/events"); code != 200 || body != "[]\n" {
		t.Errorf("events: %d %q", code, body)
	}
	if _, body := get("/metrics"); !strings.Contains(body, `hwgraph_component_info{device="enp3s0f0",id="pci:0000:a2:00.0",kind="nic"`) ||
		!strings.Contains(body, `hwgraph_build_info{`) {
		t.Errorf("metrics lack the E810 or build_info")
	}
	// The capture's thermal_throttle counts (node_exporter reads the same
	// tree's as node_cpu_*_throttles_total).
	if _, body := get("/metrics"); !strings.Contains(body, `hwgraph_cpu_throttles_total{id="package:0",type="package"} 34818`) ||
		!strings.Contains(body, `hwgraph_cpu_throttles_total{id="package:0",type="core"} 10607`) {
		t.Errorf("metrics lack the package's throttle counts")
	}
	// The SAS shelf's disk behind expander-11:0 (ioerr_cnt 0x192).
	if _, body := get("/metrics"); !strings.Contains(body, `hwgraph_disk_io_errors_total{id="disk:naa.5000cca26128b1f4",type="error"} 402`) {
		t.Errorf("metrics lack the disk's I/O error count")
	}
}

// TestBuildInfo: hwgraph_build_info carries node_exporter's labels, and
// /api/v1/status/buildinfo answers what the command stamped, as
// Prometheus' endpoint of that name does.
func TestBuildInfo(t *testing.T) {
	saved := version.Version
	version.Version = "9.8.7"
	t.Cleanup(func() { version.Version = saved })
	srv := httptest.NewServer(Handler(&scan.Engine{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	bi := mfs["hwgraph_build_info"]
	if bi == nil || len(bi.Metric) != 1 {
		t.Fatalf("hwgraph_build_info: %v", bi)
	}
	labels := map[string]string{}
	for _, l := range bi.Metric[0].Label {
		labels[l.GetName()] = l.GetValue()
	}
	want := map[string]string{"version": "9.8.7", "revision": version.GetRevision(), "branch": version.Branch,
		"goversion": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH, "tags": version.GetTags()}
	if !maps.Equal(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	resp, err = srv.Client().Get(srv.URL + "/api/v1/status/buildinfo")
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if info["version"] != "9.8.7" || info["goVersion"] != runtime.Version() {
		t.Errorf("buildinfo %v", info)
	}
}

// TestEventsAPIPages: /api/v1/events answers at most its limit (500 by
// default), newest first, with a Link to the next page; a bad since or
// limit is a 400, not every event or none.
func TestEventsAPIPages(t *testing.T) {
	st, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	var es []topology.Event
	for i := range 1200 {
		es = append(es, topology.Event{Time: now.Add(time.Duration(i-1200) * time.Second), Kind: "errors", Component: "dimm:A1", Message: strconv.Itoa(i)})
	}
	if err := st.Journal.Append(es...); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(&scan.Engine{Store: st}))
	defer srv.Close()
	get := func(path string) (*http.Response, []topology.Event) {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got []topology.Event
		json.NewDecoder(resp.Body).Decode(&got)
		return resp, got
	}
	path, total, pages := "/api/v1/events", 0, 0
	for path != "" {
		resp, got := get(path)
		if resp.StatusCode != 200 || len(got) > 500 || len(got) == 0 {
			t.Fatalf("%s: %d, %d events", path, resp.StatusCode, len(got))
		}
		if pages == 0 && got[0].Message != "1199" {
			t.Errorf("the first event is %s, not the newest", got[0].Message)
		}
		total, pages = total+len(got), pages+1
		path = ""
		if link := resp.Header.Get("Link"); link != "" {
			path = strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">")
		}
	}
	if total != 1200 || pages != 3 {
		t.Errorf("%d events in %d pages", total, pages)
	}
	if _, got := get("/api/v1/events?since=30s&limit=10"); len(got) != 10 || got[9].Message != "1190" {
		t.Errorf("since=30s&limit=10: %d events", len(got))
	}
	if _, got := get("/api/v1/events?since=1969-12-31T23:59:59Z&limit=5000"); len(got) != 1200 {
		t.Errorf("since a time before 1970: %d events, want all 1200", len(got))
	}
	for _, bad := range []string{"since=garbage", "since=-1h", "limit=0", "limit=5001", "limit=x", "cursor=zz", "cursor=00"} {
		if resp, _ := get("/api/v1/events?" + bad); resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
	}
}

// TestHandlerOptions: --web.telemetry-path moves the metrics, and
// --web.disable-exporter-metrics leaves out the agent's go_* and
// process_* series but keeps the graph's.
func TestHandlerOptions(t *testing.T) {
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, "procfs/fixtures.tar.gz")}}}
	s.Scan(t.Context())
	for _, tc := range []struct {
		opts               Options
		path, gone         string
		goMetrics, goneNum int
	}{
		{Options{}, "/metrics", "/hwgraph-metrics", 1, 404},
		{Options{TelemetryPath: "/hwgraph-metrics", DisableExporterMetrics: true}, "/hwgraph-metrics", "/metrics", 0, 404},
	} {
		srv := httptest.NewServer(HandlerFor(s, tc.opts))
		get := func(path string) (int, string) { return httpGet(t, srv, path) }
		code, body := get(tc.path)
		if code != 200 || !strings.Contains(body, `hwgraph_component_info{`) {
			t.Errorf("%+v: %s answers %d without the graph", tc.opts, tc.path, code)
		}
		if got := strings.Count(body, "\ngo_goroutines "); got != tc.goMetrics {
			t.Errorf("%+v: go_goroutines %d times, want %d", tc.opts, got, tc.goMetrics)
		}
		if code, _ := get(tc.gone); code != tc.goneNum {
			t.Errorf("%+v: %s answers %d, want %d", tc.opts, tc.gone, code, tc.goneNum)
		}
		srv.Close()
	}
}
