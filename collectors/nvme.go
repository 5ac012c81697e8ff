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
type NVMe struct{}

// Name implements Collector.
func (NVMe) Name() string { return "nvme" }

// Reads implements Collector.
func (NVMe) Reads() []capture.Read {
	return slices.Concat(capture.Paths(nvme.Files...), capture.Files(capture.Serial, nvme.SerialFiles...),
		capture.Files(capture.Transport, nvme.AddressFiles...))
}

// Collect implements Collector.
func (NVMe) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
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
	for _, c := range ctrls {
		id := ids[c.Name]
		f.Add(controllerComponent(c, id))
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
