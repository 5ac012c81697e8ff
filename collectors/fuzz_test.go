package collectors

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// FuzzHostileTree puts into one file of node_exporter's capture what a
// stranger's capture could hold there — fuzzed bytes, a link to a fuzzed
// target (in or out of the tree), or a FIFO — and scans the whole tree
// with every collector: no panic, no hang (the registry's deadline), and
// nothing of a secret file beside the tree, linked to or not, reaches
// the output.
func FuzzHostileTree(f *testing.F) {
	const secret = "hwgraph-fuzz-SECRET-91c2"
	root := fixture.Root(f, "node_exporter/sys.tar.gz")
	outside := f.TempDir()
	secretFile := filepath.Join(outside, "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Setenv("HWGRAPH_FUZZ_SECRET", secret) // what /proc/self/environ holds
	var files []string
	filepath.Walk(filepath.Join(root, "sys"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && (strings.Contains(p, "/pci0000") || strings.Contains(p, "/class/") ||
			strings.Contains(p, "/edac/") || strings.Contains(p, "/node/")) {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	if len(files) < 100 {
		f.Fatalf("only %d files", len(files))
	}
	for i, seed := range []struct {
		kind   uint8
		target string
	}{{0, "0x8086"}, {1, secretFile}, {1, "../../../../../../../../../" + strings.TrimPrefix(secretFile, "/")}, {1, "/proc/self/environ"},
		{1, "/dev/kmsg"}, {1, "."}, {2, ""}} {
		f.Add(uint16(i*37), seed.kind, []byte(seed.target))
	}
	reg := New(Options{})
	f.Fuzz(func(t *testing.T, which uint16, kind uint8, payload []byte) {
		p := files[int(which)%len(files)]
		original, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		mode, _ := os.Lstat(p)
		defer func() {
			os.Remove(p)
			os.WriteFile(p, original, mode.Mode().Perm()|0o200)
		}()
		os.Remove(p)
		switch kind % 3 {
		case 0:
			err = os.WriteFile(p, payload, 0o644)
		case 1:
			err = os.Symlink(strings.ReplaceAll(string(payload), "\x00", ""), p)
		case 2:
			err = syscall.Mkfifo(p, 0o644)
		}
		if err != nil {
			t.Skip(err)
		}
		g := reg.Scan(t.Context(), Env{Root: root}, nil)
		for _, format := range topology.Formats {
			var b strings.Builder
			topology.Render(&b, g, format)
			if strings.Contains(b.String(), secret) {
				t.Fatalf("%s: the secret reached the %s output", p, format)
			}
		}
	})
}
