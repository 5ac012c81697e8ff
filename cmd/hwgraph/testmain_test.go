package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain points the default state folder at a temporary one: tests that
// scan this machine ("/") must not write the real /var/lib/hwgraph when
// they run as root.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hwgraph-test-state")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("HWGRAPH_STATE_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
