package collectors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/nvme"
	"github.com/hwgraph/hwgraph/topology"
)

// healthPage is a SMART / Health Information log page built at the
// specification's offsets: composite temperature, spare and its
// threshold, percentage used, media errors, warning bits.
func healthPage(warn, spare, used uint8, media uint64) []byte {
	b := make([]byte, nvme.SMARTLogSize)
	b[0] = warn
	binary.LittleEndian.PutUint16(b[1:], 318) // 44.85 °C
	b[3], b[4], b[5] = spare, 10, used
	binary.LittleEndian.PutUint64(b[128:], 20512) // power-on hours
	binary.LittleEndian.PutUint64(b[160:], media)
	return b
}

// nvmeScan scans node_exporter's capture (nvme0 is its Samsung 970 PRO
// at 0000:01:00.0) with the health log answered by read, and returns the
// controller.
func nvmeScan(t *testing.T, read func(string) ([]byte, error), prev *topology.Graph) (*topology.Graph, *topology.Component) {
	t.Helper()
	reg := &Registry{}
	reg.Register(&NVMe{SMARTLog: read})
	g := reg.Scan(t.Context(), Env{Root: fixture.Root(t, "node_exporter/sys.tar.gz")}, prev)
	c, ok := g.Component("pci:0000:01:00.0")
	if !ok {
		t.Fatal("nvme0 is not in the graph")
	}
	return g, c
}

// TestNVMeHealthLog: the health log's values join the controller, and its
// warnings judge it.
func TestNVMeHealthLog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		page   []byte
		state  topology.State
		reason string
	}{
		{"healthy", healthPage(0, 100, 3, 0), topology.StateOK, ""},
		{"spare below threshold", healthPage(nvme.WarnSpare, 5, 40, 0), topology.StateDegraded, "critical warning: available spare 5% below its threshold 10%"},
		{"temperature", healthPage(nvme.WarnTemperature, 100, 3, 0), topology.StateDegraded, "critical warning: temperature past a threshold"},
		{"reliability degraded", healthPage(nvme.WarnReliability, 100, 3, 12), topology.StateFailed, "critical warning: NVM subsystem reliability degraded"},
		{"read-only", healthPage(nvme.WarnReadOnly, 100, 3, 0), topology.StateFailed, "critical warning: media placed in read-only mode"},
		{"worn out", healthPage(0, 100, 103, 0), topology.StateDegraded, "worn out: 103% of its rated endurance used"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := nvmeScan(t, func(ctrl string) ([]byte, error) {
				if ctrl != "nvme0" {
					return nil, fmt.Errorf("asked for %s", ctrl)
				}
				return tc.page, nil
			}, nil)
			if c.Health.State != tc.state || (tc.reason != "" && !strings.Contains(strings.Join(c.Health.Reasons, "; "), tc.reason)) {
				t.Errorf("health %+v, want %s %q", c.Health, tc.state, tc.reason)
			}
			if c.Attrs["temperature_celsius"] != 318-273.15 || c.Attrs["power_on_hours"] != uint64(20512) ||
				c.Attrs["available_spare_threshold_percent"] != uint8(10) || c.Model != "Samsung SSD 970 PRO 512GB" {
				t.Errorf("attrs %v model %q", c.Attrs, c.Model)
			}
		})
	}
}

// TestNVMeMediaErrorsGrow: media errors that grew since the last scan
// degrade the controller; the count itself, steady, does not.
func TestNVMeMediaErrorsGrow(t *testing.T) {
	media := uint64(4)
	read := func(string) ([]byte, error) { return healthPage(0, 100, 3, media), nil }
	first, c := nvmeScan(t, read, nil)
	if c.Health.State != topology.StateOK || c.Counters[topology.CounterNVMeMediaErrors] != 4 {
		t.Fatalf("first scan %+v %v", c.Health, c.Counters)
	}
	media = 9
	_, c = nvmeScan(t, read, first)
	if c.Health.State != topology.StateDegraded || !strings.Contains(strings.Join(c.Health.Reasons, ";"), "5 new media and data integrity errors") {
		t.Errorf("second scan %+v", c.Health)
	}
}

// TestFaultNVMeHealthLog: a log that cannot be read or is cut short. No
// root (EPERM, EACCES) or no device node is a problem of the scan, the
// controller stays as it is; an I/O error or a truncated page leaves it
// unknown, saying why.
func TestFaultNVMeHealthLog(t *testing.T) {
	for _, tc := range []struct {
		name    string
		read    func(string) ([]byte, error)
		state   topology.State
		problem string
	}{
		{"EPERM", func(string) ([]byte, error) { return nil, fmt.Errorf("open /dev/nvme0: %w", syscall.EPERM) }, topology.StateOK, "nvme0 health log not read"},
		{"EACCES", func(string) ([]byte, error) {
			return nil, &fs.PathError{Op: "open", Path: "/dev/nvme0", Err: fs.ErrPermission}
		}, topology.StateOK, "root reads it"},
		{"no device node", func(string) ([]byte, error) {
			return nil, &fs.PathError{Op: "open", Path: "/dev/nvme0", Err: fs.ErrNotExist}
		}, topology.StateOK, "no device node"},
		{"ioctl error", func(string) ([]byte, error) { return nil, errors.New("nvme smart log /dev/nvme0: input/output error") }, topology.StateUnknown, ""},
		{"truncated page", func(string) ([]byte, error) { return healthPage(0, 100, 3, 0)[:100], nil }, topology.StateUnknown, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, c := nvmeScan(t, tc.read, nil)
			if c.Health.State != tc.state {
				t.Errorf("health %+v, want %s", c.Health, tc.state)
			}
			st := status(g, "nvme")
			if tc.problem != "" && !strings.Contains(strings.Join(st.Problems, "\n"), tc.problem) {
				t.Errorf("problems %q lack %q", st.Problems, tc.problem)
			}
			if st.State != "ok" {
				t.Errorf("collector %+v", st)
			}
		})
	}
}

// TestNVMeHealthLogRecordedAndReplayed: the page read on a machine is
// handed to Record, and a capture's pages replay to the same graph.
func TestNVMeHealthLogRecordedAndReplayed(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	pages := map[string][]byte{}
	live := New(Options{NVMeRecord: func(ctrl string, p []byte) { pages[ctrl] = p }})
	sel, _ := live.Select([]string{"nvme"})
	sel.collectors[0].(*NVMe).SMARTLog = func(string) ([]byte, error) { return healthPage(nvme.WarnSpare, 5, 40, 2), nil }
	want := sel.Scan(t.Context(), Env{Root: root}, nil)
	if len(pages) != 1 || pages["nvme0"] == nil {
		t.Fatalf("recorded %v", pages)
	}
	replay, _ := New(Options{NVMeReplay: pages}).Select([]string{"nvme"})
	got := replay.Scan(t.Context(), Env{Root: root}, nil)
	if a, b := comparable(t, want), comparable(t, got); a != b {
		t.Errorf("replayed graph differs:\n%s\nrecorded:\n%s", b, a)
	}
}
