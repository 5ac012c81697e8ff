package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestServeCommand runs `hwgraph serve` as a user would, on a capture:
// it answers /healthz and /metrics on the flag's address, writes the NFD
// feature file, and stops cleanly on SIGTERM.
func TestServeCommand(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	nfdFile := filepath.Join(t.TempDir(), "hwgraph")
	bmcConfig := filepath.Join(t.TempDir(), "bmc.yml")
	if err := os.WriteFile(bmcConfig, []byte("modules:\n  default:\n    user: admin\n    password: x\n    targets: [127.0.0.1]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run([]string{"serve", "--root", root, "--web.listen-address", addr, "--state-dir", t.TempDir(),
			"--nfd-features-file", nfdFile, "--scan.interval", "1h", "--bmc.config.file", bmcConfig}, io.Discard, &stderr)
	}()
	var body string
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		if i > 100 {
			t.Fatalf("serve did not come up: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, `hwgraph_component_info{device="nvme0",firmware="1B2QEXP7",id="pci:0000:01:00.0",kind="nvme"`) {
		t.Errorf("metrics lack the NVMe drive")
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
	}
	// /probe is mounted beside the rest (probe's own tests probe BMCs).
	if resp, err := http.Get("http://" + addr + "/probe?target=10.0.0.1&password=x"); err != nil || resp.StatusCode != 400 {
		t.Errorf("probe with a password in the URL: %v %v", resp, err)
	}
	nfd, err := os.ReadFile(nfdFile)
	if err != nil || !strings.Contains(string(nfd), "feature.node.kubernetes.io/hwgraph.nvme.count=1\n") || !strings.HasPrefix(string(nfd), "# +expiry-time=") {
		t.Errorf("NFD file: %v\n%s", err, nfd)
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM) // serve's signal handler takes it
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}

// TestServeBadBMCConfig: a BMC configuration that does not load stops
// serve before it listens, saying why.
func TestServeBadBMCConfig(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bmc.yml")
	if err := os.WriteFile(bad, []byte("modules:\n  default:\n    user: admin\n    pasword: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := hwgraph(t, "serve", "--root", fixture.Root(t, "node_exporter/sys.tar.gz"), "--state-dir", "", "--bmc.config.file", bad)
	if code != 2 || !strings.Contains(errs, "unknown field") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// TestWatchCommand: two scans of a capture with a saved kernel log; the
// log's events are printed once, as they arrive.
func TestWatchCommand(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	log := filepath.Join(t.TempDir(), "dmesg.txt")
	os.WriteFile(log, []byte("[ 5.0] nvme 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)\n"), 0o644)
	code, out, errs := hwgraph(t, "watch", "--root", root, "--state-dir", t.TempDir(), "--kmsg", log, "--scans", "2", "--interval", "10ms",
		"--collectors", "pcie,kmsg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The second scan reads only what was appended to the log: nothing.
	if n := strings.Count(out, "aer"); n != 1 || !strings.Contains(out, "pci:0000:01:00.0") {
		t.Errorf("watch printed:\n%s", out)
	}
}
