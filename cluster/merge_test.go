package cluster

import (
	"context"
	"fmt"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

var benchCaptures = []string{"node_exporter/sys.tar.gz", "procfs/fixtures.tar.gz",
	"hwloc/40intel64-2g2n4c+pcilocality.tar.bz2", "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2"}

func captureGraphs(tb testing.TB) []*topology.Graph {
	var out []*topology.Graph
	for _, c := range benchCaptures {
		reg := collectors.New(collectors.Options{})
		out = append(out, reg.Scan(context.Background(), collectors.Env{Root: fixture.Root(tb, c)}, nil))
	}
	return out
}

// fleet is n hosts, each one of the real captures' graphs.
func fleet(graphs []*topology.Graph, n int) []Result {
	out := make([]Result, n)
	for i := range out {
		out[i] = Result{Target: Target{Name: fmt.Sprintf("node%05d:9877", i)}, Graph: graphs[i%len(graphs)]}
	}
	return out
}

func TestMerge(t *testing.T) {
	graphs := captureGraphs(t)
	res := fleet(graphs, 8)
	res[3] = Result{Target: Target{Name: "down:9877"}, Err: fmt.Errorf("connection refused")}
	g := Merge(res)
	want := 8
	for i, r := range res {
		if r.Graph != nil {
			want += len(graphs[i%len(graphs)].Components)
		}
	}
	if len(g.Components) != want {
		t.Errorf("%d components, want %d", len(g.Components), want)
	}
	// The same PCI function on two hosts stays two components.
	if _, ok := g.Component("node00000:9877/pci:0000:01:00.0"); !ok {
		t.Error("node00000's NVMe drive is missing")
	}
	if _, ok := g.Component("node00004:9877/pci:0000:01:00.0"); !ok {
		t.Error("node00004's NVMe drive is missing")
	}
	if c, _ := g.Component("node00000:9877/pci:0000:01:00.0"); c == nil || c.Parent != "node00000:9877/pci:0000:00:02.1" {
		t.Errorf("parent not namespaced: %+v", c)
	}
	if h, _ := g.Component("host:down:9877"); h == nil || h.Health.State != topology.StateUnknown {
		t.Errorf("unreachable host: %+v", h)
	}
	if s := Summary(g); s["unreachable"] != 1 {
		t.Errorf("summary %v", s)
	}
}

// BenchmarkMerge merges fleets of real capture graphs: time and memory
// per merge should grow with the number of hosts, linearly.
func BenchmarkMerge(b *testing.B) {
	graphs := captureGraphs(b)
	for _, n := range []int{1000, 10000} {
		res := fleet(graphs, n)
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Merge(res)
			}
		})
	}
}
