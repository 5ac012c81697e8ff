// Package exporter serves the machine graph to Prometheus and people:
// /metrics (the metric families of DESIGN.md, built from the last scan so
// a scrape never waits on hardware), /api/v1/graph, /api/v1/events,
// /healthz, and the topology page at /.
package exporter

import (
	"maps"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hwgraph/hwgraph/topology"
)

const ns = "hwgraph"

func desc(name, help string, labels ...string) *prometheus.Desc {
	fq := prometheus.BuildFQName(ns, "", name)
	typ := "gauge"
	if strings.HasSuffix(fq, "_total") {
		typ = "counter"
	}
	families = append(families, Family{Name: fq, Type: typ, Help: help, Labels: labels})
	return prometheus.NewDesc(fq, help, labels, nil)
}

var (
	linkLabels = []string{"id", "kind", "from", "to"}

	componentInfo = desc("component_info", "A component of the machine; 1. Labels carry its identity, and the neighbours' join labels where it has them: pci_bus_id and uuid as dcgm-exporter's, device as node_exporter's and dcgm-exporter's.",
		"id", "kind", "name", "parent", "vendor", "model", "firmware", "serial", "part_number", "pci_bus_id", "uuid", "device")
	componentState = desc("component_state", "Health of a component, one-hot by state.", "id", "kind", "state")
	linkInfo       = desc("link_info", "A link between two components; 1.", linkLabels...)
	linkUp         = desc("link_up", "1 when the link is up (not failed, not missing).", linkLabels...)
	linkSpeed      = desc("link_speed_transfers_per_second", "Current link speed in transfers per second (PCIe: 8e9 is Gen3).", linkLabels...)
	linkMaxSpeed   = desc("link_max_speed_transfers_per_second", "The most the link can train to, in transfers per second.", linkLabels...)
	linkWidth      = desc("link_width", "Current link width in lanes.", linkLabels...)
	linkMaxWidth   = desc("link_max_width", "The widest the link can train to, in lanes.", linkLabels...)
	linkDegraded   = desc("link_degraded", "1 when the link is degraded (trained down, or its errors grow).", linkLabels...)
	linkPowerMgd   = desc("link_power_managed", "1 on a link trained below its maximum speed because its device idles (a GPU drops to Gen1): not a fault. Absent on other links.", linkLabels...)
	linkErrors     = desc("link_errors_total", "Errors counted on the link, by type (aer_correctable, nvlink_crc_flit, …).",
		append(append([]string{}, linkLabels...), "type")...)
	memoryErrors     = desc("memory_errors_total", "Memory errors counted on a DIMM, memory controller or GPU.", "id", "kind", "type")
	cpuThrottles     = desc("cpu_throttles_total", "Times a CPU package (type=package), or its cores together (type=core), were slowed for heat.", "id", "type")
	i2cLocked        = desc("i2c_bus_locked", "1 when an I2C bus is locked up.", "id")
	nvmeWarning      = desc("nvme_critical_warning", "The critical warning bits of an NVMe controller's health log (0: none; 1 spare, 2 temperature, 4 reliability, 8 read-only, 16 backup).", "id")
	nvmeUsed         = desc("nvme_percentage_used", "The controller's estimate of its rated endurance used, in percent (may pass 100).", "id")
	nvmeSpare        = desc("nvme_available_spare_ratio", "Spare capacity left, as a ratio.", "id")
	nvmeSpareMin     = desc("nvme_available_spare_threshold_ratio", "The spare ratio below which the controller warns.", "id")
	nvmeTemp         = desc("nvme_temperature_celsius", "The controller's composite temperature.", "id")
	nvmeMedia        = desc("nvme_media_errors_total", "Media and data integrity errors the controller counted over its life.", "id")
	diskIOErrors     = desc("disk_io_errors_total", "Commands the SCSI layer saw fail (type=error) or time out (type=timeout) on a disk since boot.", "id", "type")
	sensorValue      = desc("sensor_value", "A BMC or hwmon sensor reading in a unit without a family of its own (the unit label).", "id", "sensor", "unit")
	xidErrors        = desc("gpu_xid_errors_total", "Xid errors NVML reported for a GPU since the agent started, by Xid code.", "id", "xid")
	eventsTotal      = desc("events_total", "Events recorded, by kind, since the journal began.", "kind")
	collectorOK      = desc("collector_success", "1 when the collector answered (absent hardware counts as success).", "collector")
	collectorDur     = desc("collector_duration_seconds", "How long the collector took in the last scan.", "collector")
	scanTime         = desc("last_scan_timestamp_seconds", "When the graph served was scanned.")
	stateErrors      = desc("state_errors_total", "State files found damaged (moved aside and started afresh) since the agent started, by file.", "file")
	stateWriteErrors = desc("state_write_errors_total", "Writes of the state folder (journal, last scan, baseline) that failed since the agent started; each is retried.")
	statePending     = desc("state_pending_events", "Events judged but not yet in the journal, kept in memory until a write of the state folder succeeds.")
)

