package collectors

import (
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// TestGPUWithoutNVML: ghw's snapshot of a VM with an NVIDIA GPU passed
// through. On a captured tree NVML is not asked (it would describe this
// machine): the GPU collector is absent and the PCI class code still
// makes the NVIDIA function a gpu, with its driver and placement.
func TestGPUWithoutNVML(t *testing.T) {
	reg, _ := New(Options{}).Select([]string{"pcie", "gpu"})
	g := reg.Scan(t.Context(), Env{Root: fixture.Root(t, "ghw/linux-amd64-accel-nvidia.tar.gz")}, nil)
	if st := status(g, "gpu"); st.State != "absent" {
		t.Errorf("gpu collector on a capture: %+v", st)
	}
	gpus := 0
	for _, c := range g.Components {
		if c.Kind == topology.KindGPU {
			gpus++
		}
	}
	c, ok := g.Component("pci:0000:06:00.0")
	if gpus != 1 || !ok || c.Kind != topology.KindGPU || c.Attrs["driver"] != "nvidia" || c.Parent != "pci:0000:00:01.5" {
		t.Errorf("%d gpus; 06:00.0 %+v", gpus, c)
	}
}
