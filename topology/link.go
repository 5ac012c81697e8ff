package topology

// Well-known link kinds.
const (
	LinkPCIe             = "pcie"
	LinkNVLink           = "nvlink"
	LinkMemoryChannel    = "memory-channel"
	LinkI2C              = "i2c"
	LinkSMBus            = "smbus"
	LinkKCS              = "kcs"
	LinkNUMAInterconnect = "numa-interconnect"
	// LinkNVMePath is one controller's path to a multipath NVMe subsystem.
	LinkNVMePath = "nvme-path"
)

// Well-known link attributes, used by the health rules and the exporter.
const (
	AttrSpeedGTs    = "speed_gts"
	AttrMaxSpeedGTs = "max_speed_gts"
	AttrWidth       = "width"
	AttrMaxWidth    = "max_width"
	AttrDistance    = "distance"
	// AttrI2CBusLocked is 1 on an I²C adapter whose probes time out; the
	// exporter's hwgraph_i2c_bus_locked.
	AttrI2CBusLocked = "i2c_bus_locked"
	// AttrPowerManaged is true on a link trained below its maximum speed
	// because its device idles (GPUs drop to Gen1): not a fault.
	AttrPowerManaged = "link_power_managed"
)

// AttrLoad is a component's "busy", "idle" or "unknown: why", from the
// collector that can tell (NVML for a GPU): whether a link trained below
// its maximum speed is saving power or faulty.
const AttrLoad = "load"

// Link is one edge of the machine graph: a bus between two components.
type Link struct {
	ID       string            `json:"id"`
	Kind     string            `json:"kind"`
	From     string            `json:"from"`
	To       string            `json:"to"`
	Attrs    map[string]any    `json:"attrs,omitempty"`
	Counters map[string]uint64 `json:"counters,omitempty"`
	Health   Health            `json:"health"`

	sharedAttrs bool // as Component's
}

// LinkID is the ID of the link from one component to another; n > 0 tells
// parallel links (NVLinks) apart.
func LinkID(from, to string, n int) string {
	id := from + "~" + to
	if n > 0 {
		id += "#" + itoa(n)
	}
	return id
}

// NVLinkID is the link of one NVLink port: "from~to#port", the port
// always given (port 0 included), so a GPU's ports are told apart by
// number whatever the far end.
func NVLinkID(from, to string, port int) string {
	return from + "~" + to + "#" + itoa(port)
}

// SetAttr records an attribute, creating the map on first use.
func (l *Link) SetAttr(key string, value any) {
	if l.Attrs == nil {
		l.Attrs = make(map[string]any)
	}
	if l.sharedAttrs {
		l.Attrs, l.sharedAttrs = cloneMap(l.Attrs), false
	}
	l.Attrs[key] = value
}

func (l *Link) merge(other *Link) {
	fill(&l.Kind, other.Kind)
	for k, v := range other.Attrs {
		l.SetAttr(k, v)
	}
	for k, v := range other.Counters {
		if l.Counters == nil {
			l.Counters = make(map[string]uint64)
		}
		l.Counters[k] = v
	}
	l.Health.merge(other.Health)
}

// Memory error counters, on DIMMs, memory controllers and the
// memory-channel links between them. The exporter turns them into
// hwgraph_memory_errors_total{type="corrected|uncorrected"}.
const (
	CounterCorrected   = "memory_corrected"
	CounterUncorrected = "memory_uncorrected"
	// The NoInfo counters are errors the driver could not pin on a DIMM.
	CounterCorrectedNoInfo   = "memory_corrected_noinfo"
	CounterUncorrectedNoInfo = "memory_uncorrected_noinfo"
)

// Thermal throttle counters, on CPU packages: the times the package, and
// its cores together, were slowed for heat. The exporter turns them into
// hwgraph_cpu_throttles_total{type="package|core"}.
const (
	CounterThrottlePackage = "thermal_throttle_package"
	CounterThrottleCore    = "thermal_throttle_core"
)

// CounterNVMeMediaErrors is an NVMe controller's media and data integrity
// errors (its health log): growth degrades it.
const CounterNVMeMediaErrors = "nvme_media_errors"

// CounterXidPrefix starts a GPU's count of one Xid ("xid.79"): how many
// NVML reported since the agent started. The Xids themselves judge the
// GPU; the counts are for rates.
const CounterXidPrefix = "xid."

// A disk's failed and timed-out commands, as the SCSI layer counts them:
// growth degrades it.
const (
	CounterDiskIOErrors   = "io_errors"
	CounterDiskIOTimeouts = "io_timeouts"
)
