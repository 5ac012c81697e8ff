package collectors

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/nvgpu"
	"github.com/hwgraph/hwgraph/topology"
)

// GPU adds what NVML knows to the NVIDIA GPUs the PCI collector finds:
// identity and firmware, memory ECC, row remapping, PCIe replays, and the
// NVLink fabric as nvlink links to other GPUs and to NVSwitches. Xid
// errors from Watch become events and health.
//
// NVML describes the live machine, so it is used only when Root is "/" or
// a library is injected; on a captured tree the PCI collector's class
// codes still make NVIDIA functions gpu components.
type GPU struct {
	// NVML is the library to query; nil means the system's libnvidia-ml.
	NVML nvgpu.Library

	mu     sync.Mutex
	lib    nvgpu.Library
	inited bool
	xids   xidLog
}

func init() {
	register("gpu", func(o Options) Collector { return &GPU{NVML: o.NVML} })
}

// Name implements Collector.
func (*GPU) Name() string { return "gpu" }

// Reads implements Collector: NVML is recorded, not read from files.
func (*GPU) Reads() []capture.Read { return nil }

// library is the NVML to query, nil when there is none: on a captured
// tree, or a machine without the NVIDIA driver (looked for again next
// scan: the driver may be installed later).
func (g *GPU) library(env Env) nvgpu.Library {
	if g.NVML != nil {
		return g.NVML
	}
	if !env.Live() {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lib == nil {
		g.lib, _ = nvgpu.Open(nvgpu.DefaultLibrary)
	}
	return g.lib
}

// start initialises NVML once; a missing driver is ErrAbsent, and is
// tried again next scan (the driver may load later).
func (g *GPU) start(lib nvgpu.Library) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inited {
		return nil
	}
	if err := nvgpu.Init(lib); err != nil {
		if errors.Is(err, nvgpu.ErrNoDriver) {
			return ErrAbsent
		}
		return err
	}
	g.inited = true
	return nil
}

// Collect implements Collector.
func (g *GPU) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	lib := g.library(env)
	if lib == nil {
		return nil, ErrAbsent
	}
	if err := g.start(lib); err != nil {
		return nil, err
	}
	sys, err := nvgpu.Read(lib)
	if err != nil {
		return nil, err
	}
	f := &topology.Fragment{}
	for _, e := range sys.Problems {
		f.Problem(e.Error())
	}
	host := f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
	if sys.DriverVersion != "" {
		host.SetAttr("nvidia_driver", sys.DriverVersion)
	}
	if sys.CUDAVersion != "" {
		host.SetAttr("cuda_version", sys.CUDAVersion)
	}
	ids := map[string]string{} // bus ID → component ID
	for _, d := range sys.GPUs {
		c := gpuComponent(d)
		ids[d.BusID] = c.ID
		f.Add(c)
		for _, e := range d.Problems {
			f.Problem(e.Error())
		}
	}
	addNVLinks(f, sys.GPUs, ids)
	g.xids.apply(f, ids)
	return f, nil
}

func gpuComponent(d nvgpu.GPU) *topology.Component {
	id := topology.PCIID(d.BusID)
	if d.BusID == "" {
		id = topology.GPUID(d.UUID)
	}
	c := &topology.Component{ID: id, Kind: topology.KindGPU, Name: d.Name, Vendor: "NVIDIA",
		Model: d.Name, Serial: d.Serial, Firmware: d.VBIOS}
	c.SetAttr("uuid", d.UUID)
	c.SetAttr("gpu_index", d.Index)
	if d.InfoROM != "" {
		c.SetAttr("inforom", d.InfoROM)
	}
	if d.MemoryBytes != nil {
		c.SetAttr("memory_bytes", *d.MemoryBytes)
	}
	if d.TemperatureC != nil {
		c.SetAttr("temperature_celsius", *d.TemperatureC)
	}
	if d.PowerMilliwatts != nil {
		c.SetAttr("power_watts", float64(*d.PowerMilliwatts)/1000)
	}
	if d.PerfState != nil && *d.PerfState != nvgpu.PerfStateUnknown {
		c.SetAttr("performance_state", fmt.Sprintf("P%d", *d.PerfState))
	}
	if d.Utilization != nil {
		c.SetAttr("utilization_gpu_percent", *d.Utilization)
	}
	if load := gpuLoad(d); load != "" {
		c.SetAttr(topology.AttrLoad, load)
	}
	for attr, v := range map[string]*int{"pcie_gen": d.LinkGen, "pcie_max_gen": d.MaxLinkGen,
		"pcie_width": d.LinkWidth, "pcie_max_width": d.MaxLinkWidth} {
		if v != nil {
			c.SetAttr(attr, *v)
		}
	}
	c.Counters = map[string]uint64{}
	// Volatile counts (since the driver loaded) are the memory error
	// counters every DIMM has too; lifetime counts are attributes.
	if v, ok := d.ECC["volatile_corrected"]; ok {
		c.Counters[topology.CounterCorrected] = v
	}
	if v, ok := d.ECC["volatile_uncorrected"]; ok {
		c.Counters[topology.CounterUncorrected] = v
		if v > 0 {
			c.Health.Mark(topology.StateDegraded, fmt.Sprintf("%d uncorrected ECC errors since the driver loaded", v))
		}
	}
	for _, k := range []string{"aggregate_corrected", "aggregate_uncorrected"} {
		if v, ok := d.ECC[k]; ok {
			c.SetAttr("ecc_"+k, v)
		}
	}
	if d.Minor != nil {
		c.SetAttr("minor_number", *d.Minor)
	}
	if d.PCIeReplays != nil {
		c.Counters["pcie_replay"] = *d.PCIeReplays
	}
	if r := d.RemappedRows; r != nil {
		c.SetAttr("remapped_rows_corrected", r.Corrected)
		c.SetAttr("remapped_rows_uncorrected", r.Uncorrected)
		switch {
		case r.Failure:
			c.Health.Mark(topology.StateFailed, "row remapping failed: no spare rows, replace the GPU")
		case r.Pending:
			c.Health.Mark(topology.StateDegraded, "row remapping pending: reset the GPU")
		}
	}
	if r := d.RetiredPages; r != nil {
		c.SetAttr("retired_pages_sbe", r.SingleBit)
		c.SetAttr("retired_pages_dbe", r.DoubleBit)
		if r.Pending {
			c.Health.Mark(topology.StateDegraded, "page retirement pending: reload the driver")
		}
	}
	return c
}

