package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/nvme"
	"github.com/hwgraph/hwgraph/topology"
)

// NVMe adds the NVMe controllers' own view: a PCIe controller is its PCI
// function (model, serial, firmware and state join the pci: component), a
// fabric controller is nvme:nvmeN. Namespaces are block: components. A
// subsystem reached by several controllers (multipath) is one
// nvme-subsystem component with an nvme-path link from each controller;
// its namespaces hang under it, since no single path owns them.
//
// On the live machine each controller's SMART / Health Information log
// is read too (a Get Log Page admin command on /dev/nvmeN; root): its
// critical warnings, wear, spare, temperature and media errors judge the
// controller.
type NVMe struct {
	// SMARTLog reads a controller's health log page by its name
	// ("nvme0"); nil reads /dev/NAME on the live machine and nothing on a
	// capture. A capture's recorded pages are replayed through it.
	SMARTLog func(ctrl string) ([]byte, error)
	// Record, when set, is given every page read, for a capture.
	Record func(ctrl string, page []byte)
}

func init() {
	register("nvme", func(o Options) Collector {
		n := &NVMe{Record: o.NVMeRecord}
		if o.NVMeReplay != nil {
			n.SMARTLog = func(ctrl string) ([]byte, error) {
				if page, ok := o.NVMeReplay[ctrl]; ok {
					return page, nil
				}
				return nil, fmt.Errorf("%s: no health log in the capture: %w", ctrl, fs.ErrNotExist)
			}
		}
		return n
	})
}

// Name implements Collector.
func (*NVMe) Name() string { return "nvme" }

// Reads implements Collector: the health logs are recorded, not files.
func (*NVMe) Reads() []capture.Read {
	return slices.Concat(capture.Paths(nvme.Files...), capture.Files(capture.Serial, nvme.SerialFiles...),
		capture.Files(capture.Transport, nvme.AddressFiles...))
}

// smartLog is the health log reader for env, nil for none.
func (n *NVMe) smartLog(env Env) func(string) ([]byte, error) {
	read := n.SMARTLog
	if read == nil && env.Live() {
		read = func(ctrl string) ([]byte, error) { return nvme.ReadSMARTLog("/dev/" + ctrl) }
	}
	if read == nil || n.Record == nil {
		return read
	}
	return func(ctrl string) ([]byte, error) {
		page, err := read(ctrl)
		if err == nil {
			n.Record(ctrl, page)
		}
		return page, err
	}
}

// Collect implements Collector.
func (n *NVMe) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	ctrls, err := nvme.ReadControllers(env.Path("sys"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrAbsent
		}
		return nil, err
	}
	subs, err := nvme.ReadSubsystems(env.Path("sys"))
	f := &topology.Fragment{}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.Problem(err.Error())
	}
	multipath := map[string]nvme.Subsystem{}
	for _, s := range subs {
		for _, e := range s.Problems {
			f.Problem(e.Error())
		}
		if len(s.Controllers) > 1 {
			multipath[s.Name] = s
			addSubsystem(f, s)
		}
	}
	ids := map[string]string{}
	for _, c := range ctrls {
		ids[c.Name] = controllerID(c)
	}
	readLog := n.smartLog(env)
	for _, c := range ctrls {
		id := ids[c.Name]
		comp := f.Add(controllerComponent(c, id))
		if readLog != nil {
			addHealthLog(f, comp, c.Name, readLog)
		}
		for _, e := range c.Problems {
			f.Problem(e.Error())
		}
		ana := map[string]string{}
		for _, ns := range c.Namespaces {
			if ns.Name != ns.Head {
				ana[ns.Head] = ns.ANAState // a path, drawn as the nvme-path link
				continue
			}
			f.Add(namespaceComponent(ns, id))
		}
		if s, ok := multipath[c.Subsystem]; ok {
			addPath(f, s, c, id, ana)
		}
	}
	// A subsystem with one controller: its namespace heads belong to it.
	for _, s := range subs {
		if _, ok := multipath[s.Name]; ok || len(s.Controllers) != 1 {
			continue
		}
		if id, ok := ids[s.Controllers[0].Controller]; ok {
			for _, ns := range s.Namespaces {
				f.Add(namespaceComponent(ns, id))
			}
		}
	}
	return f, nil
}

