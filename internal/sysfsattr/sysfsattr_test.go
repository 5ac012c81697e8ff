package sysfsattr

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	put := func(name string, size int64, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if size > 0 {
			if err := os.Truncate(p, size); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	for _, tc := range []struct {
		name, path, want, errHas string
	}{
		{"page-sized value", put("a", 0, "0x8086\n"), "0x8086", ""},
		{"64-node distance row beyond 4 KiB", put("b", 0, strings.Repeat("10 ", 2000)), strings.TrimSpace(strings.Repeat("10 ", 2000)), ""},
		{"1 GiB sparse file (fault)", put("c", 1<<30, ""), "", "larger than"},
		{"directory in place of a file (fault)", dir, "", "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(tc.path)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want %q", err, tc.errHas)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("absent file: %v, want fs.ErrNotExist", err)
	}
}

// TestReadNULTerminated: the node lists of a real Dell R910 end in "\n\0",
// as the kernel printed them; they read as the list, as lstopo reads them.
func TestReadNULTerminated(t *testing.T) {
	root := fixture.Root(t, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2")
	for name, want := range map[string]string{"online": "0-3", "possible": "0-3", "has_cpu": "0-3"} {
		p := filepath.Join(root, "sys/devices/system/node", name)
		raw, err := os.ReadFile(p)
		if err != nil || !strings.HasSuffix(string(raw), "\x00") {
			t.Fatalf("%s: %q, %v: the capture's file no longer ends in NUL", name, raw, err)
		}
		if got, err := Read(p); err != nil || got != want {
			t.Errorf("%s: %q, %v, want %q", name, got, err, want)
		}
	}
}