// gpuLoad says whether a GPU works, for judging its PCIe link: busy
// when a kernel ran in the last sample period or it is in P0–P2 (the
// states of work), idle in P3–P15 with nothing running; unknown, with
// why, when NVML failed to say or knows no P-state; "" when the GPU
// reports neither.
func gpuLoad(d nvgpu.GPU) string {
	switch {
	case d.Utilization != nil && *d.Utilization > 0:
		return "busy"
	case d.LoadErr != nil:
		return "unknown: " + d.LoadErr.Error()
	case d.PerfState == nil:
		return ""
	case *d.PerfState == nvgpu.PerfStateUnknown || *d.PerfState < 0 || *d.PerfState > 15:
		return fmt.Sprintf("unknown: NVML gives P-state %d", *d.PerfState)
	case *d.PerfState <= 2:
		return "busy"
	}
	return "idle"
}

// addNVLinks draws each GPU's NVLink ports. A port to an NVSwitch is a
// link to nvswitch:<bus ID>. Two GPUs joined directly see the same cable
// from both ends: it is drawn once, from the GPU with the lower ID, and
// the far end's error counters (its k-th port to us pairs with our k-th
// port to it) are added in, so no error goes unseen.
func addNVLinks(f *topology.Fragment, gpus []nvgpu.GPU, ids map[string]string) {
	type pair struct{ from, to string }
	far := map[pair][]nvgpu.NVLink{} // ports of `from` that lead to `to`
	for _, d := range gpus {
		for _, l := range d.NVLinks {
			if to, ok := ids[l.RemoteBusID]; ok && l.RemoteType == "gpu" {
				far[pair{ids[d.BusID], to}] = append(far[pair{ids[d.BusID], to}], l)
			}
		}
	}
	switches := map[string]bool{}
	for _, d := range gpus {
		from := ids[d.BusID]
		seen := map[string]int{}
		for _, l := range d.NVLinks {
			to := ""
			switch {
			case l.RemoteType == "switch" && l.RemoteBusID != "":
				to = topology.NVSwitchID(l.RemoteBusID)
				if !switches[to] {
					switches[to] = true
					sw := f.Add(&topology.Component{ID: to, Kind: topology.KindNVSwitch, Name: "NVSwitch " + l.RemoteBusID, Parent: topology.PCIID(l.RemoteBusID)})
					sw.SetAttr("pci_address", l.RemoteBusID)
				}
			case l.RemoteType == "gpu" && ids[l.RemoteBusID] != "":
				to = ids[l.RemoteBusID]
				if to < from {
					continue // drawn from the other end
				}
			case l.RemoteBusID != "":
				to = topology.PCIID(l.RemoteBusID) // an IBM NPU, or a GPU NVML no longer lists
			}
			link := &topology.Link{ID: topology.NVLinkID(from, defaultPeer(to, from), l.Port), Kind: topology.LinkNVLink,
				From: from, To: defaultPeer(to, from)}
			link.SetAttr("port", l.Port)
			if l.Version > 0 {
				link.SetAttr("version", l.Version)
			}
			link.SetAttr("remote_type", l.RemoteType)
			link.Counters = map[string]uint64{}
			for k, v := range l.Errors {
				link.Counters["nvlink_"+k] = v
			}
			if to != "" && l.RemoteType == "gpu" {
				k := seen[to]
				seen[to]++
				if back := far[pair{to, from}]; k < len(back) {
					for kk, v := range back[k].Errors {
						link.Counters["nvlink_"+kk] += v
					}
					link.SetAttr("remote_port", back[k].Port)
					if !back[k].Up {
						l.Up = false
					}
				}
			}
			if !l.Up {
				link.Health.Mark(topology.StateFailed, "NVLink down")
			}
			f.AddLink(link)
		}
	}
}

