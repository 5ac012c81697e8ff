//go:build cgo

package collectors

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/nvmlmock"
	"github.com/hwgraph/hwgraph/nvgpu"
	"github.com/hwgraph/hwgraph/topology"
)

func gpuScan(t *testing.T, lib nvml.Interface, c *GPU, prev *topology.Graph) *topology.Graph {
	t.Helper()
	c.NVML = nvmlmock.Library(lib)
	reg := &Registry{}
	reg.Register(c)
	g := reg.Scan(context.Background(), Env{Root: fixture.Dir(t)}, prev)
	if st := status(g, "gpu"); st.State != "ok" || len(st.Problems) > 0 {
		t.Fatalf("gpu collector %+v", st)
	}
	return g
}

// TestGPUOverDGXMocks: on the DGX A100 and H100 mocks, eight GPUs with
// their identity, firmware and PCI address, each reaching all six
// NVSwitches over two links: every GPU reaches every other.
func TestGPUOverDGXMocks(t *testing.T) {
	for name, srv := range map[string]*server.Server{"dgxa100": dgxa100.New(), "dgxh100": dgxh100.New()} {
		t.Run(name, func(t *testing.T) {
			nvmlmock.Wire(srv, nvmlmock.Switched())
			g := gpuScan(t, srv, &GPU{}, nil)
			if g.Host.Attrs["nvidia_driver"] != srv.DriverVersion || g.Host.Attrs["cuda_version"] != "12.4" {
				t.Errorf("host attrs %v", g.Host.Attrs)
			}
			gpus := 0
			for i, d := range srv.Devices {
				dev := d.(*server.Device)
				c, ok := g.Component("pci:" + nvmlmock.GPUBus[i])
				if !ok {
					t.Fatalf("GPU %d (%s) missing", i, nvmlmock.GPUBus[i])
				}
				gpus++
				name, _ := dev.GetName()
				if c.Kind != topology.KindGPU || c.Name != name || c.Attrs["uuid"] != dev.UUID || c.Firmware != "92.00.45.00.03" ||
					c.Serial != fmt.Sprintf("16520220%05d", i) || c.Attrs["memory_bytes"] != dev.MemoryInfo.Total ||
					c.Attrs["inforom"] != "G500.0200.00.03" || c.Counters[topology.CounterCorrected] != uint64(i) ||
					c.Attrs["minor_number"] != dev.Minor {
					t.Errorf("GPU %d: %+v", i, c)
				}
				if c.Health.State != topology.StateOK {
					t.Errorf("GPU %d health %+v", i, c.Health)
				}
			}
			if gpus != 8 {
				t.Errorf("%d GPUs", gpus)
			}
			checkIDs(t, g)
			reach := map[string]map[string]bool{} // switch → GPUs on it
			links := 0
			for _, l := range g.Links {
				if l.Kind != topology.LinkNVLink {
					continue
				}
				links++
				if reach[l.To] == nil {
					reach[l.To] = map[string]bool{}
				}
				reach[l.To][l.From] = true
			}
			if links != 8*12 || len(reach) != 6 {
				t.Errorf("%d NVLinks to %d switches, want 96 to 6", links, len(reach))
			}
			for sw, on := range reach {
				if len(on) != 8 || !strings.HasPrefix(sw, "nvswitch:") {
					t.Errorf("%s reaches %d GPUs", sw, len(on))
				}
				if c, ok := g.Component(sw); !ok || c.Kind != topology.KindNVSwitch {
					t.Errorf("%s: %+v", sw, c)
				}
			}
			if l, ok := g.Link("pci:0000:07:00.0~nvswitch:0000:c6:00.0#5"); !ok || l.Attrs["port"] != 5 || l.Attrs["version"] != uint32(3) {
				t.Errorf("GPU 0 port 5: %+v", l)
			}
			// nvidia-smi topo -m on a DGX A100 shows NV12 between all GPUs.
			var buf strings.Builder
			if err := topology.WriteMatrix(&buf, g); err != nil {
				t.Fatal(err)
			}
			rows := strings.Split(buf.String(), "\n")
			for i := range 8 {
				f := strings.Fields(rows[i+1])
				if f[0] != fmt.Sprintf("GPU%d", i) || f[i+1] != "X" || strings.Count(rows[i+1], "NV12") != 7 {
					t.Errorf("matrix row %d: %q", i, rows[i+1])
				}
			}
		})
	}
}

