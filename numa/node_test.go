package numa

import (
	"fmt"
	"testing"

	"github.com/hwgraph/hwgraph/internal/fixture"
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
