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

// Collect implements prometheus.Collector: the agent's own families, then
// the last graph's, one function a family, each reading the graph's typed
// data (counters, sensors, the NVMe health log), not a collector's.
func (c *graphCollector) Collect(ch chan<- prometheus.Metric) {
	m := metrics{ch}
	c.agentFamilies(m)
	g := c.graph()
	if g == nil {
		return
	}
	scanFamilies(m, g)
	for _, comp := range append([]*topology.Component{g.Host}, g.Components...) {
		componentFamilies(m, comp)
		memoryErrorFamily(m, comp)
		throttleFamily(m, comp)
		diskIOFamily(m, comp)
		if h, ok := comp.NVMeHealth(); ok {
			nvmeFamilies(m, comp.ID, h)
		}
		i2cFamily(m, comp)
		sensorFamiliesOf(m, comp)
		xidFamily(m, comp)
	}
	for _, l := range g.Links {
		linkFamilies(m, l)
	}
}

// metrics sends const metrics to a scrape.
type metrics struct{ ch chan<- prometheus.Metric }

func (m metrics) gauge(d *prometheus.Desc, v float64, labels ...string) {
	m.ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func (m metrics) counter(d *prometheus.Desc, v float64, labels ...string) {
	m.ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

// agentFamilies are the agent's own: events recorded, the state folder's
// errors and writes.
func (c *graphCollector) agentFamilies(m metrics) {
	if c.counts != nil {
		for kind, n := range c.counts() {
			m.counter(eventsTotal, float64(n), kind)
		}
	}
	if c.stateErrors != nil {
		for file, n := range c.stateErrors() {
			m.counter(stateErrors, float64(n), file)
		}
	}
	if c.stateWrites != nil {
		errs, pending := c.stateWrites()
		m.counter(stateWriteErrors, float64(errs))
		m.gauge(statePending, float64(pending))
	}
}

// scanFamilies are the scan's time and how each collector fared.
func scanFamilies(m metrics, g *topology.Graph) {
	m.gauge(scanTime, float64(g.Time.UnixNano())/1e9)
	for _, st := range g.Collectors {
		m.gauge(collectorOK, b2f(st.Success()), st.Name)
		m.gauge(collectorDur, st.DurationSeconds, st.Name)
	}
}

// componentFamilies are a part's identity and its one-hot health.
func componentFamilies(m metrics, comp *topology.Component) {
	j := joinLabels(comp)
	m.gauge(componentInfo, 1, comp.ID, comp.Kind, comp.Name, comp.Parent, comp.Vendor, comp.Model, comp.Firmware,
		comp.Serial, j.partNumber, j.pciBusID, j.uuid, j.device)
	for _, s := range topology.States {
		m.gauge(componentState, b2f(comp.Health.State == s), comp.ID, comp.Kind, string(s))
	}
}

// memoryErrorFamily is a DIMM's, controller's or GPU's ECC counts.
func memoryErrorFamily(m metrics, comp *topology.Component) {
	if v, ok := comp.Counters[topology.CounterCorrected]; ok {
		m.counter(memoryErrors, float64(v), comp.ID, comp.Kind, "corrected")
	}
	if v, ok := comp.Counters[topology.CounterUncorrected]; ok {
		m.counter(memoryErrors, float64(v), comp.ID, comp.Kind, "uncorrected")
	}
}

// throttleFamily is a CPU package's thermal throttle counts.
func throttleFamily(m metrics, comp *topology.Component) {
	for typ, k := range map[string]string{"package": topology.CounterThrottlePackage, "core": topology.CounterThrottleCore} {
		if v, ok := comp.Counters[k]; ok {
			m.counter(cpuThrottles, float64(v), comp.ID, typ)
		}
	}
}

// diskIOFamily is a disk's failed and timed-out commands.
func diskIOFamily(m metrics, comp *topology.Component) {
	for typ, k := range map[string]string{"error": topology.CounterDiskIOErrors, "timeout": topology.CounterDiskIOTimeouts} {
		if v, ok := comp.Counters[k]; ok {
			m.counter(diskIOErrors, float64(v), comp.ID, typ)
		}
	}
}

// nvmeFamilies are a controller's health log.
func nvmeFamilies(m metrics, id string, h topology.NVMeHealth) {
	m.counter(nvmeMedia, float64(h.MediaErrors), id)
	m.gauge(nvmeWarning, float64(h.CriticalWarning), id)
	m.gauge(nvmeUsed, float64(h.PercentageUsed), id)
	m.gauge(nvmeSpare, float64(h.AvailableSparePercent)/100, id)
	m.gauge(nvmeSpareMin, float64(h.AvailableSpareThresholdPercent)/100, id)
	if h.TemperatureCelsius != nil {
		m.gauge(nvmeTemp, *h.TemperatureCelsius, id)
	}
}

// i2cFamily is whether an I²C adapter's bus is locked.
func i2cFamily(m metrics, comp *topology.Component) {
	if comp.Kind != topology.KindI2CAdapter {
		return
	}
	if v, ok := topology.Number(comp.Attrs, topology.AttrI2CBusLocked); ok {
		m.gauge(i2cLocked, v, comp.ID)
	}
}

// sensorFamiliesOf are a part's sensor readings, each in its unit's
// family (sensorFamilies), else in hwgraph_sensor_value.
func sensorFamiliesOf(m metrics, comp *topology.Component) {
	for _, r := range comp.Readings() {
		if d, ok := sensorFamilies[r.Unit]; ok {
			m.gauge(d, *r.Value, comp.ID, r.Name)
		} else {
			m.gauge(sensorValue, *r.Value, comp.ID, r.Name, r.Unit)
		}
	}
}

// xidFamily is a GPU's Xid counts, by code.
func xidFamily(m metrics, comp *topology.Component) {
	for k, n := range comp.Counters {
		if code, ok := strings.CutPrefix(k, topology.CounterXidPrefix); ok {
			m.counter(xidErrors, float64(n), comp.ID, code)
		}
	}
}

// linkFamilies are a link's identity, state, training and errors.
func linkFamilies(m metrics, l *topology.Link) {
	lv := []string{l.ID, l.Kind, l.From, l.To}
	m.gauge(linkInfo, 1, lv...)
	if l.Kind == topology.LinkNUMAInterconnect {
		// The firmware's distance table: it cannot go down or train
		// down, and up and degraded for every pair of a 64-node
		// machine were 4,032 series that never change.
		return
	}
	m.gauge(linkUp, b2f(l.Health.State != topology.StateFailed && l.Health.State != topology.StateMissing), lv...)
	m.gauge(linkDegraded, b2f(l.Health.State == topology.StateDegraded), lv...)
	for _, t := range []struct {
		attr  string
		d     *prometheus.Desc
		scale float64
	}{{topology.AttrSpeedGTs, linkSpeed, 1e9}, {topology.AttrMaxSpeedGTs, linkMaxSpeed, 1e9},
		{topology.AttrWidth, linkWidth, 1}, {topology.AttrMaxWidth, linkMaxWidth, 1}} {
		if v, ok := topology.Number(l.Attrs, t.attr); ok {
			m.gauge(t.d, v*t.scale, lv...)
		}
	}
	if managed, _ := l.Attrs[topology.AttrPowerManaged].(bool); managed {
		m.gauge(linkPowerMgd, 1, lv...)
	}
	for _, k := range slices.Sorted(maps.Keys(l.Counters)) {
		if k == topology.CounterCorrected || k == topology.CounterUncorrected {
			continue // on the DIMM's memory_errors_total
		}
		m.counter(linkErrors, float64(l.Counters[k]), append(lv, k)...)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
