package collectors

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// The tests in this file break copies of real captures on purpose; each
// name says which fault it injects. The rule they hold: a bad file costs
// one component (marked, with a reason), never the graph, never a panic.

const faultCapture = "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2"

// devDir returns the real directory of a PCI function in a capture.
func devDir(t *testing.T, root, name string) string {
	t.Helper()
	p, err := filepath.EvalSymlinks(filepath.Join(root, "sys/bus/pci/devices", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// eio replaces the file at path with one whose every read fails with EIO,
// as a driver's show() does when the device stops answering: a link to
// /proc/self/mem, which the kernel refuses to read at address 0 (tmpfs
// offers no other way to make a read fail with EIO, and no FUSE here).
func eio(t *testing.T, path string) {
	t.Helper()
	os.Remove(path)
	if err := os.Symlink("/proc/self/mem", path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Read(make([]byte, 16)); err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Skipf("reading /proc/self/mem gave %v, not EIO", err)
	}
}

// noUevent removes a function's uevent, as captures of old tools lack it.
func noUevent(t *testing.T, dir string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, "uevent")); err != nil {
		t.Fatal(err)
	}
}

// faultScan scans a broken tree; the collectors must still succeed.
func faultScan(t *testing.T, root string) *topology.Graph {
	t.Helper()
	return scan(t, root, "pcie", "numa", "host")
}

// faultScanLinksOut scans a tree broken by eio: its links to
// /proc/self/mem lead out of the tree, which a confined scan would not
// follow.
func faultScanLinksOut(t *testing.T, root string) *topology.Graph {
	t.Helper()
	return scanEnv(t, Env{Root: root, Unconfined: true}, "pcie", "numa", "host")
}

func TestFaultPCIeAttributeFiles(t *testing.T) {
	const victim = "0000:43:00.0"
	for _, tc := range []struct {
		name   string
		breakF func(t *testing.T, dir string)
		reason string
	}{
		// The identity is read from uevent; without one (older capture
		// tools), from the attribute files.
		{"no uevent, missing vendor file", func(t *testing.T, dir string) { noUevent(t, dir); os.Remove(filepath.Join(dir, "vendor")) }, "vendor: missing"},
		{"no uevent, empty class file", func(t *testing.T, dir string) { noUevent(t, dir); write(t, filepath.Join(dir, "class"), "") }, "class: empty"},
		{"no uevent, garbage device file", func(t *testing.T, dir string) {
			noUevent(t, dir)
			write(t, filepath.Join(dir, "device"), "\xff\xfegarbage")
		}, "parse"},
		{"garbage uevent", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "uevent"), "PCI_CLASS=zz\nPCI_ID=8086\n\xff\xfe\n")
		}, "uevent: bad lines"},
		{"truncated link speed", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "current_link_speed"), "8 G") }, "link speed"},
		{"garbage numa_node", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "numa_node"), "two") }, "numa_node"},
		{"unreadable attribute (a directory in its place)", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "current_link_width")
			os.Remove(p)
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "current_link_width"},
		{"enormous attribute (1 GiB, sparse)", func(t *testing.T, dir string) {
			f, err := os.Create(filepath.Join(dir, "numa_node"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(1 << 30); err != nil {
				t.Fatal(err)
			}
		}, "larger than 4096 bytes"},
		{"garbage AER file", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "aer_dev_correctable"), "RxErr lots\n") }, "aer line 1"},
		{"a FIFO in place of an attribute (an open that would block forever)", func(t *testing.T, dir string) {
			noUevent(t, dir)
			os.Remove(filepath.Join(dir, "class"))
			if err := syscall.Mkfifo(filepath.Join(dir, "class"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "class: not a regular file: a FIFO"},
		{"I/O error (EIO) reading uevent", func(t *testing.T, dir string) { eio(t, filepath.Join(dir, "uevent")) }, "input/output error"},
		{"no uevent, I/O error (EIO) reading an attribute", func(t *testing.T, dir string) {
			noUevent(t, dir)
			eio(t, filepath.Join(dir, "device"))
		}, "input/output error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := fixture.Root(t, faultCapture)
			tc.breakF(t, devDir(t, root, victim))
			scan := faultScan
			if tc.reason == "input/output error" { // an eio link, out of the tree
				scan = faultScanLinksOut
			}
			g := scan(t, root)
			if got := len(pciComponents(g)); got != 37 {
				t.Errorf("%d pci components, want all 37", got)
			}
			c, ok := g.Component("pci:" + victim)
			if !ok {
				t.Fatal("the broken function vanished from the graph")
			}
			if c.Health.State != topology.StateUnknown {
				t.Errorf("health %v, want unknown", c.Health)
			}
			if !strings.Contains(strings.Join(c.Health.Reasons, "\n"), tc.reason) {
				t.Errorf("reasons %q lack %q", c.Health.Reasons, tc.reason)
			}
			// Files are named relative to the capture's root, as on the
			// machine: "sys/devices/…/vendor: missing".
			for _, r := range c.Health.Reasons {
				if strings.Contains(r, root) || (strings.Contains(r, victim+"/") && !strings.Contains(r, "sys/devices/pci0000:40/")) {
					t.Errorf("reason %q does not name the file relative to the root", r)
				}
			}
			if other, _ := g.Component("pci:0000:01:00.0"); other.Health.State != topology.StateOK {
				t.Errorf("an untouched function is %v", other.Health)
			}
		})
	}
}

