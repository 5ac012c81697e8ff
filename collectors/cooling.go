package collectors

import (
	"context"
	"errors"
	"io/fs"
	"strconv"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/thermal"
	"github.com/hwgraph/hwgraph/topology"
)

// Cooling shows the kernel's thermal cooling devices (fans, processor
// throttling, idle injection) on the PCI function they cool, or on the
// host: each a cooling-device component with its current and highest
// cooling state (cur_state, max_state, as node_exporter names them). A
// device cooling hard is doing its job, not failing, so no state is a
// fault; an unreadable one is unknown.
type Cooling struct{}

func init() {
	register("cooling", func(Options) Collector { return Cooling{} })
	topology.RegisterIDForm("cooling:", topology.IsIDNumber)
}

// kindCoolingDevice is a cooling device's component kind.
const kindCoolingDevice = "cooling-device"

// coolingID is cooling_deviceN's component ID: the kernel's number, as
// numa:N is a node's.
func coolingID(n int) string { return "cooling:" + strconv.Itoa(n) }

// Name implements Collector.
func (Cooling) Name() string { return "cooling" }

// Reads implements Collector.
func (Cooling) Reads() []capture.Read { return capture.Paths(thermal.Files...) }

// Collect implements Collector.
func (Cooling) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	devs, err := thermal.ReadCoolingDevices(env.Path("sys"))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(devs) == 0) {
		return nil, ErrAbsent
	}
	if err != nil {
		return nil, err
	}
	f := &topology.Fragment{}
	for _, d := range devs {
		c := &topology.Component{ID: coolingID(d.N), Kind: kindCoolingDevice, Name: d.Type}
		if d.PCI != "" {
			c.Parent = topology.PCIID(d.PCI)
		}
		if d.CurState != nil {
			c.SetAttr("cur_state", *d.CurState)
		}
		if d.MaxState != nil {
			c.SetAttr("max_state", *d.MaxState)
		}
		if d.Off {
			c.SetAttr("idle_injection", "off")
		}
		for _, e := range d.Problems {
			c.Health.Mark(topology.StateUnknown, e.Error())
			f.Problem(e.Error())
		}
		f.Add(c)
	}
	return f, nil
}
