package sysfsattr

import "testing"

// forcePortable makes a confined root resolve as on a kernel without
// openat2.
func forcePortable(t testing.TB, root string) {
	t.Helper()
	r, _ := confinedAt(root)
	if r == nil {
		t.Fatal("not confined")
	}
	r.dir.noOpenat2.Store(true)
}
