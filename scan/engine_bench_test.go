package scan

import (
	"context"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// BenchmarkEngineScan is an agent's scan as `serve` makes it of the
// 137-function capture: every collector, judged against the last scan
// and recorded in a state folder; "heard" as on a machine whose device
// events the agent hears, "unheard" as where it hears none.
func BenchmarkEngineScan(b *testing.B) {
	root := fixture.Root(b, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	for _, heard := range []bool{true, false} {
		name := map[bool]string{true: "heard", false: "unheard"}[heard]
		b.Run(name, func(b *testing.B) {
			st, err := history.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			m := &Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: root}}
			m.Registry.SetHeard(heard)
			e := &Engine{Source: m, Store: st}
			e.Scan(context.Background())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				e.Scan(context.Background())
			}
		})
	}
}
