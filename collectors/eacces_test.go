package collectors

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestMain lets the test binary scan as an unprivileged user for
// TestFaultPermissionDenied: root reads any file, so EACCES needs a
// process that is not root.
func TestMain(m *testing.M) {
	if root := os.Getenv("HWGRAPH_SCAN_AS_NOBODY"); root != "" {
		if err := syscall.Setgid(65534); err != nil {
			fmt.Println("setgid:", err)
			os.Exit(1)
		}
		if err := syscall.Setuid(65534); err != nil {
			fmt.Println("setuid:", err)
			os.Exit(1)
		}
		reg, _ := New(Options{}).Select([]string{"pcie", "memory"})
		g := reg.Scan(context.Background(), Env{Root: root}, nil)
		json.NewEncoder(os.Stdout).Encode(g)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestFaultPermissionDenied: as an unprivileged user, a PCI attribute
// that cannot be opened (mode 000: EACCES) marks its function unknown
// with the reason, and the root-only SMBIOS records (the kernel's 0400)
// fail the memory collector with "permission denied" (this machine has no
// EDAC to fall back on), not "absent": every other function is whole.
func TestFaultPermissionDenied(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop to nobody")
	}
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	// nobody must be able to walk the copy: open the folders up to it.
	for p := root; p != "/" && p != "."; p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	dev, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:02:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dev, "class"), 0); err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(root, "sys/firmware/dmi/entries/*/raw"))
	for _, e := range entries {
		os.Chmod(e, 0o400)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HWGRAPH_SCAN_AS_NOBODY="+root)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("unprivileged scan: %v\n%s", err, out)
	}
	var g topology.Graph
	if err := json.Unmarshal(out, &g); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var fn *topology.Component
	pci := 0
	for _, c := range g.Components {
		if strings.HasPrefix(c.ID, "pci:") {
			pci++
		}
		if c.ID == "pci:0000:02:00.0" {
			fn = c
		}
	}
	if fn == nil || fn.Health.State != topology.StateUnknown || !strings.Contains(strings.Join(fn.Health.Reasons, " "), "permission denied") {
		t.Errorf("the function with an unreadable class: %+v", fn)
	}
	if pci != 137 {
		t.Errorf("%d PCI functions, want all 137", pci)
	}
	for _, st := range g.Collectors {
		if st.Name == "memory" && (st.State != "error" || !strings.Contains(st.Error, "permission denied")) {
			t.Errorf("memory collector without the SMBIOS records: %+v", st)
		}
	}
}
