package topology

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteMatrix writes the GPU and NIC affinity matrix the way
// `nvidia-smi topo -m` does, derived from the graph: for every pair, NV#
// when # NVLinks join them (directly or through NVSwitches), else how
// their PCIe paths meet:
//
//	PIX  through at most one PCIe bridge
//	PXB  through several bridges, not through the host bridge
//	PHB  through a PCIe host bridge (the same root bus)
//	NODE between host bridges of one NUMA node
//	SYS  across the interconnect between NUMA nodes (or unknown)
//
// then each device's CPU and NUMA affinity.
func WriteMatrix(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	devs := matrixDevices(g)
	if len(devs) == 0 {
		fmt.Fprintln(bw, "no GPUs or NICs")
		return bw.Flush()
	}
	nv := nvlinkCounts(g)
	cpus, nodes := make([]string, len(devs)), make([]string, len(devs))
	width := len("CPU Affinity") + 2
	for i, d := range devs {
		cpus[i], nodes[i] = "N/A", "N/A"
		if n := g.numaOf(d.c); n != nil {
			cpus[i], nodes[i] = String(n.Attrs, "cpus"), strings.TrimPrefix(n.ID, "numa:")
		}
		width = max(width, len(cpus[i])+2)
	}
	fmt.Fprintf(bw, "%-8s", "")
	for _, d := range devs {
		fmt.Fprintf(bw, "%-8s", d.label)
	}
	fmt.Fprintf(bw, "%-*s%s\n", width, "CPU Affinity", "NUMA Affinity")
	for i, a := range devs {
		fmt.Fprintf(bw, "%-8s", a.label)
		for _, b := range devs {
			fmt.Fprintf(bw, "%-8s", g.relation(a.c, b.c, nv))
		}
		fmt.Fprintf(bw, "%-*s%s\n", width, cpus[i], nodes[i])
	}
	fmt.Fprintln(bw, "\nLegend:")
	for _, d := range devs {
		fmt.Fprintf(bw, "  %-6s %s %s\n", d.label, d.c.ID, d.c.Name)
	}
	return bw.Flush()
}

type matrixDevice struct {
	label string
	c     *Component
}

// matrixDevices lists GPUs (by their NVML index when known) then NICs;
// functions of one multi-port NIC each count, as in nvidia-smi.
func matrixDevices(g *Graph) []matrixDevice {
	var gpus, nics []*Component
	for _, c := range g.Components {
		switch c.Kind {
		case KindGPU:
			gpus = append(gpus, c)
		case KindNIC:
			nics = append(nics, c)
		}
	}
	sort.SliceStable(gpus, func(i, j int) bool {
		a, oka := Number(gpus[i].Attrs, "gpu_index")
		b, okb := Number(gpus[j].Attrs, "gpu_index")
		return oka && okb && a < b
	})
	var out []matrixDevice
	for i, c := range gpus {
		out = append(out, matrixDevice{fmt.Sprintf("GPU%d", i), c})
	}
	for i, c := range nics {
		out = append(out, matrixDevice{fmt.Sprintf("NIC%d", i), c})
	}
	return out
}

// nvlinkCounts counts the up NVLinks between two GPUs: direct links,
// and for GPUs on the same NVSwitch fabric the smaller of their counts of
// links into it (every GPU reaches every other at that width).
func nvlinkCounts(g *Graph) map[[2]string]int {
	out := map[[2]string]int{}
	toSwitch := map[string]int{}
	for _, l := range g.Links {
		if l.Kind != LinkNVLink || l.Health.State == StateFailed {
			continue
		}
		to, ok := g.Component(l.To)
		switch {
		case ok && to.Kind == KindNVSwitch:
			toSwitch[l.From]++
		case l.From != l.To:
			out[[2]string{l.From, l.To}]++
			out[[2]string{l.To, l.From}]++
		}
	}
	for a, na := range toSwitch {
		for b, nb := range toSwitch {
			if a != b {
				out[[2]string{a, b}] += min(na, nb)
			}
		}
	}
	return out
}

func (g *Graph) relation(a, b *Component, nv map[[2]string]int) string {
	if a == b {
		return "X"
	}
	if n := nv[[2]string{a.ID, b.ID}]; n > 0 {
		return fmt.Sprintf("NV%d", n)
	}
	pa, pb := g.ancestors(a), g.ancestors(b)
	in := map[string]int{}
	for i, c := range pa {
		in[c.ID] = i
	}
	for j, c := range pb {
		i, ok := in[c.ID]
		if !ok {
			continue
		}
		switch c.Kind {
		case KindPCIBridge:
			// Bridges passed: the meeting one and those below it.
			bridges := 1 + countKind(pa[:i], KindPCIBridge) + countKind(pb[:j], KindPCIBridge)
			if bridges <= 1 {
				return "PIX"
			}
			return "PXB"
		case KindPCIRoot:
			return "PHB"
		case KindNUMANode:
			return "NODE"
		}
		return "SYS"
	}
	return "SYS"
}

// ancestors lists c's parents, nearest first, up to the host.
func (g *Graph) ancestors(c *Component) []*Component {
	var out []*Component
	for p := c.Parent; p != "" && len(out) < 64; {
		pc, ok := g.Component(p)
		if !ok {
			break
		}
		out = append(out, pc)
		if pc.ID == HostID {
			break
		}
		p = pc.Parent
	}
	return out
}

// numaOf is the NUMA node above c, or the one its numa_node names.
func (g *Graph) numaOf(c *Component) *Component {
	for _, a := range g.ancestors(c) {
		if a.Kind == KindNUMANode {
			return a
		}
	}
	if n, ok := Number(c.Attrs, "numa_node"); ok && n >= 0 {
		if nc, ok := g.Component(NUMAID(int(n))); ok {
			return nc
		}
	}
	return nil
}

func countKind(cs []*Component, kind string) int {
	n := 0
	for _, c := range cs {
		if c.Kind == kind {
			n++
		}
	}
	return n
}
