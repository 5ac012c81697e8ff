package dashboards

import (
	"context"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/promtest"
	"github.com/hwgraph/hwgraph/scan"
)

// joins are the README's PromQL joins with node_exporter, and what each
// gives on procfs' capture: Debian's node_exporter reading the tree
// (--path.sysfs) is scraped beside hwgraph reading it, both as instance
// "n1"; want is the id each of node_exporter's devices joins to.
var joins = []struct {
	query string
	want  map[string]string // device → id
}{
	{`node_nvme_info * on(instance, device) group_left(id, pci_bus_id) hwgraph_component_info{kind="nvme"}`,
		map[string]string{"nvme0": "pci:0000:01:00.0", "nvme1": "nvme:nvme1", "nvme2": "nvme:nvme2", "nvme3": "nvme:nvme3"}},
	{`node_network_info * on(instance, device) group_left(id, pci_bus_id) hwgraph_component_info{kind="nic", device!=""}`,
		map[string]string{"enp3s0f0": "pci:0000:a2:00.0"}},
}

// TestJoinsWithNodeExporter runs the README's joins on a real Prometheus
// over a real node_exporter.
func TestJoinsWithNodeExporter(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root := fixture.Root(t, "procfs/fixtures.tar.gz")
	node := promtest.NodeExporter(t, "--path.sysfs="+filepath.Join(root, "sys"), "--path.procfs="+filepath.Join(root, "proc"),
		"--collector.disable-defaults", "--collector.nvme", "--collector.netclass")
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: root}}}
	s.Scan(context.Background())
	hw := httptest.NewServer(exporter.Handler(s))
	defer hw.Close()
	n1 := map[string]string{"instance": "n1"}
	prom := promtest.StartJobs(t, []promtest.Job{
		{Name: "node", Targets: []string{node}, Labels: n1},
		{Name: "hwgraph", Targets: []string{strings.TrimPrefix(hw.URL, "http://")}, Labels: n1},
	}, 2)
	for _, j := range joins {
		if !strings.Contains(string(readme), j.query) {
			t.Errorf("README lacks the join %s", j.query)
		}
		series, err := prom.Series(j.query)
		if err != nil {
			t.Errorf("%s: %v", j.query, err)
			continue
		}
		got := map[string]string{}
		for _, m := range series {
			got[m["device"]] = m["id"]
		}
		if !maps.Equal(got, j.want) {
			t.Errorf("%s joined %v, want %v", j.query, got, j.want)
		}
	}
}
