package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// exposure is systemd-analyze security's overall exposure of a unit file
// (0 safest, 10 most exposed).
func exposure(t *testing.T, analyze, unit string) float64 {
	t.Helper()
	out, err := exec.Command(analyze, "security", "--offline=true", unit).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security %s: %v\n%s", unit, err, out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// TestSystemdUnit: hwgraph.service bounds its memory and tasks, passes
// systemd-analyze verify, and its exposure (systemd-analyze security) is
// lower than node_exporter's own example unit's.
func TestSystemdUnit(t *testing.T) {
	analyze := fixture.Tool(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	bin := filepath.Join(dir, "hwgraph")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/hwgraph").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	unit, err := os.ReadFile("systemd/hwgraph.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, bound := range []string{"\nMemoryMax=", "\nTasksMax="} {
		if !strings.Contains(string(unit), bound) {
			t.Errorf("the unit sets no %s", strings.TrimSpace(bound))
		}
	}
	// verify checks that ExecStart's program exists: point it at the one
	// just built.
	if !strings.Contains(string(unit), "ExecStart=/usr/bin/hwgraph serve") {
		t.Fatal("ExecStart is not /usr/bin/hwgraph serve")
	}
	test := filepath.Join(dir, "hwgraph.service")
	if err := os.WriteFile(test, []byte(strings.ReplaceAll(string(unit), "/usr/bin/hwgraph", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", test).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	ours := exposure(t, analyze, test)
	theirs := exposure(t, analyze, fixture.Path(t, "node_exporter/node_exporter.service"))
	t.Logf("exposure: hwgraph.service %.1f, node_exporter's example unit %.1f", ours, theirs)
	if ours >= theirs {
		t.Errorf("hwgraph.service is as exposed as node_exporter's unit or more: %.1f ≥ %.1f", ours, theirs)
	}
}