// TestGPUNVLinkHealth: a link that goes down fails; CRC errors that grow
// between two scans degrade the link; the rest stays ok.
func TestGPUNVLinkHealth(t *testing.T) {
	srv := dgxh100.New()
	fb := nvmlmock.Switched()
	nvmlmock.Wire(srv, fb)
	c := &GPU{}
	first := gpuScan(t, srv, c, nil)
	fb.Set(func() {
		fb.Down[[2]int{2, 3}] = true
		fb.CRC[[2]int{5, 7}] = 12
	})
	second := gpuScan(t, srv, c, first)
	down, _ := second.Link("pci:0000:47:00.0~nvswitch:0000:c5:00.0#3")
	if down == nil || down.Health.State != topology.StateFailed || down.Health.Reasons[0] != "NVLink down" {
		t.Errorf("downed link: %+v", down)
	}
	crc, _ := second.Link("pci:0000:90:00.0~nvswitch:0000:c7:00.0#7")
	if crc == nil || crc.Health.State != topology.StateDegraded || crc.Health.Reasons[0] != "12 new nvlink_crc_flit errors" {
		t.Errorf("link with growing CRC errors: %+v", crc)
	}
	bad := 0
	for _, l := range second.Links {
		if l.Health.State != topology.StateOK {
			bad++
		}
	}
	if bad != 2 {
		t.Errorf("%d unhealthy links, want 2", bad)
	}
}

// TestGPUDirectMesh: four A100s wired to each other directly (an HGX
// A100 4-GPU board: four links between every pair). Each cable is one
// link, drawn from the lower GPU, carrying both ends' errors.
func TestGPUDirectMesh(t *testing.T) {
	srv := dgxa100.New()
	srv.Devices = srv.Devices[:4]
	fb := &nvmlmock.Fabric{Ports: 12, Down: map[[2]int]bool{}, CRC: map[[2]int]uint64{{1, 1}: 2, {0, 1}: 3},
		Remote: func(gpu, port int) (string, nvml.IntNvLinkDeviceType) {
			peers := []int{}
			for p := range 4 {
				if p != gpu {
					peers = append(peers, p)
				}
			}
			return nvmlmock.GPUBus[peers[port/4]], nvml.NVLINK_DEVICE_TYPE_GPU
		}}
	nvmlmock.Wire(srv, fb)
	g := gpuScan(t, srv, &GPU{}, nil)
	pairs := map[string]int{}
	for _, l := range g.Links {
		if l.Kind == topology.LinkNVLink {
			if l.From >= l.To {
				t.Errorf("%s drawn from the higher end", l.ID)
			}
			pairs[l.From+" "+l.To]++
		}
	}
	if len(pairs) != 6 {
		t.Errorf("%d GPU pairs, want 6: %v", len(pairs), pairs)
	}
	for p, n := range pairs {
		if n != 4 {
			t.Errorf("%s: %d links, want 4", p, n)
		}
	}
	// Ports 0-3 of GPU 0 lead to GPU 1 and ports 0-3 of GPU 1 to GPU 0:
	// port 1 to port 1 is one cable, with 3 + 2 CRC errors.
	l, ok := g.Link("pci:0000:07:00.0~pci:0000:0f:00.0#1")
	if !ok || l.Counters["nvlink_crc_flit"] != 5 || l.Attrs["remote_port"] != 1 {
		t.Errorf("GPU 0 ↔ GPU 1 first link: %+v", l)
	}
}

