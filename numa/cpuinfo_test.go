//go:build linux && amd64

package numa

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/procfs"

	"github.com/hwgraph/hwgraph/internal/fixture"
)

// TestCPUModelsMatchProcfs: on every capture, the model of each CPU is
// what procfs's x86 cpuinfo parser (the one an amd64 build of procfs uses)
// reads from the same file.
func TestCPUModelsMatchProcfs(t *testing.T) {
	models := 0
	for _, c := range fixture.Captures(t) {
		root := fixture.Root(t, c)
		ours := cpuModels(root)
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
