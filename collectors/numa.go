package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/internal/memo"
	"github.com/hwgraph/hwgraph/numa"
	"github.com/hwgraph/hwgraph/topology"
)

// NUMA turns NUMA nodes into numa-node components joined by
// numa-interconnect links that carry the firmware's distance, and CPU
// packages into cpu-package components under the node that holds them.
type NUMA struct {
	// nodes keeps the nodes' CPUs and distances across heard scans: they
	// change only with a CPU, memory or node hotplug, a device event.
	// Nil reads them every scan.
	nodes *memo.Memo[[]numa.Node]
}

func init() {
	register("numa", func(opts Options) Collector {
		return NUMA{nodes: &memo.Memo[[]numa.Node]{MaxAge: opts.fullScanInterval()}}
	})
}

// Invalidate implements Invalidator.
func (c NUMA) Invalidate() { c.nodes.Forget() }

// Name implements Collector.
func (NUMA) Name() string { return "numa" }

// Reads implements Collector.
func (NUMA) Reads() []capture.Read { return capture.Paths(append(numa.NodeFiles, numa.CPUFiles...)...) }

// Collect implements Collector.
func (c NUMA) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	f := &topology.Fragment{}
	nodes, nerr := c.readNodes(env)
	if nerr != nil && !errors.Is(nerr, fs.ErrNotExist) {
		return nil, nerr
	}
	cpus, cerr := env.cpus()
	if cerr != nil && !errors.Is(cerr, fs.ErrNotExist) {
		f.Problem(cerr.Error())
	}
	if len(nodes) == 0 && len(cpus.Packages) == 0 {
		return nil, ErrAbsent
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	shared := sharedCPUs(nodes)
	for _, n := range nodes {
		c := f.Add(nodeComponent(n))
		for _, o := range shared[n.ID] {
			c.Health.Mark(topology.StateUnknown, fmt.Sprintf("CPUs also claimed by numa:%d: inconsistent firmware NUMA data", o))
		}
		for _, e := range n.Problems {
			f.Problem(e.Error())
		}
		if n.MemoryErr != nil {
			f.Problem(n.MemoryErr.Error())
		}
		if n.DistanceErr != nil {
			f.Problem(n.DistanceErr.Error())
		}
	}
	ids := make([]string, len(nodes)) // 64 nodes make 2,016 links
	for i, n := range nodes {
		ids[i] = topology.NUMAID(n.ID)
	}
	for i, a := range nodes {
		for j := i + 1; j < len(nodes); j++ {
			if l := interconnect(a, nodes[j], ids[i], ids[j]); l != nil {
				f.AddLink(l)
			}
		}
	}
	for _, p := range cpus.Packages {
		f.Add(packageComponent(p, nodes))
	}
	for _, e := range cpus.Problems {
		f.Problem(e.Error())
	}
	host := &topology.Component{ID: topology.HostID, Kind: topology.KindHost}
	host.SetAttr("cpus", cpus.Online.String())
	if len(cpus.Offline) > 0 {
		host.SetAttr("cpus_offline", cpus.Offline.String())
	}
	host.SetAttr("numa_nodes", len(nodes))
	f.Add(host)
	return f, nil
}

// readNodes reads the NUMA nodes; on a heard scan, only their memory
// when they are kept.
func (c NUMA) readNodes(env Env) ([]numa.Node, error) {
	if !env.heard {
		return numa.ReadNodes(env.Path("sys"))
	}
	nodes, err := c.nodes.Get(func() ([]numa.Node, error) { return numa.ReadNodes(env.Path("sys")) })
	if err != nil {
		return nil, err
	}
	return numa.ReadMemory(env.Path("sys"), nodes), nil
}

