package collectors

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// BenchmarkScan builds the whole graph (PCIe, NUMA, host) of the largest
// real captures: the 137-function Xeon and the 64-node Itanium. The pci.ids
// database is loaded once per process, before the timer, as in `serve`.
func BenchmarkScan(b *testing.B) {
	for _, capture := range []string{"32em64t-2n8c+dax+nvme+mic+dimms", "256ia64-64n2s2c"} {
		b.Run(capture, func(b *testing.B) {
			root := fixture.Root(b, "hwloc/"+capture+".tar.bz2")
			reg, err := New(Options{}).Select([]string{"pcie", "numa", "host"})
			if err != nil {
				b.Fatal(err)
			}
			reg.Scan(context.Background(), Env{Root: root}, nil) // warm pci.ids
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				reg.Scan(context.Background(), Env{Root: root}, nil)
			}
		})
	}
}

// syntheticHost makes the fragments of a big machine from real shapes:
// the 137-function Xeon's PCI tree copied into `copies` PCI domains, the
// 64-node Itanium's NUMA layout, 8 GPUs each with 18 NVLinks to 4
// NVSwitches, and 32 DIMMs from the Xeon's SMBIOS records.
func syntheticHost(b *testing.B, copies int) []*topology.Fragment {
	b.Helper()
	ctx := context.Background()
	pciReg, _ := New(Options{}).Select([]string{"pcie", "memory"})
	xeon := pciReg.Run(ctx, Env{Root: fixture.Root(b, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")})
	numaReg, _ := New(Options{}).Select([]string{"numa"})
	itanium := numaReg.Run(ctx, Env{Root: fixture.Root(b, "hwloc/256ia64-64n2s2c.tar.bz2")})
	var frags []*topology.Fragment
	for _, r := range itanium {
		frags = append(frags, r.Fragment)
	}
	for _, r := range xeon {
		if r.Fragment == nil {
			continue
		}
		for i := range copies {
			dom := fmt.Sprintf("%04x:", i+1)
			f := &topology.Fragment{}
			rename := func(id string) string {
				if rest, ok := strings.CutPrefix(id, "pci:0000:"); ok {
					return "pci:" + dom + rest
				}
				if rest, ok := strings.CutPrefix(id, "pcibus:0000:"); ok {
					return "pcibus:" + dom + rest
				}
				if strings.HasPrefix(id, "dimm:") && i < 4 {
					return fmt.Sprintf("%s-%d", id, i)
				}
				if strings.HasPrefix(id, "dimm:") || id == topology.HostID {
					return ""
				}
				return id
			}
			for _, c := range r.Fragment.Components {
				cc := *c
				if cc.ID = rename(c.ID); cc.ID == "" {
					continue
				}
				cc.Parent = rename(c.Parent)
				f.Components = append(f.Components, &cc)
			}
			for _, l := range r.Fragment.Links {
				ll := *l
				ll.From, ll.To = rename(l.From), rename(l.To)
				if ll.From == "" || ll.To == "" {
					continue
				}
				ll.ID = topology.LinkID(ll.From, ll.To, 0)
				f.Links = append(f.Links, &ll)
			}
			frags = append(frags, f)
		}
	}
	gpus := &topology.Fragment{}
	for sw := range 4 {
		gpus.Add(&topology.Component{ID: fmt.Sprintf("nvswitch:0000:c%d:00.0", sw), Kind: topology.KindNVSwitch})
	}
	for g := range 8 {
		id := fmt.Sprintf("pci:0001:%02x:00.0", 0x80+g)
		gpus.Add(&topology.Component{ID: id, Kind: topology.KindGPU, Parent: "pcibus:0001:00"})
		for port := range 18 {
			to := fmt.Sprintf("nvswitch:0000:c%d:00.0", port%4)
			l := gpus.AddLink(&topology.Link{ID: fmt.Sprintf("%s~%s#%d", id, to, port), Kind: topology.LinkNVLink, From: id, To: to})
			l.Counters = map[string]uint64{"nvlink_crc_flit": 0, "nvlink_replay": 0}
		}
	}
	return append(frags, gpus)
}

// BenchmarkSyntheticHost builds and judges, and apart renders as JSON, a host of
// 4,110 PCI functions (×copies/30), 64 NUMA nodes, 8 GPUs × 18 NVLinks and
// 32 DIMMs; run with -cpu 1 for the one-core figure. Doubling the copies
// should double the time.
func BenchmarkSyntheticHost(b *testing.B) {
	for _, copies := range []int{30, 60, 120} {
		frags := syntheticHost(b, copies)
		prev := topology.Build(frags...)
		b.Run(fmt.Sprintf("build+judge/pci=%d", copies*137), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				topology.Judge(topology.Build(frags...), prev)
			}
		})
		b.Run(fmt.Sprintf("json/pci=%d", copies*137), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				topology.WriteJSON(io.Discard, prev)
			}
		})
	}
}

// BenchmarkScanAll is a scan as `serve` makes it, every collector, of the
// 137-function capture: what an agent pays per scan interval.
func BenchmarkScanAll(b *testing.B) {
	root := fixture.Root(b, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	reg := New(Options{})
	prev := reg.Scan(context.Background(), Env{Root: root}, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		prev = reg.Scan(context.Background(), Env{Root: root}, prev)
	}
}
