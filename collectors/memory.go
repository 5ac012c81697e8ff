//go:build linux

package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/dmi"
	"github.com/hwgraph/hwgraph/edac"
	"github.com/hwgraph/hwgraph/numa"
	"github.com/hwgraph/hwgraph/topology"
)

// Memory joins the two views of a machine's memory: the firmware's
// inventory (SMBIOS type 17: which slot holds which module) and the
// kernel's EDAC counters (which controller saw errors on which DIMM). Each
// populated slot is a dimm: component; EDAC DIMMs are matched to slots by
// label (see matchSlot) and hang under their memory controller by a
// memory-channel link that counts corrected and uncorrected errors. A
// DIMM with any uncorrected error is failed.
//
// Either source alone is enough: SMBIOS needs root, EDAC needs a driver.
type Memory struct {
	mu   sync.Mutex
	kept *slotPart // the slots of the tables last read
}

// slotPart is what addSlots makes of one reading of the SMBIOS tables:
// the tables are kept across scans (keptTables), and so are the slots'
// components, which do not change unless the tables do.
type slotPart struct {
	tabs  *dmi.Tables
	frag  topology.Fragment
	slots []slot
}

// slotsOf is addSlots of tabs, made once for each reading of the tables.
func (m *Memory) slotsOf(tabs *dmi.Tables) *slotPart {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.kept == nil || m.kept.tabs != tabs {
		p := &slotPart{tabs: tabs}
		p.slots = addSlots(&p.frag, tabs)
		m.kept = p
	}
	return m.kept
}

func init() {
	register("memory", func(Options) Collector { return &Memory{} })
}

// Name implements Collector.
func (*Memory) Name() string { return "memory" }

// Reads implements Collector.
func (*Memory) Reads() []capture.Read {
	reads := capture.Paths(slices.Concat(edac.Files, dmi.Files, numa.NodeFiles, numa.CPUFiles)...)
	return append(reads, capture.Files(capture.SMBIOS, dmi.TableFiles...)...)
}

// Collect implements Collector.
func (m *Memory) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	f := &topology.Fragment{}
	tabs, serr := env.smbiosTables()
	mcs, eerr := edac.ReadControllers(env.Path("sys"))
	absent := func(err error) bool { return err != nil && errors.Is(err, fs.ErrNotExist) }
	if serr != nil && eerr != nil {
		// Neither source answered: absent when neither exists, else the
		// collector fails with what went wrong.
		switch {
		case absent(serr) && absent(eerr):
			return nil, ErrAbsent
		case absent(serr):
			return nil, eerr
		case absent(eerr):
			return nil, serr
		}
		return nil, errors.Join(serr, eerr)
	}
	if serr != nil && !absent(serr) {
		// Unprivileged runs cannot read the tables: EDAC still answers.
		f.Problem(serr.Error())
	}
	if eerr != nil && !absent(eerr) {
		f.Problem(eerr.Error())
	}
	var slots []slot
	if tabs != nil {
		for _, e := range tabs.Problems {
			f.Problem(e.Error())
		}
		kept := m.slotsOf(tabs)
		f.Problems = append(f.Problems, kept.frag.Problems...)
		f.Components = append(f.Components, kept.frag.Components...)
		slots = kept.slots
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if len(mcs) > 0 {
		place := controllerPlacer(env)
		for _, mc := range mcs {
			addController(f, mc, slots, place)
		}
	}
	return f, nil
}

// slot is a type-17 record with the ID its DIMM gets.
type slot struct {
	dmi.MemoryDevice
	ID string
}

// addSlots adds a dimm: component for each populated slot and records the
// slots on the host: an empty slot is inventory, not a missing DIMM.
func addSlots(f *topology.Fragment, tabs *dmi.Tables) []slot {
	mds, errs := tabs.MemoryDevices()
	for _, e := range errs {
		f.Problem(e.Error())
	}
	host := f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
	slots := slotIDs(mds)
	var empty []string
	var installed uint64
	for _, s := range slots {
		if !s.Populated() {
			empty = append(empty, s.Locator)
			continue
		}
		installed += s.SizeBytes
		f.Add(dimmComponent(s))
	}
	if len(slots) > 0 {
		host.SetAttr("memory_slots", len(slots))
		host.SetAttr("memory_slots_empty", strings.Join(empty, ", "))
		host.SetAttr("memory_installed_bytes", installed)
	}
	arrays, errs := tabs.MemoryArrays()
	for _, e := range errs {
		f.Problem(e.Error())
	}
	for _, a := range arrays {
		if a.Use == "System Memory" {
			host.SetAttr("memory_error_correction", a.ErrorCorrection)
			host.SetAttr("memory_max_bytes", a.MaxCapacityBytes)
		}
	}
	return slots
}

