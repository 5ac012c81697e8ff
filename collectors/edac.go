package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/hwgraph/hwgraph/edac"
	"github.com/hwgraph/hwgraph/topology"
)

func init() { Default.Register(EDAC{}) }

// EDAC turns the kernel's EDAC tree into memory-controller components and
// DIMM components joined by memory-channel links that count corrected
// and uncorrected errors. A DIMM with any uncorrected error is failed.
type EDAC struct{}

// Name implements Collector.
func (EDAC) Name() string { return "edac" }

// Collect implements Collector.
func (EDAC) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	mcs, err := edac.ReadControllers(env.Path("sys"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrAbsent
		}
		return nil, err
	}
	f := &topology.Fragment{}
	for _, mc := range mcs {
		id := fmt.Sprintf("mc:%d", mc.ID)
		c := f.Add(&topology.Component{ID: id, Kind: topology.KindMemoryController, Name: mc.Name, Parent: topology.HostID})
		if c.Name == "" {
			c.Name = fmt.Sprintf("memory controller %d", mc.ID)
		}
		c.Counters = counters(mc.CE, mc.UE)
		if mc.CENoInfo != nil {
			c.Counters["memory_corrected_noinfo"] = *mc.CENoInfo
		}
		if mc.UENoInfo != nil {
			c.Counters["memory_uncorrected_noinfo"] = *mc.UENoInfo
		}
		if mc.SizeMB != nil {
			c.SetAttr("memory_bytes", *mc.SizeMB<<20)
		}
		for _, e := range mc.Problems {
			c.Health.Mark(topology.StateUnknown, e.Error())
			f.Problem(e.Error())
		}
		for _, d := range mc.DIMMs {
			did := "dimm:" + NormalizeLocator(d.Label)
			if d.Label == "" {
				did = fmt.Sprintf("dimm:MC%d-%s", mc.ID, NormalizeLocator(d.Name))
			}
			dc := f.Add(&topology.Component{ID: did, Kind: topology.KindDIMM, Name: d.Label, Parent: id})
			dc.SetAttr("edac", fmt.Sprintf("mc%d/%s", mc.ID, d.Name))
			if d.Location != "" {
				dc.SetAttr("location", d.Location)
			}
			if d.SizeMB != nil {
				dc.SetAttr("size_bytes", *d.SizeMB<<20)
			}
			if d.MemType != "" {
				dc.SetAttr("type", d.MemType)
			}
			dc.Counters = counters(d.CE, d.UE)
			if d.UE != nil && *d.UE > 0 {
				dc.Health.Mark(topology.StateFailed, fmt.Sprintf("%d uncorrected ECC errors", *d.UE))
			}
			l := f.AddLink(&topology.Link{ID: topology.LinkID(id, did, 0), Kind: topology.LinkMemoryChannel, From: id, To: did})
			l.Counters = counters(d.CE, d.UE)
		}
	}
	return f, nil
}

func counters(ce, ue *uint64) map[string]uint64 {
	m := map[string]uint64{}
	if ce != nil {
		m["memory_corrected"] = *ce
	}
	if ue != nil {
		m["memory_uncorrected"] = *ue
	}
	return m
}

// NormalizeLocator turns a slot name as firmware or EDAC spell it ("P1
// DIMM A1", "P1_DIMMA1", "CPU0_DIMM_A1") into the form DIMM IDs use:
// upper case, runs of spaces, underscores and '#' folded to one '-'.
func NormalizeLocator(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.TrimSpace(s) {
		if r == ' ' || r == '_' || r == '#' || r == '-' || r == '\t' {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return b.String()
}
