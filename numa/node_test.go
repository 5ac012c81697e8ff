package numa

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

func TestReadNodesOffline(t *testing.T) {
	root := fixture.Root(t, "hwloc/16em64t-4s2c2t-offlines.tar.bz2")
	cpus, err := ReadCPUs(root)
	if err != nil {
		t.Fatal(err)
	}
	// cpu2, 5, 13 and 14 hold online=0 and no topology directory.
	if got := cpus.Offline.String(); got != "2,5,13-14" {
		t.Errorf("offline %s, want 2,5,13-14", got)
	}
	if got := cpus.Online.String(); got != "0-1,3-4,6-12,15" {
		t.Errorf("online %s, want 0-1,3-4,6-12,15", got)
	}
	if len(cpus.Packages) != 4 {
		t.Errorf("%d packages, want 4", len(cpus.Packages))
	}
}

func TestReadNodesNumericOrder(t *testing.T) {
	nodes, err := ReadNodes(fixture.Root(t, "hwloc/nvidiagpunumanodes.tar.bz2") + "/sys")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, n := range nodes {
		ids = append(ids, n.ID)
	}
	if fmt.Sprint(ids) != "[0 8 250 251 252 253 254 255]" {
		t.Errorf("node order %v", ids)
	}
	if nodes[1].Distances[0] != 40 || nodes[1].Distances[8] != 10 || nodes[1].Distances[250] != 80 {
		t.Errorf("node8 distances %v", nodes[1].Distances)
	}
}

// FuzzReadNodes writes fuzzed bytes into one file of a node of 40intel64
// (cpulist, cpumap, meminfo, distance) and reads the nodes: the damage
// costs that node's value, never another node or the node list.
func FuzzReadNodes(f *testing.F) {
	sysfs := filepath.Join(fixture.Root(f, "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2"), "sys")
	var files []string
	for _, name := range []string{"cpulist", "cpumap", "meminfo", "distance"} {
		files = append(files, filepath.Join(sysfs, "devices/system/node/node1", name))
	}
	fixture.FuzzFiles(f, files, func(t *testing.T, damaged string) {
		nodes, err := ReadNodes(sysfs)
		if err != nil || len(nodes) != 4 {
			t.Fatalf("a damaged %s: %d nodes, %v", damaged, len(nodes), err)
		}
		for _, n := range nodes {
			if n.ID != 1 && (len(n.Problems) > 0 || n.MemoryBytes == nil) {
				t.Fatalf("a damaged %s hurt node%d: %v", damaged, n.ID, n.Problems)
			}
		}
	})
}
