package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/capture/archive"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// graphOf runs hwgraph --format json with args and returns the graph
// without what differs between two reads of one machine (the time,
// durations, the root's own path).
func graphOf(t *testing.T, root string, args ...string) string {
	t.Helper()
	code, out, errs := hwgraph(t, append([]string{"--root", root, "--format", "json", "--state-dir", ""}, args...)...)
	if code != 0 {
		t.Fatalf("hwgraph --root %s: exit %d: %s", root, code, errs)
	}
	var g map[string]any
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	delete(g, "time")
	for _, c := range g["collectors"].([]any) {
		delete(c.(map[string]any), "duration_seconds")
	}
	b, _ := json.MarshalIndent(g, "", " ")
	return string(b)
}

// sameGraph fails when two graphs' JSON differ, showing the first lines
// that do.
func sameGraph(t *testing.T, what, want, got string) {
	t.Helper()
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		if i >= len(wl) || i >= len(gl) || wl[i] != gl[i] {
			t.Fatalf("%s differs at line %d:\n want %q\n got  %q", what, i+1, wl[min(i, len(wl)-1)], gl[min(i, len(gl)-1)])
		}
	}
}

// TestCaptureCommand: `hwgraph capture` of the 137-function capture,
// read back with --root ARCHIVE, gives the graph the tree gives; diff
// finds nothing between the two; the temporary folder is gone after.
func TestCaptureCommand(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	root := fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	out := filepath.Join(t.TempDir(), "host.tar.gz")
	code, _, errs := hwgraph(t, "capture", "-o", out, "--root", root)
	if code != 0 {
		t.Fatalf("capture: exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "files") || !strings.Contains(errs, out) {
		t.Errorf("capture says %q", errs)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s; archive %d bytes", strings.TrimSpace(errs), fi.Size())
	want := graphOf(t, root)
	got := graphOf(t, out)
	sameGraph(t, "graph of the archive", want, got)
	if code, stdout, errs := hwgraph(t, "diff", root, out); code != 0 || stdout != "" {
		t.Errorf("diff of the tree and its capture: exit %d, %q %s", code, stdout, errs)
	}
	if code, _, _ := hwgraph(t, "capture", "-o", out, "--root", root); code != 1 {
		t.Errorf("capture over an existing file: exit %d, want 1", code)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
}

// TestCaptureThisMachine: this machine captured, redacted and not, reads
// back as the machine itself reads (but for the kernel log, which a
// capture does not keep, and for the redacted values).
func TestCaptureThisMachine(t *testing.T) {
	only := "--collectors=host,i2c,memory,net,numa,nvme,pcie,smbios"
	dir := t.TempDir()
	plain, redacted := filepath.Join(dir, "plain.tar.gz"), filepath.Join(dir, "redacted.tar.gz")
	if code, _, errs := hwgraph(t, "capture", "-o", plain); code != 0 {
		t.Fatalf("capture: exit %d: %s", code, errs)
	}
	if code, _, errs := hwgraph(t, "capture", "--redact", "-o", redacted); code != 0 {
		t.Fatalf("capture --redact: exit %d: %s", code, errs)
	}
	live := graphOf(t, "/", only)
	sameGraph(t, "graph of this machine's capture", live, graphOf(t, plain, only))
	var secrets []string
	if name, err := os.Hostname(); err == nil && !capture.Filler(name) {
		secrets = append(secrets, name)
	}
	var g struct {
		Components []struct {
			Serial string         `json:"serial"`
			Attrs  map[string]any `json:"attrs"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(live), &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Components {
		for _, v := range []any{c.Serial, c.Attrs["mac"], c.Attrs["serial"], c.Attrs["product_uuid"], c.Attrs["node_guid"]} {
			if s, ok := v.(string); ok && !capture.Filler(s) && s != "00:00:00:00:00:00" {
				secrets = append(secrets, s)
			}
		}
	}
	red := graphOf(t, redacted, only)
	for _, s := range secrets {
		if strings.Contains(red, s) {
			t.Errorf("the redacted capture's graph shows %q", s)
		}
	}
	// The interfaces' addresses, whether the graph shows them or not
	// (a virtio NIC's interface is not below its PCI function).
	macs, _ := filepath.Glob("/sys/class/net/*/address")
	for _, p := range macs {
		if b, err := os.ReadFile(p); err == nil && strings.Trim(string(b), "0:\n") != "" {
			secrets = append(secrets, strings.TrimSpace(string(b)))
		}
	}
	dir, done, err := archive.Open(redacted)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			for _, s := range secrets {
				if strings.Contains(string(b), s) {
					t.Errorf("%s of the redacted capture holds %q", strings.TrimPrefix(p, dir), s)
				}
			}
		}
		return nil
	})
	t.Logf("%d identifiers of this machine redacted: %q", len(secrets), secrets)
}

// TestRootArchiveRemovedOnSignal: an archive given as --root is unpacked
// into a temporary folder that is removed when a signal ends the
// command mid-scan (a saved kernel log that is a FIFO nobody writes
// holds the scan), and when the archive is not one.
func TestRootArchiveRemovedOnSignal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "hwgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tmp := t.TempDir()
	fifo := filepath.Join(t.TempDir(), "kmsg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--root", fixture.Path(t, "hwloc/16amd64-8n2c.tar.bz2"), "--kmsg", fifo, "--timeout", "60s", "--state-dir", "")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	unpacked := false
	for i := 0; i < 200 && !unpacked; i++ {
		m, _ := filepath.Glob(filepath.Join(tmp, "hwgraph-root-*", "*", "sys"))
		unpacked = len(m) > 0
		time.Sleep(25 * time.Millisecond)
	}
	if !unpacked {
		t.Fatal("the archive was not unpacked into TMPDIR")
	}
	time.Sleep(100 * time.Millisecond) // into the scan
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR after SIGINT: %v", left)
	}

	bad := filepath.Join(t.TempDir(), "bad.tar.gz")
	os.WriteFile(bad, []byte("\x1f\x8bnot gzip at all"), 0o644)
	t.Setenv("TMPDIR", tmp)
	if code, _, errs := hwgraph(t, "--root", bad); code != 2 || !strings.Contains(errs, "capture archive") {
		t.Errorf("bad archive: exit %d, %s", code, errs)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR after a bad archive: %v", left)
	}
}

// TestCaptureManifest: a capture says what made it and when, and a
// manifest from a newer hwgraph is refused with a reason.
func TestCaptureManifest(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c.tar.gz")
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	if code, _, errs := hwgraph(t, "capture", "-o", out, "--root", root, "--collectors", "net,nvme"); code != 0 {
		t.Fatalf("capture: %s", errs)
	}
	dir, done, err := archive.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	m, err := capture.ReadManifest(dir)
	if err != nil || m == nil {
		t.Fatalf("manifest %v, %v", m, err)
	}
	if m.Format != capture.Format || strings.Join(m.Collectors, ",") != "net,nvme" || m.Copied.Files == 0 || time.Since(m.Created) > time.Hour {
		t.Errorf("manifest %+v", m)
	}
	os.WriteFile(filepath.Join(dir, capture.ManifestPath), []byte(`{"format": 99}`), 0o644)
	if code, _, errs := hwgraph(t, "--root", dir); code != 2 || !strings.Contains(errs, "format 99") {
		t.Errorf("newer manifest: exit %d, %s", code, errs)
	}
}

// TestFirecrackerCapture reads the capture of the VM hwgraph is developed
// on (testdata/hwgraph): what the machine held, placeholders where the
// capture redacted it.
func TestFirecrackerCapture(t *testing.T) {
	var g struct {
		Host struct {
			Attrs map[string]any `json:"attrs"`
		} `json:"host"`
		Components []struct {
			ID    string         `json:"id"`
			Kind  string         `json:"kind"`
			Attrs map[string]any `json:"attrs"`
		} `json:"components"`
		Collectors []struct{ Name, State string } `json:"collectors"`
	}
	if err := json.Unmarshal([]byte(graphOf(t, fixture.Path(t, "hwgraph/firecracker-vm.tar.gz"))), &g); err != nil {
		t.Fatal(err)
	}
	if h := g.Host.Attrs; h["kernel"] != "6.18.44-fc-v1045" || h["hostname"] != "redacted-host-1" || h["cpus"] != "0-1" {
		t.Errorf("host %v", h)
	}
	var pci []string
	for _, c := range g.Components {
		switch {
		case c.Kind == "numa-node" && c.Attrs["memory_bytes"] != float64(6402334720):
			t.Errorf("%s memory %v", c.ID, c.Attrs["memory_bytes"])
		case strings.HasPrefix(c.ID, "pci:"):
			pci = append(pci, c.ID)
		}
		if c.ID == "pci:0000:00:03.0" && (c.Kind != "nic" || c.Attrs["driver"] != "virtio-pci") {
			t.Errorf("the virtio NIC: %+v", c)
		}
	}
	if strings.Join(pci, " ") != "pci:0000:00:00.0 pci:0000:00:01.0 pci:0000:00:02.0 pci:0000:00:03.0 pci:0000:00:04.0 pci:0000:00:05.0" {
		t.Errorf("PCI functions %v", pci)
	}
	for _, st := range g.Collectors {
		want := map[string]string{"host": "ok", "net": "ok", "numa": "ok", "pcie": "ok"}[st.Name]
		if want == "" {
			want = "absent" // a VM: no SMBIOS, EDAC, NVMe, GPU or BMC
		}
		if st.State != want {
			t.Errorf("collector %s %s, want %s", st.Name, st.State, want)
		}
	}
}
