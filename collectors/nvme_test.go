package collectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// fileValue reads a capture's attribute the way a test should compare it:
// the bytes of the file, trimmed.
func fileValue(t *testing.T, root, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestNVMeControllersEqualFiles: on the procfs and node_exporter captures
// every controller of /sys/class/nvme is one component whose model,
// serial, firmware and state are the files'; nvme0, which sits under PCI
// function 0000:01:00.0, is that function (no twin).
func TestNVMeControllersEqualFiles(t *testing.T) {
	for _, capture := range []string{"procfs/fixtures.tar.gz", "node_exporter/sys.tar.gz"} {
		t.Run(capture, func(t *testing.T) {
			root := fixture.Root(t, capture)
			g := scan(t, root, "pcie", "nvme")
			ents, err := os.ReadDir(filepath.Join(root, "sys", "class", "nvme"))
			if err != nil || len(ents) == 0 {
				t.Fatalf("class/nvme: %v", err)
			}
			for _, e := range ents {
				id := "nvme:" + e.Name()
				if e.Name() == "nvme0" {
					id = "pci:0000:01:00.0"
				}
				c, ok := g.Component(id)
				if !ok {
					t.Errorf("%s: no component %s", e.Name(), id)
					continue
				}
				dir := filepath.Join("sys", "class", "nvme", e.Name())
				if c.Kind != topology.KindNVMe || c.Model != fileValue(t, root, dir+"/model") || c.Serial != fileValue(t, root, dir+"/serial") ||
					c.Firmware != fileValue(t, root, dir+"/firmware_rev") || c.Attrs["nvme_state"] != fileValue(t, root, dir+"/state") ||
					c.Attrs["nvme_controller"] != e.Name() {
					t.Errorf("%s: %+v", e.Name(), c)
				}
			}
			if _, twin := g.Component("nvme:nvme0"); twin {
				t.Error("nvme0 is both pci:0000:01:00.0 and nvme:nvme0")
			}
			if c, _ := g.Component("pci:0000:01:00.0"); c.Parent != "pci:0000:00:02.1" || c.Attrs["driver"] != "nvme" {
				t.Errorf("nvme0 lost its PCI side: %+v", c)
			}
		})
	}
}

// TestNVMeMultipath: the procfs capture's Dell PowerStore subsystem has
// three fc paths (nvme0-2), one dead in the subsystem's view: one
// subsystem component, degraded, with its namespace head and a path link
// per controller; the NetApp subsystem and its namespaces likewise.
func TestNVMeMultipath(t *testing.T) {
	root := fixture.Root(t, "procfs/fixtures.tar.gz")
	g := scan(t, root, "pcie", "nvme")
	sub := "sys/class/nvme-subsystem/nvme-subsys0/"
	s, ok := g.Component("nvme-subsys:nvme-subsys0")
	if !ok || s.Kind != topology.KindNVMeSubsystem || s.Model != fileValue(t, root, sub+"model") || s.Serial != fileValue(t, root, sub+"serial") ||
		s.Attrs["nqn"] != fileValue(t, root, sub+"subsysnqn") || s.Attrs["paths"] != 3 || s.Health.State != topology.StateDegraded {
		t.Fatalf("subsystem %+v", s)
	}
	if ns, _ := g.Component("block:nvme0n1"); ns == nil || ns.Parent != s.ID {
		t.Errorf("namespace head %+v", ns)
	}
	paths := map[string]*topology.Link{}
	for _, l := range g.Links {
		if l.Kind == topology.LinkNVMePath && l.To == s.ID {
			paths[l.From] = l
		}
	}
	if len(paths) != 3 {
		t.Fatalf("%d paths to nvme-subsys0: %v", len(paths), paths)
	}
	dead := paths["nvme:nvme2"]
	if dead.Attrs["state"] != fileValue(t, root, sub+"nvme2/state") || dead.Health.State != topology.StateFailed ||
		dead.Attrs["transport"] != "fc" || dead.Attrs["address"] != fileValue(t, root, sub+"nvme2/address") {
		t.Errorf("nvme2 path %+v", dead)
	}
	if p := paths["nvme:nvme1"]; p.Attrs["ana_state"] != fileValue(t, root, "sys/class/nvme/nvme1/nvme0c1n1/ana_state") || p.Health.State != topology.StateOK {
		t.Errorf("nvme1 path %+v", p)
	}
	if n, _ := g.Component("block:nvme2n1"); n == nil || n.Parent != "nvme:nvme2" {
		t.Errorf("nvme2n1 %+v", n)
	}
}

// TestNVMeAbsent: this machine and the hwloc captures have no NVMe class.
func TestNVMeAbsent(t *testing.T) {
	for _, root := range []string{"/", fixture.Root(t, "hwloc/16amd64-8n2c.tar.bz2")} {
		if _, err := os.Stat(filepath.Join(root, "sys/class/nvme")); err == nil {
			continue
		}
		reg, _ := New(Options{}).Select([]string{"nvme"})
		g := reg.Scan(t.Context(), Env{Root: root}, nil)
		if st := status(g, "nvme"); st.State != "absent" {
			t.Errorf("%s: %+v", root, st)
		}
	}
}

// TestFaultNVMeUnreadableController: a controller whose files cannot be
// read (a directory where the model file was, as a dying device leaves
// errors) is unknown; the other controllers are untouched.
func TestFaultNVMeUnreadableController(t *testing.T) {
	root := fixture.Root(t, "procfs/fixtures.tar.gz")
	model := filepath.Join(root, "sys/class/nvme/nvme3/model")
	os.Remove(model)
	os.Mkdir(model, 0o755)
	g := scan(t, root, "nvme")
	if c, _ := g.Component("nvme:nvme3"); c == nil || c.Health.State != topology.StateUnknown || c.Serial == "" {
		t.Errorf("nvme3 %+v", c)
	}
	if c, _ := g.Component("nvme:nvme2"); c == nil || c.Health.State != topology.StateOK || c.Model == "" {
		t.Errorf("nvme2 %+v", c)
	}
}
