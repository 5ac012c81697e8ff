package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestCollectorFlags: node_exporter's --collector.NAME and
// --no-collector.NAME, with and without --collectors and
// --collector.disable-defaults, choose the collectors that run.
func TestCollectorFlags(t *testing.T) {
	root := fixture.Root(t, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--collectors", "pcie,numa"}, "numa,pcie"},
		{[]string{"--collectors", "pcie,numa", "--no-collector.numa"}, "pcie"},
		{[]string{"--collectors", "pcie", "--collector.smbios"}, "pcie,smbios"},
		{[]string{"--collector.disable-defaults", "--collector.numa"}, "numa"},
		{[]string{"--no-collector.pcie", "--no-collector.numa", "--no-collector.disk"}, strings.Join(slices.DeleteFunc(collectors.Names(),
			func(n string) bool { return n == "pcie" || n == "numa" || n == "disk" }), ",")},
	} {
		code, out, errs := hwgraph(t, append([]string{"--root", root, "--format", "json", "--state-dir", ""}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errs)
		}
		var g struct{ Collectors []struct{ Name string } }
		if err := json.Unmarshal([]byte(out), &g); err != nil {
			t.Fatal(err)
		}
		var ran []string
		for _, c := range g.Collectors {
			ran = append(ran, c.Name)
		}
		slices.Sort(ran)
		if got := strings.Join(ran, ","); got != tc.want {
			t.Errorf("%v ran %s, want %s", tc.args, got, tc.want)
		}
	}
	if code, _, errs := hwgraph(t, "--root", root, "--collector.disable-defaults"); code != 2 || !strings.Contains(errs, "no collector named") {
		t.Errorf("no collector left: exit %d, %q", code, errs)
	}
}

// TestHelp: every command's --help lists its flags with two dashes, on
// stdout, and exits 0, as node_exporter's does.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		flags []string
	}{
		{[]string{"--help"}, []string{"--root=", "--format=", "--[no-]collector.pcie", "--[no-]collector.disable-defaults", "--[no-]version"}},
		{[]string{"serve", "--help"}, []string{"--web.listen-address=", "--web.telemetry-path=", "--[no-]web.disable-exporter-metrics", "--log.level=", "--log.format=", "--web.config.file="}},
		{[]string{"cluster", "serve", "-h"}, []string{"--targets=", "--log.level=", "--web.telemetry-path="}},
		{[]string{"capture", "--help"}, []string{"-o, --output=FILE", "--[no-]redact"}},
		{[]string{"diff", "--help"}, []string{"<OLD>", "<NEW>"}},
		{[]string{"events", "--help"}, []string{"--since=", "--component="}},
		{[]string{"watch", "--help"}, []string{"--interval=", "--scans="}},
	} {
		code, out, errs := hwgraph(t, tc.args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, errs)
		}
		for _, f := range tc.flags {
			if !strings.Contains(out, f) {
				t.Errorf("%v: help lacks %q:\n%s", tc.args, f, out)
			}
		}
	}
}
