package collectors

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// plantHostileLinks turns a copy of node_exporter's capture into what an
// attacker could send as a capture: links out of it to a secret file, to
// this process's environment (which holds secret too), to a folder posing
// as a PCI function, and to /dev/kmsg; a FIFO where an attribute was.
func plantHostileLinks(t *testing.T, secret string) string {
	t.Helper()
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	outside := t.TempDir()
	secretFile := filepath.Join(outside, "secret")
	write(t, secretFile, secret+"\n")
	fake := filepath.Join(outside, "0000:01:00.0") // a "PCI function" whose every file says the secret
	if err := os.Mkdir(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"vendor", "device", "class", "label", "uevent"} {
		write(t, filepath.Join(fake, f), secret+"\n")
	}
	link := func(target, at string) {
		t.Helper()
		p := filepath.Join(root, at)
		os.Remove(p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	fn := "sys/devices/pci0000:00/0000:00:02.1/0000:01:00.0"
	link(secretFile, "sys/class/dmi/id/board_vendor")                                // absolute, out
	link("/proc/self/environ", "sys/class/dmi/id/bios_version")                      // the environment
	link(secretFile, "proc/sys/kernel/hostname")                                     // absolute, out
	link(strings.Repeat("../", 12)+strings.TrimPrefix(secretFile, "/"), fn+"/label") // relative, out
	link(fake, "sys/bus/pci/devices/0000:45:00.0")                                   // a function's folder, out
	link("/dev/kmsg", "sys/devices/system/node/node1/meminfo")                       // a device, out
	link(strings.Repeat("../", 12)+strings.TrimPrefix(secretFile, "/"), "sys/class/net/eth0/address")
	os.Remove(filepath.Join(root, "sys/class/dmi/id/product_name"))
	if err := syscall.Mkfifo(filepath.Join(root, "sys/class/dmi/id/product_name"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// render is everything hwgraph would print or serve of g.
func render(t *testing.T, g *topology.Graph) string {
	t.Helper()
	var b bytes.Buffer
	for _, f := range []string{"json", "tree", "text", "dot"} {
		if err := topology.Render(&b, g, f); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestFaultHostileCaptureLinks: nothing outside a capture is read while
// scanning it. Its links are resolved inside it, as if it were "/", so a
// link to /etc/…, /proc/self/environ or a folder outside finds nothing;
// the FIFO is a problem named in the collector's status; the rest of the
// capture reads as usual. The same tree scanned unconfined (as hwgraph
// did before) leaks the secret: the attack is real.
func TestFaultHostileCaptureLinks(t *testing.T) {
	const secret = "hwgraph-hostile-SECRET-7f3a"
	t.Setenv("HWGRAPH_BMC_PASSWORD", secret) // what /proc/self/environ would give away
	root := plantHostileLinks(t, secret)

	leaky := render(t, New(Options{}).Scan(t.Context(), Env{Root: root, Unconfined: true}, nil))
	if !strings.Contains(leaky, secret) {
		t.Fatal("unconfined, the planted links do not leak the secret: the test proves nothing")
	}

	g := New(Options{}).Scan(t.Context(), Env{Root: root}, nil)
	if out := render(t, g); strings.Contains(out, secret) {
		i := strings.Index(out, secret)
		t.Errorf("the secret leaked: …%s…", out[max(0, i-200):i+len(secret)])
	}
	if st := status(g, "host"); !strings.Contains(strings.Join(st.Problems, "\n"), "product_name: not a regular file: a FIFO") {
		t.Errorf("host status %+v: the FIFO is not named", st)
	}
	nvme, ok := g.Component("pci:0000:01:00.0")
	if !ok || nvme.Kind != topology.KindNVMe || nvme.Attrs["label"] != nil {
		t.Errorf("the NVMe drive: %+v", nvme)
	}
	if _, ok := g.Component("numa:1"); !ok {
		t.Error("numa:1 lost to its meminfo link")
	}
	if c, ok := g.Component("pci:0000:45:00.0"); ok && c.Kind != "" && c.Vendor != "" && strings.Contains(c.Vendor, "hwgraph") {
		t.Errorf("the function outside was read: %+v", c)
	}
}
