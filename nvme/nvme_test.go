package nvme

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestReadControllers: the procfs capture flattens /sys/class/nvme into
// folders; nvme0 is still found under PCI function 0000:01:00.0, and
// nvme1's path device nvme0c1n1 serves the head nvme0n1.
func TestReadControllers(t *testing.T) {
	root := fixture.Root(t, "procfs/fixtures.tar.gz")
	ctrls, err := ReadControllers(filepath.Join(root, "sys"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, pci, subsys string }{
		{"nvme0", "0000:01:00.0", "nvme-subsys0"}, {"nvme1", "", "nvme-subsys0"},
		{"nvme2", "", "nvme-subsys0"}, {"nvme3", "", "nvme-subsys1"},
	}
	if len(ctrls) != len(want) {
		t.Fatalf("%d controllers, want %d", len(ctrls), len(want))
	}
	for i, w := range want {
		if c := ctrls[i]; c.Name != w.name || c.PCI != w.pci || c.Subsystem != w.subsys || len(c.Problems) > 0 {
			t.Errorf("controller %d: %+v, want %+v", i, c, w)
		}
	}
	ns := ctrls[1].Namespaces
	if len(ns) != 1 || ns[0].Name != "nvme0c1n1" || ns[0].Head != "nvme0n1" || ns[0].ANAState != "non-optimized" {
		t.Errorf("nvme1 namespaces %+v", ns)
	}
}

func TestNumLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{
		{"nvme2", "nvme10", true}, {"nvme10", "nvme2", false}, {"nvme1", "nvme2", true}, {"nvme-subsys0", "nvme-subsys0", false},
	} {
		if got := numLess(tc.a, tc.b); got != tc.less {
			t.Errorf("numLess(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// FuzzReadControllers writes fuzzed bytes into one of node_exporter's
// NVMe controller or namespace files and reads the class: the damage
// costs that value, never the controller.
func FuzzReadControllers(f *testing.F) {
	sysfs := filepath.Join(fixture.Root(f, "node_exporter/sys.tar.gz"), "sys")
	var files []string
	for _, pattern := range []string{"class/nvme/nvme0/*", "class/nvme/nvme0/nvme0n1/*", "class/nvme/nvme0/nvme0n1/queue/*"} {
		m, _ := filepath.Glob(filepath.Join(sysfs, pattern))
		for _, p := range m {
			if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
				files = append(files, p)
			}
		}
	}
	fixture.FuzzFiles(f, files, func(t *testing.T, damaged string) {
		ctrls, err := ReadControllers(sysfs)
		if err != nil || len(ctrls) != 1 || ctrls[0].Name != "nvme0" {
			t.Fatalf("a damaged %s: %+v, %v", damaged, ctrls, err)
		}
	})
}