func TestFaultPCIeDeviceVanishesMidWalk(t *testing.T) {
	// The listing still holds the link, its directory is gone: what a
	// hot-unplug between readdir and read looks like.
	root := fixture.Root(t, faultCapture)
	if err := os.RemoveAll(devDir(t, root, "0000:02:00.1")); err != nil {
		t.Fatal(err)
	}
	g := faultScan(t, root)
	if _, ok := g.Component("pci:0000:02:00.1"); ok {
		t.Error("a vanished function is still a component")
	}
	if got := len(pciComponents(g)); got != 36 {
		t.Errorf("%d pci components, want the other 36", got)
	}
	st := status(g, "pcie")
	if st.State != "ok" || !strings.Contains(strings.Join(st.Problems, "\n"), "0000:02:00.1") {
		t.Errorf("pcie status %+v, want ok with a problem naming the function", st)
	}
}

func TestFaultPCIeSymlinkLoop(t *testing.T) {
	root := fixture.Root(t, faultCapture)
	link := filepath.Join(root, "sys/bus/pci/devices/0000:00:1a.0")
	os.Remove(link)
	if err := os.Symlink("0000:00:1a.0", link); err != nil {
		t.Fatal(err)
	}
	g := faultScan(t, root)
	if got := len(pciComponents(g)); got != 36 {
		t.Errorf("%d pci components, want the other 36", got)
	}
}

func TestFaultPCIeBusListingUnreadable(t *testing.T) {
	// sys/bus/pci/devices replaced by a file: the PCIe collector fails,
	// the NUMA collector still answers and the graph comes out.
	root := fixture.Root(t, faultCapture)
	dir := filepath.Join(root, "sys/bus/pci/devices")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "not a directory")
	reg, _ := New(Options{}).Select([]string{"pcie", "numa"})
	g := reg.Scan(context.Background(), Env{Root: root}, nil)
	if st := status(g, "pcie"); st.State != "error" || !strings.Contains(st.Error, "not a directory") {
		t.Errorf("pcie status %+v, want error", st)
	}
	if _, ok := g.Component("numa:3"); !ok {
		t.Error("NUMA nodes lost with the PCI bus")
	}
}

