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
// and recorded in a state folder.
func BenchmarkEngineScan(b *testing.B) {
	st, err := history.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e := &Engine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(b, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")}, Store: st}
	e.Scan(context.Background())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.Scan(context.Background())
	}
}
