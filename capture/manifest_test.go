package capture

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadManifest: a manifest written reads back; a tree without one
// has none.
func TestReadManifest(t *testing.T) {
	root := t.TempDir()
	if m, err := ReadManifest(root); m != nil || err != nil {
		t.Errorf("a tree without a manifest: %v, %v", m, err)
	}
	want := &Manifest{Format: Format, NVMe: map[string][]byte{"nvme0": {1, 2, 3}}}
	if err := want.Write(root); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(root)
	if err != nil || got.Format != Format || string(got.NVMe["nvme0"]) != "\x01\x02\x03" {
		t.Errorf("read back %+v, %v", got, err)
	}
}

// TestFaultHostileManifest: a tree from anyone whose manifest is a link
// out of it, a FIFO (a read would block) or too large is refused with a
// reason, reading nothing outside the tree and never blocking.
func TestFaultHostileManifest(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "capture.json")
	if err := os.WriteFile(outside, []byte(`{"format":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
		make       func(p string) error
	}{
		{"link out of the tree", "", func(p string) error { return os.Symlink(outside, p) }},
		{"fifo", "not a regular file", func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"too large", "larger than", func(p string) error { return os.WriteFile(p, make([]byte, maxManifest+1), 0o644) }},
	} {
		root := t.TempDir()
		p := filepath.Join(root, ManifestPath)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := tc.make(p); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(root)
		switch {
		case tc.want == "" && m != nil:
			t.Errorf("%s: read %+v from outside the tree", tc.name, m)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, %v; want an error saying %q", tc.name, m, err, tc.want)
		}
	}
}
