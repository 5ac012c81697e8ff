package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/hwgraph/hwgraph/internal/testkit/bmcsim"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/promtest"
	"github.com/hwgraph/hwgraph/internal/testkit/rfmockup"
	"github.com/hwgraph/hwgraph/topology"
)

// allow is the allow list of a module's targets.
func allow(t *testing.T, patterns ...string) allowList {
	t.Helper()
	l, err := parseAllowList(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func get(t *testing.T, h http.Handler, url string, header ...string) (int, string) {
	t.Helper()
	r := httptest.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// TestProbeRefuses: a probe without a target, with credentials in its
// URL, of an unknown module, or with probing off is refused and says why.
func TestProbeRefuses(t *testing.T) {
	cfg := &Config{Modules: map[string]Module{"default": {User: "admin", Password: "x", Timeout: model.Duration(time.Second), allowed: allow(t, "10.0.0.0/24")}}}
	h := NewHandler(cfg, 1, nil)
	h.read = func(context.Context, string, Module) *topology.Graph { t.Fatal("read"); return nil }
	for _, tc := range []struct {
		url  string
		code int
		msg  string
	}{
		{"/probe", 400, "target parameter is missing"},
		{"/probe?target=10.0.0.1&password=calvin", 400, "credentials belong in the --bmc.config.file"},
		{"/probe?target=10.0.0.1&user=root", 400, "credentials belong"},
		{"/probe?target=10.0.0.1&module=lab", 400, `unknown module "lab"`},
		{"/probe?target=http://10.0.0.1/", 400, "want HOST or HOST:PORT"},
		{"/probe?target=10.0.0.1:99999", 400, "bad port"},
		{"/probe?target=10.0.1.1", 403, `not among module "default"'s targets: add it to the module's targets: in --bmc.config.file`},
	} {
		if code, body := get(t, h, tc.url); code != tc.code || !strings.Contains(body, tc.msg) {
			t.Errorf("%s: %d %q, want %d %q", tc.url, code, body, tc.code, tc.msg)
		}
	}
	if code, body := get(t, NewHandler(nil, 1, nil), "/probe?target=10.0.0.1"); code != 503 || !strings.Contains(body, "--bmc.config.file") {
		t.Errorf("probing off: %d %q", code, body)
	}
}

// TestFaultProbeSlotsAndDeadline: with one slot, a probe that finds it
// taken by a hung one gives up at its deadline (Prometheus' scrape
// timeout, less half a second) with 503; the hung probe itself ends at
// its deadline and answers hwgraph_probe_success 0.
func TestFaultProbeSlotsAndDeadline(t *testing.T) {
	cfg := &Config{Modules: map[string]Module{"default": {User: "admin", Password: "x", Timeout: model.Duration(time.Minute), allowed: allow(t, "10.0.0.0/8")}}}
	h := NewHandler(cfg, 1, nil)
	started := make(chan struct{})
	h.read = func(ctx context.Context, _ string, _ Module) *topology.Graph {
		close(started)
		<-ctx.Done() // a BMC that never answers
		return &topology.Graph{Host: &topology.Component{ID: topology.HostID, Kind: topology.KindHost},
			Collectors: []topology.CollectorStatus{{Name: "bmc", State: "timeout"}}}
	}
	hung := make(chan string)
	go func() {
		_, body := get(t, h, "/probe?target=10.0.0.1", "X-Prometheus-Scrape-Timeout-Seconds", "1.5")
		hung <- body
	}()
	<-started
	if code, body := get(t, h, "/probe?target=10.0.0.2", "X-Prometheus-Scrape-Timeout-Seconds", "1"); code != 503 || !strings.Contains(body, "no probe slot free") {
		t.Errorf("second probe: %d %q", code, body)
	}
	if body := <-hung; !strings.Contains(body, "hwgraph_probe_success 0") || !strings.Contains(body, `hwgraph_collector_success{collector="bmc"} 0`) {
		t.Errorf("hung probe answered:\n%s", body)
	}
}

// TestProbeWithPrometheus: a real Prometheus probes go-ipmi's reference
// BMC, OpenIPMI's ipmi_sim and DMTF's Redfish mockup (a redfish module)
// through hwgraph's /probe, with the relabelling README.md gives; each
// answers as that BMC (the reference BMC's firmware 2.47 from Dell;
// ipmi_sim's Inlet Temp at 35 °C; the mockup's BMC firmware and its PSU's
// Warning), and a probe of a port where no BMC listens is
// hwgraph_probe_success 0.
func TestProbeWithPrometheus(t *testing.T) {
	goipmi := bmcsim.StartGoIPMI(t)
	sim := bmcsim.StartIPMISim(t, nil)
	dead := fmt.Sprintf("127.0.0.1:%d", bmcsim.FreeUDPPort(t))
	dir := t.TempDir()
	pass := filepath.Join(dir, "password")
	if err := os.WriteFile(pass, []byte(bmcsim.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "bmc.yml")
	cfg := fmt.Sprintf("modules:\n  default:\n    user: admin\n    password_file: %s\n    timeout: 5s\n    targets: [127.0.0.0/8]\n  ipmi_sim:\n    user: admin\n    password_file: %s\n    cipher_suite: 3\n    skip_chassis: true\n    timeout: 5s\n    targets: [127.0.0.1]\n", pass, pass)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(c, 4, nil))
	defer srv.Close()
	hw := strings.TrimPrefix(srv.URL, "http://")
	job := func(name, module string, targets ...string) string {
		return fmt.Sprintf(`  - job_name: %s
    metrics_path: /probe
    scrape_timeout: 900ms
    params: {module: [%s]}
    static_configs:
      - targets: ["%s"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: %s
`, name, module, strings.Join(targets, `", "`), hw)
	}
	// DMTF's Redfish mockup, probed with a Redfish module.
	rf := strings.TrimPrefix(rfmockup.Start(t, filepath.Join(fixture.Unpack(t, "redfish/public-rackmount1.tar.gz"), "public-rackmount1"), nil), "http://")
	rfPass := filepath.Join(dir, "redfish-password")
	if err := os.WriteFile(rfPass, []byte(rfmockup.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg += fmt.Sprintf("  redfish_lab:\n    protocol: redfish+http\n    user: %s\n    password_file: %s\n    timeout: 5s\n    targets: [%q]\n", rfmockup.User, rfPass, rf)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = LoadConfig(cfgFile); err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = NewHandler(c, 4, nil)
	prom := promtest.StartConfig(t, job("bmc", "default", goipmi, dead)+job("bmc-sim", "ipmi_sim", sim.Addr)+job("bmc-redfish", "redfish_lab", rf), 4, 2)
	for _, tc := range []struct {
		query string
		want  int
	}{
		{fmt.Sprintf(`hwgraph_probe_success{instance=%q} == 1`, goipmi), 1},
		{fmt.Sprintf(`hwgraph_component_info{instance=%q,id="bmc:0",firmware="2.47",vendor="Dell"}`, goipmi), 1},
		{fmt.Sprintf(`hwgraph_probe_success{instance=%q} == 1`, sim.Addr), 1},
		{fmt.Sprintf(`hwgraph_sensor_temperature_celsius{instance=%q,sensor="Inlet Temp"} == 35`, sim.Addr), 1},
		{fmt.Sprintf(`hwgraph_probe_success{instance=%q} == 0`, dead), 1},
		{fmt.Sprintf(`up{instance=%q} == 1`, dead), 1}, // the probe answered; the BMC did not
		{fmt.Sprintf(`hwgraph_probe_success{instance=%q} == 1`, rf), 1},
		{fmt.Sprintf(`hwgraph_component_info{instance=%q,id="bmc:0",firmware="1.45.455b66-rev4"}`, rf), 1},
		{fmt.Sprintf(`hwgraph_component_state{instance=%q,id="psu:1",state="degraded"} == 1`, rf), 1},
	} {
		n, err := prom.Query(tc.query)
		if err != nil || n != tc.want {
			t.Errorf("%s: %d series (%v), want %d", tc.query, n, err, tc.want)
		}
	}
	// The password is in no answer and no URL Prometheus knows.
	resp, err := http.Get(prom.URL() + "/api/v1/targets")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(b), bmcsim.Password) {
		t.Error("Prometheus' targets hold the BMC password")
	}
}
