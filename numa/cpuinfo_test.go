//go:build linux && amd64

package numa

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/procfs"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestCPUModelsMatchProcfs: on every capture, the model of each CPU is
// what procfs's x86 cpuinfo parser (the one an amd64 build of procfs uses)
// reads from the same file.
func TestCPUModelsMatchProcfs(t *testing.T) {
	models := 0
	for _, c := range fixture.Captures(t) {
		root := fixture.Root(t, c)
		ours, err := cpuModels(root)
		if err != nil {
			t.Errorf("%s: %v", c, err)
		}
		fs, err := procfs.NewFS(filepath.Join(root, "proc"))
		if err != nil {
			continue
		}
		infos, err := fs.CPUInfo()
		if err != nil {
			if len(ours) != 0 {
				t.Errorf("%s: procfs reads no cpuinfo (%v), we read %d models", c, err, len(ours))
			}
			continue
		}
		for _, ci := range infos {
			want := strings.Join(strings.Fields(ci.ModelName), " ")
			if got := ours[int(ci.Processor)]; got != want {
				t.Errorf("%s cpu %d: %q, procfs %q", c, ci.Processor, got, want)
			}
			if want != "" {
				models++
			}
		}
	}
	if models < 100 {
		t.Errorf("only %d CPU models compared", models)
	}
}

// TestFaultCPUInfoTooLarge: a /proc/cpuinfo past the bound is not read,
// and ReadCPUs says so among its problems instead of leaving the models
// out without a word; the packages are still read.
func TestFaultCPUInfoTooLarge(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	path := filepath.Join(root, "proc", "cpuinfo")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("processor\t: 0\nmodel name\t: big\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, maxCPUInfo+1); err != nil {
		t.Fatal(err)
	}
	cpus, err := ReadCPUs(root)
	if err != nil {
		t.Fatal(err)
	}
	said := false
	for _, p := range cpus.Problems {
		said = said || strings.Contains(p.Error(), "CPU models left out") && strings.Contains(p.Error(), "larger than")
	}
	if !said || len(cpus.Packages) == 0 {
		t.Errorf("problems %v, %d packages", cpus.Problems, len(cpus.Packages))
	}
}