func TestFaultNUMAFiles(t *testing.T) {
	root := fixture.Root(t, faultCapture)
	node := filepath.Join(root, "sys/devices/system/node")
	write(t, filepath.Join(node, "node1/distance"), "20 10 garbage 20")
	write(t, filepath.Join(node, "node2/meminfo"), "Node 2 MemTotal: lots kB\n")
	os.Remove(filepath.Join(node, "node3/cpulist"))
	os.Remove(filepath.Join(node, "node3/cpumap"))
	os.Remove(filepath.Join(node, "node0/cpulist")) // cpumap, the older form, remains
	eio(t, filepath.Join(node, "node1/meminfo"))
	os.Remove(filepath.Join(node, "node3/meminfo")) // a FIFO: an open that would block forever
	if err := syscall.Mkfifo(filepath.Join(node, "node3/meminfo"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := faultScanLinksOut(t, root)
	if c, _ := g.Component("numa:1"); c.Health.State != topology.StateUnknown || !strings.Contains(strings.Join(c.Health.Reasons, " "), "input/output error") ||
		c.Attrs["cpus"] == nil {
		t.Errorf("numa:1 %v %v: want unknown for its meminfo's EIO, CPUs still read (a bad distance row says nothing of the node)", c.Health, c.Attrs)
	}
	if _, ok := g.Link("numa:0~numa:1"); !ok {
		t.Error("numa:0~numa:1 lost: node0's row still names the distance")
	}
	if c, _ := g.Component("numa:2"); c.Health.State != topology.StateUnknown {
		t.Errorf("numa:2 %v, want unknown (bad meminfo)", c.Health)
	}
	if c, _ := g.Component("numa:3"); c.Health.State != topology.StateUnknown {
		t.Errorf("numa:3 %v, want unknown (no cpulist, no cpumap)", c.Health)
	}
	if c, _ := g.Component("numa:0"); c.Health.State != topology.StateOK || c.Attrs["cpus"] != "0,4,8,12,16,20,24,28,32,36" {
		t.Errorf("numa:0 %v cpus %v, want ok with CPUs read from cpumap", c.Health, c.Attrs["cpus"])
	}
	if _, ok := g.Component("pci:0000:43:00.0"); !ok {
		t.Error("PCI lost with the NUMA files")
	}
}

// TestFaultNoHardware: a root that holds only proc/ (no PCI, no NUMA) gives
// absent collectors and a graph with just the host.
func TestFaultNoHardware(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	g := scan(t, root, "pcie", "numa")
	for _, name := range []string{"pcie", "numa"} {
		if st := status(g, name); st.State != "absent" {
			t.Errorf("%s: %+v, want absent", name, st)
		}
	}
	if len(g.Components) != 0 {
		t.Errorf("%d components from an empty root", len(g.Components))
	}
}

// hung and panicky are test doubles of the Collector interface: a source
// that never answers (a hung driver) and one that crashes.
type hung struct {
	release chan struct{}
	calls   *atomic.Int32 // calls made; nil counts none
}

func (hung) Name() string          { return "hung" }
func (hung) Reads() []capture.Read { return nil }
func (h hung) Collect(ctx context.Context, _ Env) (*topology.Fragment, error) {
	if h.calls != nil {
		h.calls.Add(1)
	}
	<-h.release // ignores ctx, as a read blocked in the kernel would
	return &topology.Fragment{}, nil
}

type panicky struct{}

func (panicky) Name() string          { return "panicky" }
func (panicky) Reads() []capture.Read { return nil }
func (panicky) Collect(context.Context, Env) (*topology.Fragment, error) {
	var m map[string]int
	//lint:ignore SA5000 the collector bug this test is about
	m["boom"]++
	return nil, nil
}

func TestFaultHungAndPanickingCollectors(t *testing.T) {
	root := fixture.Root(t, faultCapture)
	h := hung{release: make(chan struct{})}
	defer close(h.release)
	reg := &Registry{}
	reg.Register(h)
	reg.Register(panicky{})
	reg.Register(NUMA{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	g := reg.Scan(ctx, Env{Root: root}, nil)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("scan took %v despite the deadline", el)
	}
	if st := status(g, "hung"); st.State != "timeout" {
		t.Errorf("hung: %+v, want timeout", st)
	}
	if st := status(g, "panicky"); st.State != "error" || !strings.Contains(st.Error, "panic") {
		t.Errorf("panicky: %+v, want error with the panic", st)
	}
	if st := status(g, "numa"); st.State != "ok" {
		t.Errorf("numa: %+v", st)
	}
	if _, ok := g.Component("numa:3"); !ok {
		t.Error("the healthy collector's components are missing")
	}
}

// TestFaultHungCollectorNotCalledAgain: a collector blocked past its
// deadline (as in a driver that never returns) is not called again by the
// next scans while it is blocked, so blocked goroutines do not pile up
// scan after scan; once it returns, it is called as usual.
func TestFaultHungCollectorNotCalledAgain(t *testing.T) {
	root := fixture.Root(t, faultCapture)
	h := hung{release: make(chan struct{}), calls: new(atomic.Int32)}
	released := false
	defer func() {
		if !released {
			close(h.release)
		}
	}()
	reg := &Registry{}
	reg.Register(h)
	reg.Register(NUMA{})
	scanOnce := func() *topology.Graph {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		return reg.Scan(ctx, Env{Root: root}, nil)
	}
	scanOnce()
	for range 5 {
		g := scanOnce()
		if st := status(g, "hung"); st.State != "timeout" || !strings.Contains(st.Error, "not called again") {
			t.Fatalf("hung: %+v, want a timeout naming the earlier call", st)
		}
		if st := status(g, "numa"); st.State != "ok" {
			t.Fatalf("numa: %+v", st)
		}
	}
	// Counted in the collector, not as goroutines: the runtime's own come
	// and go.
	if n := h.calls.Load(); n != 1 {
		t.Errorf("the blocked collector was called %d times in six scans: blocked calls pile up", n)
	}
	close(h.release)
	released = true
	time.Sleep(50 * time.Millisecond) // the blocked call returns
	if st := status(scanOnce(), "hung"); st.State != "ok" {
		t.Errorf("after it returned: %+v, want it called again", st)
	}
}

func status(g *topology.Graph, name string) topology.CollectorStatus {
	for _, s := range g.Collectors {
		if s.Name == name {
			return s
		}
	}
	return topology.CollectorStatus{}
}

// TestFaultLinkDegradedAndAERErrors: on a copy of node_exporter's capture,
// the NVMe link trained down to x2 and its AER counters raised — the
// link must read degraded with both reasons and the new counts.
func TestFaultLinkDegradedAndAERErrors(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	dir := devDir(t, root, "0000:01:00.0")
	write(t, filepath.Join(dir, "current_link_width"), "2\n")
	write(t, filepath.Join(dir, "aer_dev_nonfatal"), "Undefined 0\nDLP 0\nSDES 0\nTLP 0\nFCP 0\nCmpltTO 3\nTOTAL_ERR_NONFATAL 3\n")
	g := faultScan(t, root)
	l, ok := g.Link("pci:0000:00:02.1~pci:0000:01:00.0")
	if !ok {
		t.Fatal("NVMe link missing")
	}
	if l.Health.State != topology.StateDegraded {
		t.Fatalf("link %v, want degraded", l.Health)
	}
	reasons := strings.Join(l.Health.Reasons, "; ")
	for _, want := range []string{"x2 of x4", "3 aer_nonfatal errors since boot"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("reasons %q lack %q", reasons, want)
		}
	}
	if l.Counters["aer_nonfatal"] != 3 {
		t.Errorf("aer_nonfatal %d, want 3", l.Counters["aer_nonfatal"])
	}
	c, _ := g.Component("pci:0000:01:00.0")
	if c.Counters["aer_nonfatal.CmpltTO"] != 3 {
		t.Errorf("per-type counter %v", c.Counters)
	}
	// A second scan with the correctable count grown shows the delta.
	write(t, filepath.Join(dir, "aer_dev_correctable"), "RxErr 5\nTOTAL_ERR_COR 5\n")
	reg, _ := New(Options{}).Select([]string{"pcie"})
	g2 := reg.Scan(context.Background(), Env{Root: root}, g)
	l2, _ := g2.Link("pci:0000:00:02.1~pci:0000:01:00.0")
	if !strings.Contains(strings.Join(l2.Health.Reasons, "; "), "5 new aer_correctable errors") {
		t.Errorf("second scan reasons %q", l2.Health.Reasons)
	}
}