// TestGPUXid79: an Xid 79 from the event set makes that GPU failed and
// the scan carries the event once.
func TestGPUXid79(t *testing.T) {
	srv := dgxh100.New()
	nvmlmock.Wire(srv, nvmlmock.Switched())
	for _, d := range srv.Devices {
		d.(*server.Device).RegisterEventsFunc = func(uint64, nvml.EventSet) nvml.Return { return nvml.SUCCESS }
	}
	var once sync.Once
	delivered := make(chan struct{})
	srv.EventSetCreateFunc = func() (nvml.EventSet, nvml.Return) {
		return &mock.EventSet{
			WaitFunc: func(uint32) (nvml.EventData, nvml.Return) {
				ret := nvml.ERROR_TIMEOUT
				var data nvml.EventData
				once.Do(func() {
					data, ret = nvml.EventData{Device: srv.Devices[5], EventType: nvml.EventTypeXidCriticalError, EventData: 79}, nvml.SUCCESS
					defer close(delivered)
				})
				if ret == nvml.ERROR_TIMEOUT {
					time.Sleep(time.Millisecond)
				}
				return data, ret
			},
			FreeFunc: func() nvml.Return { return nvml.SUCCESS },
		}, nvml.SUCCESS
	}
	c := &GPU{NVML: nvmlmock.Library(srv)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Watch(ctx, Env{Root: "/"}) }()
	<-delivered
	time.Sleep(10 * time.Millisecond) // let the watcher hand the event over
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("watch: %v", err)
	}
	g := gpuScan(t, srv, c, nil)
	gpu5, _ := g.Component("pci:" + nvmlmock.GPUBus[5])
	if gpu5.Health.State != topology.StateFailed || gpu5.Health.Reasons[0] != "Xid 79: GPU has fallen off the bus" {
		t.Errorf("GPU 5 after Xid 79: %+v", gpu5.Health)
	}
	if len(g.Events) != 1 || g.Events[0].Kind != "xid" || g.Events[0].Component != "pci:"+nvmlmock.GPUBus[5] || g.Events[0].Severity != topology.SeverityCritical {
		t.Errorf("events %+v", g.Events)
	}
	again := gpuScan(t, srv, c, g)
	if len(again.Events) != 0 {
		t.Errorf("the Xid was reported twice: %+v", again.Events)
	}
	gpu5, _ = again.Component("pci:" + nvmlmock.GPUBus[5])
	if gpu5.Health.State != topology.StateFailed {
		t.Errorf("GPU 5 healed by itself: %+v", gpu5.Health)
	}
	// The count stays for hwgraph_gpu_xid_errors_total; its growth adds
	// no second reason.
	if gpu5.Counters[topology.CounterXidPrefix+"79"] != 1 || len(gpu5.Health.Reasons) != 1 {
		t.Errorf("GPU 5's Xid count: %v, reasons %q", gpu5.Counters, gpu5.Health.Reasons)
	}
}

// TestGPUNoDriver: NVML without a driver is absent, not an error.
func TestGPUNoDriver(t *testing.T) {
	for _, ret := range []nvml.Return{nvml.ERROR_LIBRARY_NOT_FOUND, nvml.ERROR_DRIVER_NOT_LOADED} {
		srv := dgxh100.New()
		srv.InitFunc = func() nvml.Return { return ret }
		reg := &Registry{}
		reg.Register(&GPU{NVML: nvmlmock.Library(srv)})
		g := reg.Scan(context.Background(), Env{Root: "/"}, nil)
		if st := status(g, "gpu"); st.State != "absent" {
			t.Errorf("%v: %+v", ret, st)
		}
	}
}

// TestGPUAbsentOnThisMachine: the real libnvidia-ml, where there is none.
func TestGPUAbsentOnThisMachine(t *testing.T) {
	if _, err := os.Stat("/dev/nvidiactl"); err == nil {
		t.Skip("this machine has an NVIDIA driver")
	}
	reg := &Registry{}
	reg.Register(&GPU{})
	g := reg.Scan(context.Background(), Env{Root: "/"}, nil)
	if st := status(g, "gpu"); st.State != "absent" {
		t.Errorf("%+v", st)
	}
}

// TestFaultGPUHungDriver: a driver call that never returns times the
// collector out; the next scan does not call it again (the registry
// reports the blocked call at once) instead of stacking another hung
// call, and the scan itself returns on time.
func TestFaultGPUHungDriver(t *testing.T) {
	srv := dgxh100.New()
	nvmlmock.Wire(srv, nvmlmock.Switched())
	release := make(chan struct{})
	defer close(release)
	srv.Devices[3].(*server.Device).GetSerialFunc = func() (string, nvml.Return) {
		<-release
		return "", nvml.ERROR_TIMEOUT
	}
	reg := &Registry{}
	c := &GPU{NVML: nvmlmock.Library(srv)}
	reg.Register(c)
	for i, want := range []string{"no answer within the deadline", "has not returned"} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		g := reg.Scan(ctx, Env{Root: "/"}, nil)
		cancel()
		if st := status(g, "gpu"); st.State != "timeout" || !strings.Contains(st.Error, want) || time.Since(start) > 2*time.Second {
			t.Errorf("scan %d: %+v after %v, want a timeout saying %q", i, st, time.Since(start), want)
		}
	}
	// Scan after scan, the hung call stays one goroutine.
	before := runtime.NumGoroutine()
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		reg.Scan(ctx, Env{Root: "/"}, nil)
		cancel()
	}
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("goroutines %d → %d over 5 scans of a hung driver", before, after)
	}
}

