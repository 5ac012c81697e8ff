package collectors

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// precedence is the table beside builders: for a field two
// collectors give one component, the first one's value is kept.
var precedence = []struct{ first, over string }{
	{"gpu", "pcie"},
	{"nvme", "pcie"},
	{"host", "smbios"},
	{"bmc", "smbios"},
	{"bmc", "redfish"},
	{"memory", "redfish"},
}

// TestPrecedence holds the merge order to the table.
func TestPrecedence(t *testing.T) {
	order := Names()
	for _, p := range precedence {
		if i, j := slices.Index(order, p.first), slices.Index(order, p.over); i < 0 || j < 0 || i > j {
			t.Errorf("%s must merge before %s: order %v", p.first, p.over, order)
		}
	}
	if got := New(Options{}).Names(); !slices.Equal(got, Names()) || len(got) != len(builders) {
		t.Errorf("New builds %v, the list has %v", got, Names())
	}
}

// TestNVMeModelOverPCIIDs: node_exporter's NVMe drive is named by its own
// Identify data (sysfs model), not by pci.ids' name of its controller
// chip, whatever order the collectors finish in.
func TestNVMeModelOverPCIIDs(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	model, err := os.ReadFile(filepath.Join(root, "sys/class/nvme/nvme0/model"))
	if err != nil {
		t.Fatal(err)
	}
	g := New(Options{}).Scan(t.Context(), Env{Root: root}, nil)
	c, ok := g.Component("pci:0000:01:00.0")
	if want := strings.TrimSpace(string(model)); !ok || c.Model != want || c.Name != want {
		t.Errorf("name %q, model %q; want %q", c.Name, c.Model, want)
	}
}

func TestSelect(t *testing.T) {
	reg := New(Options{})
	for _, bad := range [][]string{nil, {"pcie", "warp"}} {
		if _, err := reg.Select(bad); err == nil {
			t.Errorf("Select(%q) accepted", bad)
		}
	}
	sel, err := reg.Select([]string{"numa", "pcie"})
	if err != nil || !slices.Equal(sel.Names(), []string{"numa", "pcie"}) {
		t.Errorf("Select: %v, %v", sel, err)
	}
}