func controllerID(c nvme.Controller) string {
	if c.PCI != "" {
		return topology.PCIID(c.PCI)
	}
	return topology.NVMeID(c.Name)
}

func controllerComponent(c nvme.Controller, id string) *topology.Component {
	comp := &topology.Component{ID: id, Kind: topology.KindNVMe, Name: c.Model, Model: c.Model,
		Serial: c.Serial, Firmware: c.Firmware}
	if c.PCI == "" {
		comp.Parent = topology.HostID
	}
	comp.SetAttr("nvme_controller", c.Name)
	if alias := topology.NVMeID(c.Name); id != alias {
		comp.SetAttr(topology.AttrAliases, alias) // how kernel log lines name it
	}
	for k, v := range map[string]string{"nvme_state": c.State, "transport": c.Transport,
		"address": c.Address, "cntlid": c.ControllerID, "nvme_subsystem": c.Subsystem} {
		if v != "" {
			comp.SetAttr(k, v)
		}
	}
	if st, why := stateHealth(c.State); st != topology.StateOK {
		comp.Health.Mark(st, why)
	}
	for _, e := range c.Problems {
		comp.Health.Mark(topology.StateUnknown, e.Error())
	}
	return comp
}

// stateHealth maps a controller state (drivers/nvme/host/core.c) to health.
func stateHealth(state string) (topology.State, string) {
	switch state {
	case "live", "":
		return topology.StateOK, ""
	case "resetting", "connecting", "new":
		return topology.StateDegraded, "controller " + state
	case "dead", "deleting", "deleting (no IO)":
		return topology.StateFailed, "controller " + state
	}
	return topology.StateUnknown, "controller state " + state
}

func namespaceComponent(ns nvme.Namespace, parent string) *topology.Component {
	c := &topology.Component{ID: topology.BlockID(ns.Name), Kind: topology.KindBlock, Name: ns.Name, Parent: parent}
	c.SetAttr("nsid", ns.NSID)
	if ns.SizeBytes != nil {
		c.SetAttr("size_bytes", *ns.SizeBytes)
	}
	if ns.LogicalBlockSize != nil {
		c.SetAttr("logical_block_size", *ns.LogicalBlockSize)
	}
	if ns.ANAState != "" {
		c.SetAttr("ana_state", ns.ANAState)
	}
	return c
}

func addSubsystem(f *topology.Fragment, s nvme.Subsystem) {
	id := topology.NVMeSubsystemID(s.Name)
	c := f.Add(&topology.Component{ID: id, Kind: topology.KindNVMeSubsystem, Name: s.Model, Model: s.Model,
		Serial: s.Serial, Parent: topology.HostID})
	c.SetAttr("nqn", s.NQN)
	if s.IOPolicy != "" {
		c.SetAttr("iopolicy", s.IOPolicy)
	}
	dead := 0
	for _, p := range s.Controllers {
		if st, _ := stateHealth(p.State); st == topology.StateFailed {
			dead++
		}
	}
	c.SetAttr("paths", len(s.Controllers))
	switch {
	case dead == len(s.Controllers):
		c.Health.Mark(topology.StateFailed, "all paths dead")
	case dead > 0:
		c.Health.Mark(topology.StateDegraded, fmt.Sprintf("%d of %d paths dead", dead, len(s.Controllers)))
	}
	for _, ns := range s.Namespaces {
		f.Add(namespaceComponent(ns, id))
	}
}

