package dashboards

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/promtest"
	"github.com/hwgraph/hwgraph/scan"
)

// captures are the real machines the dashboards are checked against.
var captures = []string{
	"node_exporter/sys.tar.gz",
	"procfs/fixtures.tar.gz",
	"hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2",
	"hwloc/40intel64-2g2n4c+pcilocality.tar.bz2",
}

// mayBeEmpty documents the queries that need hardware or history some
// capture lacks: an empty result there is right, not a broken query.
var mayBeEmpty = map[string]string{
	`state!="ok"} == 1`: "lists only unhealthy components; empty while all are healthy",
	`hwgraph_link_degraded{job=~"$job",instance=~"$instance"} == 1 or`: "lists only degraded or down links",
	`kind="pcie"}`:              "needs PCIe link training attributes (old captures lack them)",
	`hwgraph_link_errors_total`: "needs AER or NVLink counters",
	`kind="dimm"}`:              "needs EDAC DIMMs",
	`kind!="dimm"}`:             "needs EDAC controllers or GPUs",
	`kind=~"gpu|nvswitch"`:      "needs NVIDIA GPUs read through NVML",
	`kind="nvlink"`:             "needs NVIDIA GPUs with NVLink",
	`hwgraph_sensor_`:           "needs a BMC or hwmon chips",
	`hwgraph_i2c_bus_locked`:    "needs an I2C allow-list (--i2c-read) on a live machine",
	`hwgraph_events_total`:      "needs events; a fresh capture's first scans have none",
	`hwgraph_memory_errors_total{job=~"$job",instance=~"$instance"}[24h]`: "needs memory error counters",
	`state=~"failed|missing"`: "counts failed or missing components; empty sum on healthy captures is still a value",
}

// neverInCaptures are the queries no capture can answer.
// The NVMe health log is read from the device (root) on a live machine;
// no capture in testdata recorded one. No capture has an idle GPU trained
// below its speed (hwgraph_link_power_managed).
var neverInCaptures = []string{"kind=~\"gpu|nvswitch\"", "kind=\"nvlink\"", "hwgraph_sensor_value", "hwgraph_gpu_xid", "hwgraph_i2c_bus_locked", "hwgraph_events_total",
	"hwgraph_nvme_", "hwgraph_link_power_managed"}

type target struct {
	capture, instance string
	metrics           string
}

// serveCaptures runs hwgraph's exporter over each capture on loopback.
func serveCaptures(t *testing.T) []target {
	var out []target
	for _, c := range captures {
		st, err := history.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, c)}}, Store: st}
		s.Scan(context.Background())
		srv := httptest.NewServer(exporter.Handler(s))
		t.Cleanup(srv.Close)
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, target{capture: c, instance: strings.TrimPrefix(srv.URL, "http://"), metrics: string(body)})
	}
	return out
}

// TestMetricsPassPromtool: promtool check metrics on every capture.
func TestMetricsPassPromtool(t *testing.T) {
	promtool := fixture.Tool(t, "promtool", "prometheus")
	for _, tg := range serveCaptures(t) {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(tg.metrics)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: promtool check metrics: %v\n%s", tg.capture, err, out)
		}
		if !strings.Contains(tg.metrics, "hwgraph_component_info{") || !strings.Contains(tg.metrics, "hwgraph_collector_success{") {
			t.Errorf("%s: metrics lack the component or collector families", tg.capture)
		}
	}
}

// TestAlertRules: promtool check rules and promtool test rules.
func TestAlertRules(t *testing.T) {
	promtool := fixture.Tool(t, "promtool", "prometheus")
	for _, args := range [][]string{{"check", "rules", "alerts.yml", "rules.yml"}, {"test", "rules", "alerts_test.yml"}} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// ruleFile is the part of a Prometheus rule file the tests read.
type ruleFile struct {
	Groups []struct {
		Name  string
		Rules []struct {
			Alert, Record, Expr, For string
			Annotations              map[string]string
		}
	}
}

func readRules(t *testing.T, name string) ruleFile {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// ruleExprs are the expressions of alerts.yml and rules.yml.
func ruleExprs(t *testing.T) []string {
	var out []string
	for _, name := range []string{"alerts.yml", "rules.yml"} {
		for _, g := range readRules(t, name).Groups {
			for _, r := range g.Rules {
				out = append(out, strings.TrimSpace(r.Expr))
			}
		}
	}
	return out
}

var metricName = regexp.MustCompile(`hwgraph_[a-z0-9_]+`)

// dashboardQueries are every PromQL expression of the dashboards.
func dashboardQueries(t *testing.T) map[string]string {
	out := map[string]string{}
	for _, name := range []string{"host.json", "fleet.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Title   string
				Targets []struct{ Expr string }
			}
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				out[tg.Expr] = name + ": " + p.Title
			}
		}
	}
	return out
}

// TestQueriesAgainstPrometheus: a real Prometheus scrapes hwgraph serving
// each capture; every dashboard and rule expression parses, and returns
// data for each capture unless documented in mayBeEmpty.
func TestQueriesAgainstPrometheus(t *testing.T) {
	targets := serveCaptures(t)
	var addrs []string
	for _, tg := range targets {
		addrs = append(addrs, tg.instance)
	}
	// A few scrapes of every target, so rate() has two samples.
	query := promtest.Start(t, addrs, 4).Query
	// Alert conditions are empty on healthy machines: they must run, and
	// every metric they watch must be there for some capture.
	for _, q := range ruleExprs(t) {
		if _, err := query(q); err != nil {
			t.Errorf("alerts.yml: %q does not run: %v", q, err)
		}
		for _, m := range metricName.FindAllString(q, -1) {
			if n, err := query("count(" + m + ")"); (err != nil || n == 0) && !never(m) {
				t.Errorf("alerts.yml: %q watches %s, which no capture has", q, m)
			}
		}
	}
	for q, where := range dashboardQueries(t) {
		answered := 0
		for _, tg := range targets {
			sub := strings.NewReplacer(`$instance`, tg.instance, `$host`, ".*", `$job`, "hwgraph").Replace(q)
			n, err := query(sub)
			if err != nil {
				t.Errorf("%s: %q does not run: %v", where, q, err)
				break
			}
			if n > 0 {
				answered++
				continue
			}
			if reason := emptyReason(q); reason != "" {
				t.Logf("%s on %s: empty (%s)", where, tg.capture, reason)
				continue
			}
			t.Errorf("%s: %q returns nothing for %s", where, q, tg.capture)
		}
		if answered == 0 && !never(q) {
			t.Errorf("%s: %q returns nothing for any capture", where, q)
		}
	}
}

func emptyReason(q string) string {
	for k, why := range mayBeEmpty {
		if strings.Contains(q, k) {
			return why
		}
	}
	return ""
}

func never(q string) bool {
	for _, k := range neverInCaptures {
		if strings.Contains(q, k) {
			return true
		}
	}
	return false
}