// defaultPeer names the far end of a port NVML could not identify: the
// GPU itself, so the link still shows (and can fail) in the graph.
func defaultPeer(to, from string) string {
	if to == "" {
		return from
	}
	return to
}

// Watch listens for Xid errors until ctx is done, for `hwgraph serve`;
// each scan turns what arrived into events and GPU health.
func (g *GPU) Watch(ctx context.Context, env Env) error {
	lib := g.library(env)
	if lib == nil {
		return ErrAbsent
	}
	if err := g.start(lib); err != nil {
		return err
	}
	return nvgpu.WatchXids(ctx, lib, g.xids.add)
}

// xidLog keeps Xids between scans: new ones become events once, and the
// worst per GPU keeps marking its health until the process restarts (a
// GPU that fell off the bus does not heal by itself).
type xidLog struct {
	mu sync.Mutex
	// fresh are the Xids since the last scan, a storm of one code on one
	// GPU folded into one with its count: memory stays flat however many
	// arrive.
	fresh []freshXid
	seen  map[string][]nvgpu.Xid // by bus ID, one of each code
	// counts are the Xids of each GPU by code, for
	// hwgraph_gpu_xid_errors_total: seen keeps one of each code that
	// marks health, counts every one.
	counts map[string]map[uint64]uint64
}

// freshXid is an Xid and its repeats since the last scan.
type freshXid struct {
	nvgpu.Xid
	n    int
	last time.Time
}

func (x *xidLog) add(e nvgpu.Xid) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if i := slices.IndexFunc(x.fresh, func(f freshXid) bool { return f.BusID == e.BusID && f.Code == e.Code }); i >= 0 {
		x.fresh[i].n++
		x.fresh[i].last = e.Time
	} else {
		x.fresh = append(x.fresh, freshXid{Xid: e, n: 1, last: e.Time})
	}
	if x.seen == nil {
		x.seen, x.counts = map[string][]nvgpu.Xid{}, map[string]map[uint64]uint64{}
	}
	// One of each code marks health for the process's life; a storm of
	// Xids is counted, not kept.
	if !slices.ContainsFunc(x.seen[e.BusID], func(s nvgpu.Xid) bool { return s.Code == e.Code }) {
		x.seen[e.BusID] = append(x.seen[e.BusID], e)
	}
	if x.counts[e.BusID] == nil {
		x.counts[e.BusID] = map[uint64]uint64{}
	}
	x.counts[e.BusID][e.Code]++
}

func (x *xidLog) apply(f *topology.Fragment, ids map[string]string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	id := func(bus string) string {
		if c, ok := ids[bus]; ok {
			return c
		}
		return topology.PCIID(bus)
	}
	for _, e := range x.fresh {
		eff, known := nvgpu.XidEffects[e.Code]
		sev := topology.SeverityWarning
		if eff.Failed {
			sev = topology.SeverityCritical
		}
		msg := fmt.Sprintf("Xid %d", e.Code)
		if known {
			msg += ": " + eff.Meaning
		}
		ev := topology.Event{Time: e.Time, Kind: "xid", Component: id(e.BusID), Severity: sev, Message: msg, Source: "nvml"}
		if e.n > 1 {
			ev.Count, ev.Last = e.n, e.last
		}
		f.Events = append(f.Events, ev)
	}
	x.fresh = nil
	buses := slices.Sorted(maps.Keys(x.seen))
	for _, bus := range buses {
		c := f.Annotate(id(bus))
		if c.Counters == nil {
			c.Counters = map[string]uint64{}
		}
		for code, n := range x.counts[bus] {
			c.Counters[topology.CounterXidPrefix+strconv.FormatUint(code, 10)] = n
		}
		for _, e := range x.seen[bus] {
			eff, ok := nvgpu.XidEffects[e.Code]
			if !ok {
				continue
			}
			state := topology.StateDegraded
			if eff.Failed {
				state = topology.StateFailed
			}
			c.Health.Mark(state, fmt.Sprintf("Xid %d: %s", e.Code, eff.Meaning))
		}
	}
}
