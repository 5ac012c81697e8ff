package collectors

import (
	"context"
	"testing"

	"github.com/hwgraph/hwgraph/internal/fixture"
)

// BenchmarkScan builds the whole graph (PCIe, NUMA, host) of the largest
// real captures: the 137-function Xeon and the 64-node Itanium. The pci.ids
// database is loaded once per process, before the timer, as in `serve`.
func BenchmarkScan(b *testing.B) {
	for _, capture := range []string{"32em64t-2n8c+dax+nvme+mic+dimms", "256ia64-64n2s2c"} {
		b.Run(capture, func(b *testing.B) {
			root := fixture.Root(b, "hwloc/"+capture+".tar.bz2")
			reg, err := Default.Select([]string{"pcie", "numa", "host"})
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