// sharedCPUs finds nodes that claim the same CPUs, which real hardware never
// does: a BIOS that lists every CPU in every node (seen on real machines)
// makes the node layout meaningless, and we say so instead of guessing.
func sharedCPUs(nodes []numa.Node) map[int][]int {
	out := map[int][]int{}
	for i, a := range nodes {
		for _, b := range nodes[i+1:] {
			if a.CPUs.Overlaps(b.CPUs) {
				out[a.ID] = append(out[a.ID], b.ID)
				out[b.ID] = append(out[b.ID], a.ID)
			}
		}
	}
	return out
}

func nodeComponent(n numa.Node) *topology.Component {
	c := &topology.Component{
		ID:     topology.NUMAID(n.ID),
		Kind:   topology.KindNUMANode,
		Name:   fmt.Sprintf("NUMA node %d", n.ID),
		Parent: topology.HostID,
		Health: topology.Health{State: topology.StateOK},
	}
	c.SetAttr("numa_node", n.ID)
	c.SetAttr("cpus", n.CPUs.String())
	if n.MemoryBytes != nil {
		c.SetAttr("memory_bytes", *n.MemoryBytes)
	}
	if len(n.CPUs) == 0 {
		// GPU, CXL or pmem memory: a real node, just without CPUs.
		c.SetAttr("cpuless", true)
	}
	for _, e := range n.Problems {
		c.Health.Mark(topology.StateUnknown, e.Error())
	}
	if n.MemoryErr != nil {
		c.Health.Mark(topology.StateUnknown, n.MemoryErr.Error())
	}
	return c
}

// interconnect links two nodes, whose component IDs are from and to, with
// the distance from a to b. Firmware tables may be asymmetric; then the
// reverse distance is kept too.
func interconnect(a, b numa.Node, from, to string) *topology.Link {
	ab, okab := a.Distances[b.ID]
	ba, okba := b.Distances[a.ID]
	if !okab && !okba {
		return nil
	}
	l := &topology.Link{ID: topology.LinkID(from, to, 0), Kind: topology.LinkNUMAInterconnect, From: from, To: to}
	d := ab
	switch {
	case okab:
		if okba && ba != ab {
			l.SetAttr("distance_reverse", ba)
		}
	default:
		d = ba
	}
	l.SetAttr(topology.AttrDistance, d)
	// ACPI SLIT defines 10 as local; two distinct nodes at 10 or less is
	// a firmware table bug, and any placement based on it is wrong.
	if d <= 10 {
		l.Health.Mark(topology.StateUnknown, fmt.Sprintf("distance %v between distinct nodes: inconsistent firmware (SLIT) data", d))
	}
	return l
}

// packageComponent places a package under the one node holding all its
// CPUs; a package split across nodes (sub-NUMA clustering, multi-die AMD)
// sits under the host and lists its nodes.
func packageComponent(p numa.Package, nodes []numa.Node) *topology.Component {
	c := &topology.Component{
		ID:     topology.PackageID(p.ID),
		Kind:   topology.KindCPUPackage,
		Name:   p.Model,
		Model:  p.Model,
		Parent: topology.HostID,
		Health: topology.Health{State: topology.StateOK},
	}
	if c.Name == "" {
		c.Name = fmt.Sprintf("CPU package %d", p.ID)
	}
	c.SetAttr("cpus", p.CPUs.String())
	c.SetAttr("threads", len(p.CPUs))
	if p.Cores > 0 {
		c.SetAttr("cores", p.Cores)
	}
	node, in := numa.PackageNode(p, nodes)
	if node >= 0 {
		c.Parent = topology.NUMAID(node)
	}
	if len(in) > 1 {
		c.SetAttr("numa_nodes", numa.CPUSet(in).String())
	}
	c.SetAttr("numa_node", node)
	for k, v := range map[string]*uint64{topology.CounterThrottlePackage: p.PackageThrottles, topology.CounterThrottleCore: p.CoreThrottles} {
		if v != nil {
			if c.Counters == nil {
				c.Counters = map[string]uint64{}
			}
			c.Counters[k] = *v
		}
	}
	return c
}
