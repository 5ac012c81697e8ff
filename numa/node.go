package numa

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/internal/parallel"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Node is one NUMA node.
type Node struct {
	ID   int
	CPUs CPUSet
	// MemoryBytes is MemTotal of the node's meminfo; nil when unreadable,
	// and MemoryErr says why.
	MemoryBytes *uint64
	MemoryErr   error
	// Distances maps node ID to the firmware's relative distance (10 = local).
	Distances map[int]int
	// Problems are the node's CPU attributes that could not be read or
	// parsed: what we know of the node itself is incomplete (as it is with
	// a MemoryErr).
	Problems []error
	// DistanceErr says why Distances is nil; the node itself is fine.
	DistanceErr error
}

// ReadNodes reads every node under <sysfs>/devices/system/node, sorted by
// ID. It returns an fs.ErrNotExist-wrapped error when the kernel exposes no
// NUMA information at all.
func ReadNodes(sysfs string) ([]Node, error) {
	dir := filepath.Join(sysfs, "devices", "system", "node")
	ents, err := sysfsattr.Numbered(dir, "node")
	if err != nil {
		return nil, fmt.Errorf("read numa nodes: %w", err)
	}
	nodes := make([]Node, len(ents))
	parallel.For(len(ents), func(i int) { nodes[i] = readNode(ents[i].Path, ents[i].N) })
	if len(nodes) == 0 {
		return nil, fmt.Errorf("read numa nodes: %w", os.ErrNotExist)
	}
	// The distance file lists one column per online node in ascending
	// numeric order — node8 before node250, as Numbered sorts them.
	order := make([]int, len(nodes))
	for i, n := range nodes {
		order[i] = n.ID
	}
	parallel.For(len(nodes), func(i int) {
		nodes[i].readDistances(filepath.Join(dir, "node"+strconv.Itoa(nodes[i].ID)), order)
	})
	return nodes, nil
}

func readNode(dir string, id int) Node {
	n := Node{ID: id}
	if s, err := sysfsattr.Read(filepath.Join(dir, "cpulist")); err == nil {
		if n.CPUs, err = ParseCPUList(s); err != nil {
			n.Problems = append(n.Problems, fmt.Errorf("node%d cpulist: %w", id, err))
		}
	} else if s, err2 := sysfsattr.Read(filepath.Join(dir, "cpumap")); err2 == nil {
		if n.CPUs, err2 = ParseCPUMask(s); err2 != nil {
			n.Problems = append(n.Problems, fmt.Errorf("node%d cpumap: %w", id, err2))
		}
	} else {
		n.Problems = append(n.Problems, fmt.Errorf("node%d cpus: %w", id, err))
	}
	n.readMemory(dir)
	return n
}

func (n *Node) readMemory(dir string) {
	n.MemoryBytes, n.MemoryErr = nil, nil
	mem, err := readMemTotal(filepath.Join(dir, "meminfo"))
	if err != nil {
		n.MemoryErr = fmt.Errorf("node%d meminfo: %w", n.ID, err)
	} else {
		n.MemoryBytes = &mem
	}
}

// ReadMemory reads again the one value of ReadNodes' nodes that changes
// while the nodes stay: MemTotal, which a balloon driver lowers with no
// device event (the rest changes only with a CPU, memory or node
// hotplug, which the kernel announces). It returns new nodes, sharing
// the CPUs and distances of those given.
func ReadMemory(sysfs string, nodes []Node) []Node {
	dir := filepath.Join(sysfs, "devices", "system", "node")
	out := slices.Clone(nodes)
	for i := range out {
		out[i].readMemory(filepath.Join(dir, "node"+strconv.Itoa(out[i].ID)))
	}
	return out
}

func (n *Node) readDistances(dir string, order []int) {
	s, err := sysfsattr.Read(filepath.Join(dir, "distance"))
	if err != nil {
		n.DistanceErr = fmt.Errorf("node%d distance: %w", n.ID, err)
		return
	}
	f := strings.Fields(s)
	if len(f) != len(order) {
		n.DistanceErr = fmt.Errorf("node%d distance: %d columns for %d nodes", n.ID, len(f), len(order))
		return
	}
	n.Distances = make(map[int]int, len(f))
	for i, v := range f {
		d, err := strconv.Atoi(v)
		if err != nil || d < 0 {
			n.DistanceErr = fmt.Errorf("node%d distance: bad value %q", n.ID, sysfsattr.Excerpt(v))
			n.Distances = nil
			return
		}
		n.Distances[order[i]] = d
	}
}

// readMemTotal reads "Node N MemTotal: X kB" from a node's meminfo.
func readMemTotal(path string) (uint64, error) {
	text, err := sysfsattr.Read(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 4 && fields[2] == "MemTotal:" {
			kb, err := strconv.ParseUint(fields[3], 10, 64)
			if err != nil || kb > 1<<52 {
				return 0, fmt.Errorf("bad MemTotal %q", sysfsattr.Excerpt(fields[3]))
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no MemTotal line")
}
