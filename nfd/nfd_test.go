package nfd

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// line is NFD's feature file syntax: a comment, or name=value with a
// valid label name in NFD's namespace, written out, and label value.
var line = regexp.MustCompile(`^(# \+expiry-time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|feature\.node\.kubernetes\.io/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?=(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?))$`)

// TestFeatureFileScenario: node_exporter's capture, then its NVMe link
// trained down to x2: the file follows, in NFD's format.
func TestFeatureFileScenario(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	scan := func() map[string]string {
		return Labels(collectors.New(collectors.Options{}).Scan(context.Background(), collectors.Env{Root: root}, nil))
	}
	before := scan()
	for k, want := range map[string]string{"hwgraph.pcie.degraded-links": "0", "hwgraph.nvme.count": "1", "hwgraph.dimm.errors": "true",
		"hwgraph.dimm.count": "6", "hwgraph.gpu.count": "0", "hwgraph.health": "failed"} {
		if k = Prefix + k; before[k] != want {
			t.Errorf("%s = %q, want %q", k, before[k], want)
		}
	}
	dev, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:01:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dev, "current_link_width"), []byte("2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	after := scan()
	if after[Prefix+"hwgraph.pcie.degraded-links"] != "1" {
		t.Errorf("after the link trained down: %v", after)
	}
	path := filepath.Join(t.TempDir(), "hwgraph")
	now := time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC)
	if err := WriteFile(path, Format(after, now, time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0] != "# +expiry-time=2026-11-24T20:00:00Z" || len(lines) != len(after)+1 {
		t.Errorf("file:\n%s", b)
	}
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("not NFD feature syntax: %q", l)
		}
	}
}

func TestValue(t *testing.T) {
	for in, want := range map[string]string{
		"NVIDIA H100 80GB HBM3": "NVIDIA-H100-80GB-HBM3",
		"  (weird) name!! ":     "weird-name",
		strings.Repeat("a", 80): strings.Repeat("a", 63),
	} {
		if got := value(in); got != want {
			t.Errorf("value(%q) = %q, want %q", in, got, want)
		}
	}
}