// TestGPUNameOverPCIIDs: on ghw's capture of a machine with an NVIDIA
// GPU at 0000:06:00.0, an NVML that reports a GPU at that address (go-nvml's
// A100 mock, placed there) names it: NVML's board name and vendor are kept
// over pci.ids', and the PCI collector's placement stays.
func TestGPUNameOverPCIIDs(t *testing.T) {
	srv := dgxa100.New()
	srv.Devices = srv.Devices[:1]
	nvmlmock.Wire(srv, &nvmlmock.Fabric{Remote: func(int, int) (string, nvml.IntNvLinkDeviceType) { return "", 0 }})
	srv.Devices[0].(*server.Device).GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) {
		return nvmlmock.PciInfo("0000:06:00.0"), nvml.SUCCESS
	}
	name, _ := srv.Devices[0].GetName()
	g := New(Options{NVML: nvmlmock.Library(srv)}).Scan(t.Context(), Env{Root: fixture.Root(t, "ghw/linux-amd64-accel-nvidia.tar.gz")}, nil)
	c, ok := g.Component("pci:0000:06:00.0")
	if !ok || c.Name != name || c.Model != name || c.Vendor != "NVIDIA" || c.Parent != "pci:0000:00:01.5" || c.Attrs["driver"] != "nvidia" {
		t.Errorf("the GPU: %+v; want NVML's %q", c, name)
	}
}

// TestXidStormIsCounted: a storm of one Xid on one GPU is counted whole
// (hwgraph_gpu_xid_errors_total) but kept once for its health, so the log
// does not grow with the storm.
func TestXidStormIsCounted(t *testing.T) {
	var x xidLog
	bus := "0000:07:00.0"
	for range 1000 {
		x.add(nvgpu.Xid{BusID: bus, Code: 48})
	}
	x.add(nvgpu.Xid{BusID: bus, Code: 79})
	if len(x.seen[bus]) != 2 {
		t.Errorf("%d Xids kept for health, want one of each code", len(x.seen[bus]))
	}
	f := &topology.Fragment{}
	x.apply(f, map[string]string{bus: "pci:" + bus})
	var gpu *topology.Component
	for _, c := range f.Components {
		if c.ID == "pci:"+bus {
			gpu = c
		}
	}
	if gpu == nil || gpu.Counters["xid.48"] != 1000 || gpu.Counters["xid.79"] != 1 || gpu.Health.State != topology.StateFailed {
		t.Errorf("the GPU after the storm: %+v", gpu)
	}
	if len(f.Events) != 2 || f.Events[0].N() != 1000 || f.Events[1].N() != 1 {
		t.Errorf("%d events (%+v), want the storm folded into one of count 1000, and the Xid 79", len(f.Events), f.Events)
	}
}

// TestXidStormThroughTheMock: the H100 mock's event set delivers 1,000
// Xid 48s on GPU 5 between two scans, as a failing HBM does: the scan has
// one event for them, of count 1,000, and the counter counts every one;
// the watcher's memory does not grow with the storm.
func TestXidStormThroughTheMock(t *testing.T) {
	srv := dgxh100.New()
	nvmlmock.Wire(srv, nvmlmock.Switched())
	for _, d := range srv.Devices {
		d.(*server.Device).RegisterEventsFunc = func(uint64, nvml.EventSet) nvml.Return { return nvml.SUCCESS }
	}
	var mu sync.Mutex
	sent := 0
	delivered := make(chan struct{})
	srv.EventSetCreateFunc = func() (nvml.EventSet, nvml.Return) {
		return &mock.EventSet{
			WaitFunc: func(uint32) (nvml.EventData, nvml.Return) {
				mu.Lock()
				defer mu.Unlock()
				if sent == 1000 {
					time.Sleep(time.Millisecond)
					return nvml.EventData{}, nvml.ERROR_TIMEOUT
				}
				if sent++; sent == 1000 {
					close(delivered)
				}
				return nvml.EventData{Device: srv.Devices[5], EventType: nvml.EventTypeXidCriticalError, EventData: 48}, nvml.SUCCESS
			},
			FreeFunc: func() nvml.Return { return nvml.SUCCESS },
		}, nvml.SUCCESS
	}
	c := &GPU{NVML: nvmlmock.Library(srv)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Watch(ctx, Env{Root: "/"}) }()
	<-delivered
	time.Sleep(10 * time.Millisecond) // let the watcher hand the last over
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("watch: %v", err)
	}
	if n := len(c.xids.fresh); n != 1 {
		t.Errorf("the watcher keeps %d Xids for 1,000 of one code", n)
	}
	g := gpuScan(t, srv, c, nil)
	var xids []topology.Event
	for _, e := range g.Events {
		if e.Kind == "xid" {
			xids = append(xids, e)
		}
	}
	gpu5, _ := g.Component("pci:" + nvmlmock.GPUBus[5])
	if len(xids) != 1 || xids[0].N() != 1000 || xids[0].Component != gpu5.ID || gpu5.Counters["xid.48"] != 1000 {
		t.Errorf("events %+v, counter %d; want one Xid 48 event of count 1000", xids, gpu5.Counters["xid.48"])
	}
}

