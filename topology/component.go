package topology

// Well-known component kinds. Collectors may use others; these are the ones
// renderers and the exporter know how to place.
const (
	KindHost             = "host"
	KindNUMANode         = "numa-node"
	KindCPUPackage       = "cpu-package"
	KindPCIRoot          = "pci-root"
	KindPCIBridge        = "pci-bridge"
	KindPCIFunction      = "pci-function"
	KindGPU              = "gpu"
	KindNVMe             = "nvme"
	KindNIC              = "nic"
	KindStorage          = "storage"
	KindAccelerator      = "accelerator"
	KindMemoryController = "memory-controller"
	KindDIMM             = "dimm"
	KindI2CAdapter       = "i2c-adapter"
	KindI2CDevice        = "i2c-device"
	KindBMC              = "bmc"
	KindNVSwitch         = "nvswitch"
	KindNVMeSubsystem    = "nvme-subsystem"
	KindBlock            = "block"
	KindDisk             = "disk"
	KindSASExpander      = "sas-expander"
	KindFan              = "fan"
)

// Component is one node of the machine graph.
type Component struct {
	ID       string            `json:"id"`
	Kind     string            `json:"kind"`
	Name     string            `json:"name,omitempty"`
	Parent   string            `json:"parent,omitempty"`
	Vendor   string            `json:"vendor,omitempty"`
	Model    string            `json:"model,omitempty"`
	Serial   string            `json:"serial,omitempty"`
	Firmware string            `json:"firmware,omitempty"`
	Attrs    map[string]any    `json:"attrs,omitempty"`
	Counters map[string]uint64 `json:"counters,omitempty"`
	Health   Health            `json:"health"`

	// sharedAttrs says Attrs is a fragment's, borrowed by Build: copied
	// before the first change.
	sharedAttrs bool
}

// SetAttr records an attribute, creating the map on first use.
func (c *Component) SetAttr(key string, value any) {
	if c.Attrs == nil {
		c.Attrs = make(map[string]any)
	}
	if c.sharedAttrs {
		c.Attrs, c.sharedAttrs = cloneMap(c.Attrs), false
	}
	c.Attrs[key] = value
}

// genericKinds are kinds a later collector may refine: the PCI collector
// knows a function exists, the GPU collector knows it is a GPU.
var genericKinds = map[string]bool{"": true, KindPCIFunction: true}

// merge folds other (same ID) into c. Empty fields are filled, attrs and
// counters are united (other wins on a clash, it came later), a generic kind
// is refined, and health keeps the worse state.
func (c *Component) merge(other *Component) {
	if genericKinds[c.Kind] && !genericKinds[other.Kind] {
		c.Kind = other.Kind
	}
	fill(&c.Name, other.Name)
	fill(&c.Parent, other.Parent)
	fill(&c.Vendor, other.Vendor)
	fill(&c.Model, other.Model)
	fill(&c.Serial, other.Serial)
	fill(&c.Firmware, other.Firmware)
	for k, v := range other.Attrs {
		c.SetAttr(k, v)
	}
	for k, v := range other.Counters {
		if c.Counters == nil {
			c.Counters = make(map[string]uint64)
		}
		c.Counters[k] = v
	}
	c.Health.merge(other.Health)
}

func fill(dst *string, src string) {
	if *dst == "" {
		*dst = src
	}
}
