package collectors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/hwmon"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestHwmonOnTheirComponents: node_exporter's capture, whose hwmon values
// equal node_exporter's own (hwmon.TestAgainstNodeExporter), shows each
// reading on the part it measures: coretemp.N on package:N, the board's
// nct6779 and the rest on the host, with units and limits; the board's
// voltage alarm and chassis intrusion degrade the host.
func TestHwmonOnTheirComponents(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	g := scan(t, root, "hwmon", "numa")
	for _, tc := range []struct {
		id, sensor string
		value      float64
		unit       string
		limit      func(topology.Sensor) *float64
		limitWant  float64
	}{
		{"package:0", "coretemp Core 0", 54, "degrees C", func(s topology.Sensor) *float64 { return s.UpperCritical }, 100},
		{"package:1", "coretemp Physical id 0", 55, "degrees C", nil, 0},
		{"host", "nct6779 fan2", 1098, "RPM", nil, 0},
		{"host", "nct6779 in0", 0.792, "Volts", func(s topology.Sensor) *float64 { return s.Max }, 1.744},
		{"host", "hwmon2 Right side", 1998, "RPM", nil, 0},
		{"host", "mt7996_phy0_2 temp1", 57, "degrees C", nil, 0},
	} {
		c, ok := g.Component(tc.id)
		if !ok {
			t.Fatalf("%s missing", tc.id)
		}
		s, ok := c.Sensor(tc.sensor)
		if !ok || s.Value == nil || *s.Value != tc.value || s.Unit != tc.unit ||
			tc.limit != nil && (tc.limit(s) == nil || *tc.limit(s) != tc.limitWant) {
			t.Errorf("%s %s = %+v, want %v %s (limit %v)", tc.id, tc.sensor, s, tc.value, tc.unit, tc.limitWant)
		}
	}
	h := g.Host
	reasons := strings.Join(h.Health.Reasons, "; ")
	if h.Health.State != topology.StateDegraded || !strings.Contains(reasons, "nct6779 in1 1.024 Volts: alarm") ||
		!strings.Contains(reasons, "chassis intrusion (nct6779 intrusion0)") {
		t.Errorf("host health %+v", h.Health)
	}
	if p, _ := g.Component("package:0"); p.Health.State != topology.StateOK {
		t.Errorf("package:0 health %+v", p.Health)
	}
	// Every reading the chips hold is in the graph, once.
	chips, err := hwmon.ReadChips(filepath.Join(root, "sys"))
	if err != nil {
		t.Fatal(err)
	}
	inputs, shown := 0, 0
	for _, c := range chips {
		for _, s := range c.Sensors {
			if s.Input != nil {
				inputs++
			}
		}
	}
	for _, c := range append(g.Components, g.Host) {
		shown += len(c.Readings())
	}
	if inputs != shown || inputs < 20 {
		t.Errorf("%d readings shown, the chips hold %d", shown, inputs)
	}
}

// TestFaultHwmonCritical breaks copies of node_exporter's capture: a core
// at 101 °C (its critical limit is 100), and a critical alarm, fail the
// package, naming the sensor.
func TestFaultHwmonCritical(t *testing.T) {
	for _, tc := range []struct {
		name, file, value, reason string
	}{
		{"reading past critical", "temp2_input", "101000", "coretemp Core 0 101 degrees C, at or past its critical 100"},
		{"critical alarm", "temp3_crit_alarm", "1", "coretemp Core 1 52 degrees C: crit alarm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := fixture.Root(t, "node_exporter/sys.tar.gz")
			p := filepath.Join(root, "sys/devices/platform/coretemp.0/hwmon/hwmon0", tc.file)
			if err := os.WriteFile(p, []byte(tc.value+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			g := scan(t, root, "hwmon", "numa")
			c, _ := g.Component("package:0")
			if c == nil || c.Health.State != topology.StateFailed || !strings.Contains(strings.Join(c.Health.Reasons, "; "), tc.reason) {
				t.Errorf("package:0 %+v, want failed: %s", c, tc.reason)
			}
			if other, _ := g.Component("package:1"); other.Health.State != topology.StateOK {
				t.Errorf("package:1 %+v", other.Health)
			}
		})
	}
}

// TestHwmonTarget places chips by the device path the kernel gives them.
func TestHwmonTarget(t *testing.T) {
	for _, tc := range []struct{ name, device, want string }{
		{"coretemp", "devices/platform/coretemp.1", "package:1"},
		{"k10temp", "devices/pci0000:00/0000:00:19.3", "package:1"},
		{"nvme", "devices/pci0000:00/0000:00:01.1/0000:01:00.0/nvme/nvme0", "pci:0000:01:00.0"},
		{"amdgpu", "devices/pci0000:00/0000:00:03.1/0000:0a:00.0", "pci:0000:0a:00.0"},
		{"jc42", "devices/pci0000:00/0000:00:14.0/i2c-0/0-0018", "i2c:0-0018"},
		{"nct6779", "devices/platform/nct6775.656", "host"},
		{"mt7996_phy0_0", "devices/platform/soc/18000000.wifi/ieee80211/phy0", "host"},
		{"acpitz", "", "host"},
	} {
		if got := hwmonTarget(hwmon.Chip{Name: tc.name, Device: tc.device}, t.TempDir()).ID; got != tc.want {
			t.Errorf("%s on %q: %s, want %s", tc.name, tc.device, got, tc.want)
		}
	}
}
