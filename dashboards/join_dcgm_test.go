//go:build cgo

package dashboards

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/nvmlmock"
	"github.com/hwgraph/hwgraph/internal/testkit/promtest"
	"github.com/hwgraph/hwgraph/scan"
)

// dcgmJoin is the README's join with dcgm-exporter, by the PCI bus ID
// both spell as NVML does.
const dcgmJoin = `DCGM_FI_DEV_GPU_TEMP * on(instance, pci_bus_id) group_left(id, parent) hwgraph_component_info{kind="gpu"}`

// TestJoinWithDCGM: hwgraph reading go-nvml's DGX A100 mock, beside
// series in dcgm-exporter's exposition for the same GPUs (its labels as
// its README shows them: gpu, UUID, pci_bus_id, device, modelName; no
// DCGM runs here), joined on a real Prometheus: each GPU's temperature
// finds its component and its parent bridge.
func TestJoinWithDCGM(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), dcgmJoin) {
		t.Errorf("README lacks the join %s", dcgmJoin)
	}
	srv := dgxa100.New()
	nvmlmock.Wire(srv, nvmlmock.Switched())
	reg, err := collectors.New(collectors.Options{NVML: nvmlmock.Library(srv)}).Select([]string{"gpu"})
	if err != nil {
		t.Fatal(err)
	}
	s := &scan.Engine{Source: &scan.Machine{Registry: reg, Env: collectors.Env{Root: fixture.Dir(t)}}}
	s.Scan(context.Background())
	hw := httptest.NewServer(exporter.Handler(s))
	defer hw.Close()
	var dcgm strings.Builder
	dcgm.WriteString("# HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).\n# TYPE DCGM_FI_DEV_GPU_TEMP gauge\n")
	want := map[string]string{}
	for i, d := range srv.Devices {
		dev := d.(*server.Device)
		name, _ := dev.GetName()
		bus := "0000" + strings.ToUpper(nvmlmock.GPUBus[i])
		fmt.Fprintf(&dcgm, "DCGM_FI_DEV_GPU_TEMP{gpu=\"%d\",UUID=%q,pci_bus_id=%q,device=\"nvidia%d\",modelName=%q} %d\n", i, dev.UUID, bus, dev.Minor, name, 30+i)
		want[bus] = "pci:" + nvmlmock.GPUBus[i]
	}
	dc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		io.WriteString(w, dcgm.String())
	}))
	defer dc.Close()
	n1 := map[string]string{"instance": "n1"}
	prom := promtest.StartJobs(t, []promtest.Job{
		{Name: "dcgm", Targets: []string{strings.TrimPrefix(dc.URL, "http://")}, Labels: n1},
		{Name: "hwgraph", Targets: []string{strings.TrimPrefix(hw.URL, "http://")}, Labels: n1},
	}, 2)
	series, err := prom.Series(dcgmJoin)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range series {
		got[m["pci_bus_id"]] = m["id"]
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s joined %v, want %v", dcgmJoin, got, want)
	}
}
