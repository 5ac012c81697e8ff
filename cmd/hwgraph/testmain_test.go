package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestMain points the default state folder at a temporary one: tests that
// scan this machine ("/") must not write the real /var/lib/hwgraph when
// they run as root. It keeps the test process on all its CPUs: serve,
// run in process, would otherwise set GOMAXPROCS to its default of one
// for every test after it.
func TestMain(m *testing.M) {
	if os.Getenv("GOMAXPROCS") == "" {
		os.Setenv("GOMAXPROCS", strconv.Itoa(runtime.GOMAXPROCS(0)))
	}
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
