package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/condition"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/scan"
)

// TestCheckConditions: node-problem-detector's custom-plugin protocol on
// real captures: node_exporter's tree, whose EDAC counts uncorrected
// errors and whose NVMe subsystem has a dead path, answers 1 for memory
// and storage with the part and reason on one line, 0 for the rest; the
// healthy hwloc captures answer 0 for every condition; a root that cannot
// be read answers 2, saying why.
func TestCheckConditions(t *testing.T) {
	faulty := fixture.Root(t, "node_exporter/sys.tar.gz")
	for _, tc := range []struct {
		root, condition string
		code            int
		line            string
	}{
		{faulty, "memory", 1, "dimm:MC0CSROW0CHANNEL0: failed, 2 uncorrected ECC errors (and 3 more)"},
		{faulty, "storage", 1, "nvme-subsys:nvme-subsys0: degraded, 1 of 4 paths dead"},
		{faulty, "pcie", 0, "ok"},
		{faulty, "gpu", 0, "ok"},
		{faulty, "i2c", 0, "ok"},
		{faulty, "bmc", 0, "ok"},
		{"/nonexistent", "memory", 2, "unknown: "},
	} {
		code, out, errs := hwgraph(t, "check", "--condition", tc.condition, "--agent", "", "--root", tc.root, "--state-dir", "")
		if code != tc.code || !strings.HasPrefix(out, tc.line) || strings.Count(out, "\n") != 1 {
			t.Errorf("%s %s: exit %d %q, want %d %q (stderr %s)", tc.root, tc.condition, code, out, tc.code, tc.line, errs)
		}
	}
	for _, capture := range []string{"hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2", "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2", "ghw/linux-amd64-accel-nvidia.tar.gz"} {
		root := fixture.Root(t, capture)
		for _, cond := range condition.Names() {
			if code, out, errs := hwgraph(t, "check", "--condition", cond, "--agent", "", "--root", root, "--state-dir", ""); code != 0 || out != "ok\n" {
				t.Errorf("%s %s on a healthy machine: exit %d %q (%s)", capture, cond, code, out, errs)
			}
		}
	}
}

// TestCheckAsksTheAgent: with an agent serving node_exporter's capture,
// check answers from its graph (no scan: the root it is given cannot be
// read) and says so on stderr; an agent that is not there makes it scan.
func TestCheckAsksTheAgent(t *testing.T) {
	e := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, "node_exporter/sys.tar.gz")}}}
	e.Scan(t.Context())
	srv := httptest.NewServer(exporter.Handler(e))
	defer srv.Close()
	code, out, errs := hwgraph(t, "check", "--condition", "memory", "--agent", srv.URL, "--root", "/nonexistent", "--state-dir", "")
	if code != 1 || !strings.HasPrefix(out, "dimm:MC0CSROW0CHANNEL0: failed") || !strings.Contains(errs, "asked the agent at "+srv.URL) {
		t.Errorf("from the agent: exit %d %q %q", code, out, errs)
	}
	srv.Close()
	if code, _, errs := hwgraph(t, "check", "--condition", "memory", "--agent", srv.URL, "--agent.timeout", "1s", "--root", "/nonexistent", "--state-dir", ""); code != 2 || !strings.Contains(errs, "no answer from the agent") {
		t.Errorf("no agent, no readable root: exit %d %q", code, errs)
	}
}

// npdConfig is node-problem-detector's custom-plugin-monitor
// configuration, as its docs (docs/custom_plugin_monitor.md) define it.
type npdConfig struct {
	Plugin       string `json:"plugin"`
	PluginConfig struct {
		InvokeInterval                          string `json:"invoke_interval"`
		Timeout                                 string `json:"timeout"`
		MaxOutputLength                         int    `json:"max_output_length"`
		Concurrency                             int    `json:"concurrency"`
		EnableMessageChangeBasedConditionUpdate bool   `json:"enable_message_change_based_condition_update"`
	} `json:"pluginConfig"`
	Source           string `json:"source"`
	MetricsReporting bool   `json:"metricsReporting"`
	Conditions       []struct {
		Type, Reason, Message string
	} `json:"conditions"`
	Rules []struct {
		Type      string   `json:"type"`
		Condition string   `json:"condition"`
		Reason    string   `json:"reason"`
		Path      string   `json:"path"`
		Args      []string `json:"args"`
		Timeout   string   `json:"timeout"`
	} `json:"rules"`
}

// TestNPDPluginConfig: deploy/node-problem-detector/hwgraph-plugin.json
// decodes strictly as a custom-plugin-monitor configuration; it has one
// permanent rule for each of its six condition types, each running a
// condition of `hwgraph check`; and each rule, run as NPD runs it (its
// args, on node_exporter's capture), answers as the condition's parts
// are, in no more than max_output_length bytes.
func TestNPDPluginConfig(t *testing.T) {
	b, err := os.ReadFile("../../deploy/node-problem-detector/hwgraph-plugin.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg npdConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	var want []string // the condition types, as the agent sets them too
	for _, c := range condition.All {
		want = append(want, c.Type)
	}
	if cfg.Plugin != "custom" || len(cfg.Conditions) != len(want) || len(cfg.Rules) != len(want) {
		t.Fatalf("config: %+v", cfg)
	}
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	problems := map[string]bool{"HardwareMemoryProblem": true, "StorageProblem": true}
	for i, r := range cfg.Rules {
		if r.Type != "permanent" || r.Condition != want[i] || cfg.Conditions[i].Type != want[i] || r.Path != "/usr/bin/hwgraph" || r.Args[0] != "check" {
			t.Errorf("rule %d: %+v", i, r)
			continue
		}
		cond, ok := strings.CutPrefix(r.Args[1], "--condition=")
		if c, known := condition.Named(cond); !ok || !known || c.Type != r.Condition || c.Failing != r.Reason || c.Healthy != cfg.Conditions[i].Reason {
			t.Errorf("rule %s runs %v: not a condition of hwgraph check", r.Condition, r.Args)
		}
		code, out, errs := hwgraph(t, append(slices.Clone(r.Args), "--agent", "", "--root", root, "--state-dir", "")...)
		if (code == 1) != problems[r.Condition] || code == 2 || len(out) > cfg.PluginConfig.MaxOutputLength {
			t.Errorf("%s on node_exporter's capture: exit %d %q (%s)", r.Condition, code, out, errs)
		}
	}
}
