package sysfsattr

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestIndex(t *testing.T) {
	for _, tc := range []struct {
		name, prefix string
		n            int
		ok           bool
	}{
		{"node12", "node", 12, true}, {"node", "node", 0, false}, {"nodex", "node", 0, false},
		{"mc0", "mc", 0, true}, {"node-1", "node", 0, false}, {"has_cpu", "node", 0, false},
		{"node+1", "node", 0, false}, {"i2c-3", "i2c-", 3, true}, {"99999999999999999999", "", 0, false},
	} {
		if n, ok := Index(tc.name, tc.prefix); n != tc.n || ok != tc.ok {
			t.Errorf("Index(%q, %q) = %d, %v", tc.name, tc.prefix, n, ok)
		}
	}
}

// TestNumbered: numeric order, as the distance file's columns go (node8
// before node250), and only the prefix's entries.
func TestNumbered(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"node250", "node8", "node0", "possible", "node255"} {
		os.Mkdir(filepath.Join(dir, n), 0o755)
	}
	got, err := Numbered(dir, "node")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprintf("[{0 %[1]s/node0} {8 %[1]s/node8} {250 %[1]s/node250} {255 %[1]s/node255}]", dir) {
		t.Errorf("%v", got)
	}
}