// TestFaultGPULinkPowerManaged: the A100 mock placed on ghw's NVIDIA
// capture, whose GPU function is given a link (the capture has none):
// GPUs retrain to Gen1 when idle, so an idle one at 2.5 of 16 GT/s is ok
// and marked power-managed, a busy one degraded; x8 of x16 is degraded
// either way; a P-state NVML cannot tell, or an NVML error, leaves the
// speed judged as a fault, saying why; with no NVML at all (a captured
// tree) a GPU's slow link is taken as power-managed.
func TestFaultGPULinkPowerManaged(t *testing.T) {
	for _, tc := range []struct {
		name         string
		nvml         bool
		pstate       nvml.Pstates
		util         uint32
		pstateErr    nvml.Return
		speed, width string
		state        topology.State
		reason       string
		managed      bool
	}{
		{"idle at Gen1", true, nvml.PSTATE_8, 0, nvml.SUCCESS, "2.5 GT/s PCIe", "16", topology.StateOK, "", true},
		{"busy at Gen1", true, nvml.PSTATE_0, 87, nvml.SUCCESS, "2.5 GT/s PCIe", "16", topology.StateDegraded, "2.5 GT/s of 16 GT/s while busy", false},
		{"busy in P2, nothing running", true, nvml.PSTATE_2, 0, nvml.SUCCESS, "8.0 GT/s PCIe", "16", topology.StateDegraded, "8 GT/s of 16 GT/s while busy", false},
		{"idle at x8", true, nvml.PSTATE_8, 0, nvml.SUCCESS, "16.0 GT/s PCIe", "8", topology.StateDegraded, "x8 of x16", false},
		{"idle at Gen1 and x8", true, nvml.PSTATE_8, 0, nvml.SUCCESS, "2.5 GT/s PCIe", "8", topology.StateDegraded, "x8 of x16", true},
		{"P-state unknown", true, nvml.PSTATE_UNKNOWN, 0, nvml.SUCCESS, "2.5 GT/s PCIe", "16", topology.StateDegraded, "load is unknown: NVML gives P-state 32", false},
		{"NVML error", true, 0, 0, nvml.ERROR_UNKNOWN, "2.5 GT/s PCIe", "16", topology.StateDegraded, "load is unknown: gpu 0 performance state: ERROR_UNKNOWN", false},
		{"no NVML", false, 0, 0, 0, "2.5 GT/s PCIe", "16", topology.StateOK, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := fixture.Root(t, "ghw/linux-amd64-accel-nvidia.tar.gz")
			dev := filepath.Join(root, "sys/devices/pci0000:00/0000:00:01.5/0000:06:00.0")
			for name, v := range map[string]string{"current_link_speed": tc.speed, "max_link_speed": "16.0 GT/s PCIe",
				"current_link_width": tc.width, "max_link_width": "16"} {
				if err := os.WriteFile(filepath.Join(dev, name), []byte(v+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opts := Options{}
			if tc.nvml {
				srv := dgxa100.New()
				srv.Devices = srv.Devices[:1]
				nvmlmock.Wire(srv, &nvmlmock.Fabric{Remote: func(int, int) (string, nvml.IntNvLinkDeviceType) { return "", 0 }})
				d := srv.Devices[0].(*server.Device)
				d.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) { return nvmlmock.PciInfo("0000:06:00.0"), nvml.SUCCESS }
				d.GetPerformanceStateFunc = func() (nvml.Pstates, nvml.Return) { return tc.pstate, tc.pstateErr }
				d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{Gpu: tc.util}, nvml.SUCCESS }
				opts.NVML = nvmlmock.Library(srv)
			}
			g := New(opts).Scan(t.Context(), Env{Root: root}, nil)
			l, ok := g.Link(topology.LinkID("pci:0000:00:01.5", "pci:0000:06:00.0", 0))
			if !ok {
				t.Fatal("no link to the GPU")
			}
			managed, _ := l.Attrs[topology.AttrPowerManaged].(bool)
			if l.Health.State != tc.state || !strings.Contains(strings.Join(l.Health.Reasons, "; "), tc.reason) || managed != tc.managed {
				t.Errorf("link %s %v, power-managed %v; want %s %q, %v", l.Health.State, l.Health.Reasons, managed, tc.state, tc.reason, tc.managed)
			}
		})
	}
}