// addPath links a controller to its multipath subsystem. The path's
// state is the subsystem's view of it (nvme-subsysN/nvmeM/state); on a
// live system that is the controller's own file.
func addPath(f *topology.Fragment, s nvme.Subsystem, c nvme.Controller, from string, ana map[string]string) {
	to := topology.NVMeSubsystemID(s.Name)
	l := f.AddLink(&topology.Link{ID: topology.LinkID(from, to, 0), Kind: topology.LinkNVMePath, From: from, To: to})
	state, transport, address := c.State, c.Transport, c.Address
	for _, p := range s.Controllers {
		if p.Controller == c.Name {
			state = firstNonEmpty(p.State, state)
			transport = firstNonEmpty(p.Transport, transport)
			address = firstNonEmpty(p.Address, address)
		}
	}
	for k, v := range map[string]string{"state": state, "transport": transport, "address": address} {
		if v != "" {
			l.SetAttr(k, v)
		}
	}
	for head, st := range ana {
		l.SetAttr("ana_state", st)
		if st == "inaccessible" || st == "persistent-loss" {
			l.Health.Mark(topology.StateDegraded, fmt.Sprintf("%s path %s", head, st))
		}
	}
	if st, why := stateHealth(state); st != topology.StateOK {
		l.Health.Mark(st, why)
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// addHealthLog reads a controller's SMART / Health Information log and
// judges the controller by it. A log that cannot be read is a problem of
// the scan (without root: the controller's hwmon chip still gives its
// temperatures); one that reads but does not decode leaves the
// controller's health unknown.
func addHealthLog(f *topology.Fragment, c *topology.Component, ctrl string, read func(string) ([]byte, error)) {
	page, err := read(ctrl)
	switch {
	case errors.Is(err, fs.ErrPermission):
		f.Problem(fmt.Sprintf("%s health log not read: %v (root reads it; its temperatures come from its hwmon chip)", ctrl, err))
		return
	case errors.Is(err, fs.ErrNotExist):
		f.Problem(fmt.Sprintf("%s health log not read: %v (no device node: a container without /dev/%s?)", ctrl, err, ctrl))
		return
	case err != nil:
		c.Health.Mark(topology.StateUnknown, fmt.Sprintf("health log unreadable: %v", err))
		return
	}
	l, err := nvme.ParseSMARTLog(page)
	if err != nil {
		c.Health.Mark(topology.StateUnknown, fmt.Sprintf("health log: %v", err))
		return
	}
	h := topology.NVMeHealth{CriticalWarning: l.CriticalWarning, AvailableSparePercent: l.AvailableSpare,
		AvailableSpareThresholdPercent: l.SpareThreshold, PercentageUsed: l.PercentageUsed,
		PowerOnHours: l.PowerOnHours, PowerCycles: l.PowerCycles, UnsafeShutdowns: l.UnsafeShutdowns,
		ErrorLogEntries: l.ErrorLogEntries, DataUnitsRead: l.DataUnitsRead, DataUnitsWritten: l.DataUnitsWritten,
		WarningTemperatureMinutes: l.WarningTempMinutes, CriticalTemperatureMinutes: l.CritTempMinutes, MediaErrors: l.MediaErrors}
	if t, ok := l.TemperatureC(); ok {
		h.TemperatureCelsius = &t
	}
	c.SetNVMeHealth(h)
	for _, w := range l.CriticalWarnings() {
		// Data can no longer be trusted or written: the drive has failed.
		state := topology.StateDegraded
		if w.Bit&(nvme.WarnReliability|nvme.WarnReadOnly) != 0 {
			state = topology.StateFailed
		}
		why := "critical warning: " + w.Name
		if w.Bit == nvme.WarnSpare {
			why = fmt.Sprintf("critical warning: available spare %d%% below its threshold %d%%", l.AvailableSpare, l.SpareThreshold)
		}
		c.Health.Mark(state, why)
	}
	if l.PercentageUsed >= 100 {
		c.Health.Mark(topology.StateDegraded, fmt.Sprintf("worn out: %d%% of its rated endurance used", l.PercentageUsed))
	}
}
