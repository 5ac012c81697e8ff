package exporter

import (
	"fmt"
	"strings"

	"github.com/hwgraph/hwgraph/topology"
)

// join are the labels that join a component's series with its
// neighbours' exporters: "" where the component has none, which
// Prometheus stores as no label.
type join struct {
	partNumber string
	// pciBusID is dcgm-exporter's form: an 8-digit domain and upper-case
	// hexadecimal ("00000000:3B:00.0"), as NVML spells it.
	pciBusID string
	// uuid is a GPU's NVML UUID, dcgm-exporter's UUID label.
	uuid string
	// device is the kernel's name, as node_exporter's nvme, netclass and
	// diskstats series and dcgm-exporter's device label give it: nvme0,
	// eth0, sda, nvidia0.
	device string
}

func joinLabels(c *topology.Component) join {
	var j join
	if addr, ok := strings.CutPrefix(c.ID, "pci:"); ok {
		if dom, rest, ok := strings.Cut(addr, ":"); ok && len(dom) <= 8 {
			j.pciBusID = strings.ToUpper(strings.Repeat("0", 8-len(dom)) + dom + ":" + rest)
		}
	}
	str := func(k string) string { s, _ := c.Attrs[k].(string); return s }
	switch c.Kind {
	case topology.KindDIMM:
		j.partNumber = c.Model // SMBIOS type 17's part number
	case topology.KindGPU:
		j.uuid = str("uuid")
		if n, ok := topology.Number(c.Attrs, "minor_number"); ok {
			j.device = fmt.Sprintf("nvidia%d", int(n))
		}
	case topology.KindNVMe:
		j.device = str("nvme_controller")
	case topology.KindNIC:
		if d := str("netdev"); !strings.Contains(d, ",") { // a function with several interfaces joins none of them
			j.device = d
		}
	case topology.KindDisk:
		j.device = str("block_device")
	case topology.KindBlock:
		j.device = strings.TrimPrefix(c.ID, "block:") // diskstats' device
	}
	return j
}
