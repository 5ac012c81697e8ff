package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestTerminalSafety: a capture whose sys_vendor and product_name hold
// terminal commands
// (a title change, a screen clear) and a newline, and a saved kernel log
// line with an ESC (faults made on purpose, as a stranger's capture could
// hold): the tree, text output and `events` show them escaped; JSON keeps
// them exact.
func TestTerminalSafety(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	evil := "Dell\x1b]0;pwn\x07\x1b[2J\nforged"
	write := func(p, s string) {
		os.Remove(p)
		if err := os.WriteFile(p, []byte(s+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "sys/class/dmi/id/sys_vendor"), evil)
	write(filepath.Join(root, "sys/class/dmi/id/product_name"), evil)
	log := filepath.Join(t.TempDir(), "dmesg")
	write(log, "[  300.000003] i2c i2c-3: SCL is stuck low\x1b[2J, exit recovery")
	state := t.TempDir()
	for _, f := range []string{"tree", "text"} {
		code, out, errs := hwgraph(t, "--root", root, "--state-dir", state, "--kmsg", log, "--format", f)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `Dell\x1b]0;pwn\x07\x1b[2J\nforged`) {
			t.Errorf("%s output:\n%q", f, out)
		}
	}
	_, out, _ := hwgraph(t, "events", "--state-dir", state)
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `stuck low\x1b[2J`) {
		t.Errorf("events:\n%q", out)
	}
	_, out, _ = hwgraph(t, "--root", root, "--state-dir", "", "--format", "json")
	if !strings.Contains(out, `Dell\u001b]0;pwn\u0007\u001b[2J\nforged`) {
		t.Errorf("JSON does not keep the vendor exact")
	}
}