// sensorFamilies are the sensor readings by unit (as IPMI and hwgraph's
// hwmon name units), each a family in its base unit, as ipmi_exporter's
// and node_exporter's hwmon families are.
var sensorFamilies = map[string]*prometheus.Desc{
	"degrees C": desc("sensor_temperature_celsius", "A BMC or hwmon temperature sensor.", "id", "sensor"),
	"Volts":     desc("sensor_voltage_volts", "A BMC or hwmon voltage sensor.", "id", "sensor"),
	"Amps":      desc("sensor_current_amperes", "A BMC or hwmon current sensor.", "id", "sensor"),
	"Watts":     desc("sensor_power_watts", "A BMC or hwmon power sensor (DCMI's system power among them).", "id", "sensor"),
	"Joules":    desc("sensor_energy_joules", "A hwmon energy meter.", "id", "sensor"),
	"RPM":       desc("sensor_fan_speed_rpm", "A BMC or hwmon fan speed.", "id", "sensor"),
	"ratio":     desc("sensor_humidity_ratio", "A hwmon relative humidity sensor, as a ratio.", "id", "sensor"),
}

// graphCollector turns the last graph into const metrics at scrape time.
type graphCollector struct {
	graph       func() *topology.Graph
	counts      func() map[string]uint64
	stateErrors func() map[string]uint64 // nil without a state folder
	stateWrites func() (uint64, int)
}

func (c *graphCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range sensorFamilies {
		ch <- d
	}
	for _, d := range []*prometheus.Desc{componentInfo, componentState, linkInfo, linkUp, linkSpeed, linkMaxSpeed,
		linkWidth, linkMaxWidth, linkDegraded, linkPowerMgd, linkErrors, memoryErrors, cpuThrottles, i2cLocked,
		nvmeWarning, nvmeUsed, nvmeSpare, nvmeSpareMin, nvmeTemp, nvmeMedia, diskIOErrors, sensorValue, xidErrors, eventsTotal,
		collectorOK, collectorDur, scanTime, stateErrors, stateWriteErrors, statePending} {
		ch <- d
	}
}