func dimmComponent(s slot) *topology.Component {
	c := &topology.Component{ID: s.ID, Kind: topology.KindDIMM, Name: s.Locator}
	if !dmi.Placeholder(s.Manufacturer) {
		c.Vendor = s.Manufacturer
	}
	if !dmi.Placeholder(s.PartNumber) {
		c.Model = s.PartNumber
	}
	if !dmi.Placeholder(s.SerialNumber) {
		c.Serial = s.SerialNumber
	}
	c.SetAttr("slot", s.Locator)
	if !dmi.Placeholder(s.BankLocator) {
		c.SetAttr("bank", s.BankLocator)
	}
	if s.SizeBytes > 0 {
		c.SetAttr("size_bytes", s.SizeBytes)
	}
	c.SetAttr("type", s.Type)
	c.SetAttr("form_factor", s.FormFactor)
	if s.SpeedMTs > 0 {
		c.SetAttr("speed_mts", s.SpeedMTs)
	}
	if s.ConfiguredSpeedMTs > 0 {
		c.SetAttr("configured_speed_mts", s.ConfiguredSpeedMTs)
	}
	if s.Rank > 0 {
		c.SetAttr("rank", s.Rank)
	}
	if !dmi.Placeholder(s.AssetTag) {
		c.SetAttr("asset_tag", s.AssetTag)
	}
	c.SetAttr("smbios_handle", fmt.Sprintf("0x%04X", s.Handle))
	return c
}

// addController adds mc:N, its DIMMs and the memory-channel links.
func addController(f *topology.Fragment, mc edac.Controller, slots []slot, place func(edac.Controller) string) {
	id := topology.MCID(mc.ID)
	c := f.Add(&topology.Component{ID: id, Kind: topology.KindMemoryController, Name: mc.Name, Parent: place(mc)})
	if c.Name == "" {
		c.Name = fmt.Sprintf("memory controller %d", mc.ID)
	}
	c.Counters = errorCounters(mc.CE, mc.UE)
	if mc.CENoInfo != nil {
		c.Counters[topology.CounterCorrectedNoInfo] = *mc.CENoInfo
	}
	if mc.UENoInfo != nil {
		c.Counters[topology.CounterUncorrectedNoInfo] = *mc.UENoInfo
	}
	if mc.SizeMB != nil {
		c.SetAttr("memory_bytes", *mc.SizeMB<<20)
	}
	for _, e := range mc.Problems {
		c.Health.Mark(topology.StateUnknown, e.Error())
		f.Problem(e.Error())
	}
	for _, d := range mc.DIMMs {
		did, matched := matchSlot(d.Label, slots)
		if !matched {
			did = topology.DIMMID(d.Label)
			if d.Label == "" || defaultLabel().MatchString(d.Label) {
				did = topology.DIMMID(fmt.Sprintf("MC%d %s", mc.ID, d.Name))
			}
		}
		dc := f.Add(&topology.Component{ID: did, Kind: topology.KindDIMM, Name: d.Label, Parent: id})
		dc.SetAttr("edac", fmt.Sprintf("mc%d/%s", mc.ID, d.Name))
		if d.Label != "" {
			dc.SetAttr("edac_label", d.Label)
			if alias := topology.DIMMID(d.Label); alias != did {
				// Kernel log lines name the DIMM by its EDAC label.
				dc.SetAttr(topology.AttrAliases, alias)
			}
		}
		if d.Location != "" {
			dc.SetAttr("location", d.Location)
		}
		if d.SizeMB != nil && !matched {
			dc.SetAttr("size_bytes", *d.SizeMB<<20)
		}
		if d.MemType != "" && !matched {
			dc.SetAttr("type", d.MemType)
		}
		dc.Counters = errorCounters(d.CE, d.UE)
		if d.UE != nil && *d.UE > 0 {
			dc.Health.Mark(topology.StateFailed, fmt.Sprintf("%d uncorrected ECC errors", *d.UE))
		}
		l := f.AddLink(&topology.Link{ID: topology.LinkID(id, did, 0), Kind: topology.LinkMemoryChannel, From: id, To: did})
		l.Counters = errorCounters(d.CE, d.UE)
	}
}

// defaultLabel is the label the EDAC core makes up when neither the BIOS
// nor a labels file named the slot ("mc#0csrow#1channel#0",
// "mc#0memory#3"): it names a position, not a slot.
var defaultLabel = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^mc#\d+`) })

func errorCounters(ce, ue *uint64) map[string]uint64 {
	m := map[string]uint64{}
	if ce != nil {
		m[topology.CounterCorrected] = *ce
	}
	if ue != nil {
		m[topology.CounterUncorrected] = *ue
	}
	return m
}

// socketInName finds the socket in a controller's mc_name: Intel's drivers
// say "Skylake Socket#0 IMC#1", "Intel_10nm Socket#1 IMC#0" or
// "Ivy Bridge SrcID#0_Ha#0".
var socketInName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:Socket|SrcID)#(\d+)`) })

// controllerPlacer returns where a controller belongs: the NUMA node of
// the package its name points at, the only NUMA node of a one-node
// machine, or the host when neither is known (ghes_edac's single mc0 on
// a multi-socket box spans them all).
func controllerPlacer(env Env) func(edac.Controller) string {
	nodes, _ := numa.ReadNodes(env.Path("sys"))
	// Every CPU's topology is read only when a controller names a socket
	// (ghes_edac and amd64_edac never do).
	cpus := sync.OnceValue(func() numa.CPUs {
		c, _ := env.cpus()
		return c
	})
	return func(mc edac.Controller) string {
		if m := socketInName().FindStringSubmatch(mc.Name); m != nil {
			pkg, _ := strconv.Atoi(m[1])
			for _, p := range cpus().Packages {
				if p.ID != pkg {
					continue
				}
				if node, _ := numa.PackageNode(p, nodes); node >= 0 {
					return topology.NUMAID(node)
				}
				return topology.PackageID(pkg)
			}
		}
		if len(nodes) == 1 {
			return topology.NUMAID(nodes[0].ID)
		}
		return topology.HostID
	}
}
