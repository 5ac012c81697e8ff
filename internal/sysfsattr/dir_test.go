package sysfsattr_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestDirOpenAndByPathAgree reads a real PCI function's attributes both
// ways — the folder held open, and by path — with the typed getters.
func TestDirOpenAndByPathAgree(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dir, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices/0000:01:00.0"))
	if err != nil {
		t.Fatal(err)
	}
	open, err := sysfsattr.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	names := sysfsattr.NewNames("vendor", "class", "numa_node", "current_link_width", "driver", "not_there")
	if err := open.Expect(names); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*sysfsattr.Dir{open, sysfsattr.NewDir(dir)} {
		vendor, ok := d.Hex("vendor", 16)
		class, _ := d.Hex("class", 32)
		node, nok := d.Int("numa_node")
		width := d.Uint("current_link_width")
		if !ok || vendor != 0xc0a9 || class != 0x010802 || !nok || node != -1 || width == nil || *width != 4 ||
			d.LinkBase("driver") != "nvme" || d.Str("not_there") != "" || len(d.Problems) != 0 {
			t.Errorf("vendor %#x, class %#x, node %d, width %v, driver %q, problems %v",
				vendor, class, node, width, d.LinkBase("driver"), d.Problems)
		}
	}
	if open.Has("not_there") || !open.Has("vendor") || !open.Has("unlisted_name") {
		t.Error("Has does not follow the listing")
	}
}

// TestDirProblems: a garbled, empty, oversized or unreadable attribute
// is a problem naming the file (faults made on purpose); an absent one is
// not.
func TestDirProblems(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"bad_hex": "0xzz", "empty_hex": "", "bad_int": "two", "big": strings.Repeat("x", 5000)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "a_dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	d := sysfsattr.NewDir(dir)
	d.Hex("bad_hex", 16)
	d.Hex("empty_hex", 16)
	d.Int("bad_int")
	d.Str("big")
	d.Str("a_dir")
	d.Str("absent")
	d.Uint("absent")
	want := []string{`bad_hex "0xzz"`, "empty_hex: empty", `bad_int "two"`, "big: larger than 4096 bytes", "a_dir"}
	if len(d.Problems) != len(want) {
		t.Fatalf("problems %v", d.Problems)
	}
	for i, w := range want {
		if !strings.Contains(d.Problems[i].Error(), w) {
			t.Errorf("problem %d %q lacks %q", i, d.Problems[i], w)
		}
	}
	big := sysfsattr.NewDir(dir)
	big.Limit = sysfsattr.MaxSize
	if s := big.Str("big"); len(s) != 5000 || len(big.Problems) != 0 {
		t.Errorf("with a 64 KiB limit: %d bytes, %v", len(s), big.Problems)
	}
	if _, err := sysfsattr.OpenDir(filepath.Join(dir, "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenDir of an absent folder: %v", err)
	}
}

func TestExcerpt(t *testing.T) {
	for in, want := range map[string]string{
		"short":                 "short",
		strings.Repeat("a", 50): strings.Repeat("a", 40) + "…",
		"bad \xff byte":         "bad ? byte",
	} {
		if got := sysfsattr.Excerpt(in); got != want {
			t.Errorf("Excerpt(%q) = %q, want %q", in, got, want)
		}
	}
}