func (c *graphCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	if c.counts != nil {
		for kind, n := range c.counts() {
			counter(eventsTotal, float64(n), kind)
		}
	}
	if c.stateErrors != nil {
		for file, n := range c.stateErrors() {
			counter(stateErrors, float64(n), file)
		}
	}
	if c.stateWrites != nil {
		errs, pending := c.stateWrites()
		counter(stateWriteErrors, float64(errs))
		gauge(statePending, float64(pending))
	}
	g := c.graph()
	if g == nil {
		return
	}
	gauge(scanTime, float64(g.Time.UnixNano())/1e9)
	for _, st := range g.Collectors {
		gauge(collectorOK, b2f(st.Success()), st.Name)
		gauge(collectorDur, st.DurationSeconds, st.Name)
	}
	for _, comp := range append([]*topology.Component{g.Host}, g.Components...) {
		j := joinLabels(comp)
		gauge(componentInfo, 1, comp.ID, comp.Kind, comp.Name, comp.Parent, comp.Vendor, comp.Model, comp.Firmware,
			comp.Serial, j.partNumber, j.pciBusID, j.uuid, j.device)
		for _, s := range topology.States {
			gauge(componentState, b2f(comp.Health.State == s), comp.ID, comp.Kind, string(s))
		}
		if v, ok := comp.Counters[topology.CounterCorrected]; ok {
			counter(memoryErrors, float64(v), comp.ID, comp.Kind, "corrected")
		}
		if v, ok := comp.Counters[topology.CounterUncorrected]; ok {
			counter(memoryErrors, float64(v), comp.ID, comp.Kind, "uncorrected")
		}
		for typ, k := range map[string]string{"package": topology.CounterThrottlePackage, "core": topology.CounterThrottleCore} {
			if v, ok := comp.Counters[k]; ok {
				counter(cpuThrottles, float64(v), comp.ID, typ)
			}
		}
		for typ, k := range map[string]string{"error": topology.CounterDiskIOErrors, "timeout": topology.CounterDiskIOTimeouts} {
			if v, ok := comp.Counters[k]; ok {
				counter(diskIOErrors, float64(v), comp.ID, typ)
			}
		}
		if h, ok := comp.NVMeHealth(); ok {
			nvmeHealth(counter, gauge, comp.ID, h)
		}
		if comp.Kind == topology.KindI2CAdapter {
			if v, ok := topology.Number(comp.Attrs, topology.AttrI2CBusLocked); ok {
				gauge(i2cLocked, v, comp.ID)
			}
		}
		for _, r := range comp.Readings() {
			if d, ok := sensorFamilies[r.Unit]; ok {
				gauge(d, *r.Value, comp.ID, r.Name)
			} else {
				gauge(sensorValue, *r.Value, comp.ID, r.Name, r.Unit)
			}
		}
		for k, n := range comp.Counters {
			if code, ok := strings.CutPrefix(k, topology.CounterXidPrefix); ok {
				counter(xidErrors, float64(n), comp.ID, code)
			}
		}
	}
	for _, l := range g.Links {
		lv := []string{l.ID, l.Kind, l.From, l.To}
		gauge(linkInfo, 1, lv...)
		if l.Kind == topology.LinkNUMAInterconnect {
			// The firmware's distance table: it cannot go down or train
			// down, and up and degraded for every pair of a 64-node
			// machine were 4,032 series that never change.
			continue
		}
		gauge(linkUp, b2f(l.Health.State != topology.StateFailed && l.Health.State != topology.StateMissing), lv...)
		gauge(linkDegraded, b2f(l.Health.State == topology.StateDegraded), lv...)
		for _, m := range []struct {
			attr  string
			d     *prometheus.Desc
			scale float64
		}{{topology.AttrSpeedGTs, linkSpeed, 1e9}, {topology.AttrMaxSpeedGTs, linkMaxSpeed, 1e9},
			{topology.AttrWidth, linkWidth, 1}, {topology.AttrMaxWidth, linkMaxWidth, 1}} {
			if v, ok := topology.Number(l.Attrs, m.attr); ok {
				gauge(m.d, v*m.scale, lv...)
			}
		}
		if managed, _ := l.Attrs[topology.AttrPowerManaged].(bool); managed {
			gauge(linkPowerMgd, 1, lv...)
		}
		for _, k := range slices.Sorted(maps.Keys(l.Counters)) {
			if k == topology.CounterCorrected || k == topology.CounterUncorrected {
				continue // on the DIMM's memory_errors_total
			}
			counter(linkErrors, float64(l.Counters[k]), append(lv, k)...)
		}
	}
}

// nvmeHealth is a controller's health log as its families.
func nvmeHealth(counter, gauge func(*prometheus.Desc, float64, ...string), id string, h topology.NVMeHealth) {
	counter(nvmeMedia, float64(h.MediaErrors), id)
	gauge(nvmeWarning, float64(h.CriticalWarning), id)
	gauge(nvmeUsed, float64(h.PercentageUsed), id)
	gauge(nvmeSpare, float64(h.AvailableSparePercent)/100, id)
	gauge(nvmeSpareMin, float64(h.AvailableSpareThresholdPercent)/100, id)
	if h.TemperatureCelsius != nil {
		gauge(nvmeTemp, *h.TemperatureCelsius, id)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
