package dashboards

import (
	"slices"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/exporter"
)

// notInCaptures are the families no capture in testdata serves, and why.
var notInCaptures = map[string]string{
	"hwgraph_gpu_xid_errors_total":                 "NVML's Xid events, on a live machine only",
	"hwgraph_i2c_bus_locked":                       "an --i2c-read allow-list on a live machine",
	"hwgraph_events_total":                         "events; a fresh capture's first scan has none",
	"hwgraph_nvme_available_spare_ratio":           "the NVMe health log, read from the device as root",
	"hwgraph_nvme_available_spare_threshold_ratio": "the NVMe health log",
	"hwgraph_nvme_critical_warning":                "the NVMe health log",
	"hwgraph_nvme_media_errors_total":              "the NVMe health log",
	"hwgraph_nvme_percentage_used":                 "the NVMe health log",
	"hwgraph_nvme_temperature_celsius":             "the NVMe health log",
	"hwgraph_sensor_energy_joules":                 "a hwmon energy meter",
	"hwgraph_sensor_current_amperes":               "a BMC's or hwmon current sensor (the captures' chips have none)",
	"hwgraph_sensor_power_watts":                   "a BMC, or a hwmon power sensor (the captures' chips have none)",
	"hwgraph_sensor_humidity_ratio":                "a hwmon humidity sensor",
	"hwgraph_sensor_value":                         "a BMC sensor in a unit without a family",
	"hwgraph_link_power_managed":                   "an idle GPU trained below its speed (collectors' TestFaultGPULinkPowerManaged)",
}

// TestMetricsDocMatchesCaptures: every hwgraph_* family served on a
// capture is in docs/metrics.md (exporter.Families), and every family
// there is served on some capture or says why not; no series carries an
// empty label (a component without a serial has no serial="").
func TestMetricsDocMatchesCaptures(t *testing.T) {
	var names []string
	for _, f := range exporter.Families() {
		names = append(names, f.Name)
	}
	served := map[string]bool{}
	for _, tg := range serveCaptures(t) {
		for _, line := range strings.Split(tg.metrics, "\n") {
			if strings.HasPrefix(line, "hwgraph_") && !strings.HasPrefix(line, "hwgraph_build_info") && strings.Contains(line, `=""`) {
				t.Errorf("%s: a series with an empty label: %s", tg.capture, line)
			}
			if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
				name, _, _ = strings.Cut(name, " ")
				if !strings.HasPrefix(name, "hwgraph_") {
					continue
				}
				served[name] = true
				if !slices.Contains(names, name) {
					t.Errorf("%s serves %s, which docs/metrics.md lacks", tg.capture, name)
				}
			}
		}
	}
	for _, n := range names {
		why, excused := notInCaptures[n]
		switch {
		case !served[n] && !excused:
			t.Errorf("%s is served on no capture, and notInCaptures does not say why", n)
		case served[n] && excused:
			t.Errorf("%s is served on a capture: drop it from notInCaptures (%s)", n, why)
		}
	}
}
