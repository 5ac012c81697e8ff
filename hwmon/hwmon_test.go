package hwmon

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// nodeExporterChip is the chip label node_exporter gives a chip: the
// device's bus and name, with the chip's name when several chips share a
// device; else the chip's name, else its folder.
func nodeExporterChip(c Chip, shared map[string]int) string {
	clean := func(s string) string {
		return strings.Trim(regexp.MustCompile("[^a-z0-9:_]").ReplaceAllString(strings.ToLower(s), "_"), "_")
	}
	switch {
	case c.Device != "":
		name := clean(path.Base(path.Dir(c.Device))) + "_" + clean(path.Base(c.Device))
		if shared[c.Device] > 1 {
			name += "_" + clean(c.Name)
		}
		return name
	case c.Name != "":
		return clean(c.Name)
	}
	return c.Dir
}

// TestAgainstNodeExporter: every value read from node_exporter's capture
// (inputs, limits, alarms of temperature, fan and voltage sensors on
// coretemp, nct6779, applesmc, mt7996 and an anonymous chip) equals what
// node_exporter prints for that tree.
func TestAgainstNodeExporter(t *testing.T) {
	chips, err := ReadChips(fixture.Root(t, "node_exporter/sys.tar.gz") + "/sys")
	if err != nil {
		t.Fatal(err)
	}
	ne := map[string]float64{} // "metric{chip,sensor}" → value
	for name, mf := range fixture.NodeExporterMetrics(t) {
		if !strings.HasPrefix(name, "node_hwmon_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			ne[fmt.Sprintf("%s{%s,%s}", name, fixture.Label(m, "chip"), fixture.Label(m, "sensor"))] = m.GetGauge().GetValue()
		}
	}
	shared := map[string]int{}
	for _, c := range chips {
		if c.Device != "" {
			shared[c.Device]++
		}
	}
	unit := map[string]string{"temp": "_celsius", "fan": "_rpm", "in": "_volts", "curr": "_amps"}
	compared := 0
	for _, c := range chips {
		if len(c.Problems) > 0 {
			t.Errorf("%s: %v", c.Dir, c.Problems)
		}
		chip := nodeExporterChip(c, shared)
		for _, s := range c.Sensors {
			for prop, v := range map[string]*float64{"": s.Input, "_min": s.Min, "_max": s.Max, "_crit": s.Crit} {
				if v == nil {
					continue
				}
				key := fmt.Sprintf("node_hwmon_%s%s%s{%s,%s}", s.Type, prop, unit[s.Type], chip, s.ID())
				want, ok := ne[key]
				if !ok {
					t.Errorf("%s %s: node_exporter has no %s", c.Dir, s.ID(), key)
					continue
				}
				if *v != want {
					t.Errorf("%s = %v, node_exporter says %v", key, *v, want)
				}
				compared++
			}
			for _, flag := range []string{"alarm", "crit_alarm"} {
				key := fmt.Sprintf("node_hwmon_%s_%s{%s,%s}", s.Type, flag, chip, s.ID())
				if flag == "crit_alarm" {
					key = fmt.Sprintf("node_hwmon_%s_%s%s{%s,%s}", s.Type, flag, unit[s.Type], chip, s.ID())
				}
				want, ok := ne[key]
				if !ok {
					continue // the chip has no such flag
				}
				set := false
				for _, a := range s.Alarms {
					set = set || a == flag
				}
				if set != (want != 0) {
					t.Errorf("%s: set %v, node_exporter says %v", key, set, want)
				}
				compared++
			}
		}
	}
	if compared < 60 {
		t.Errorf("%d values compared with node_exporter's", compared)
	}
	t.Logf("%d values of %d chips equal node_exporter's", compared, len(chips))
}
