package exporter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/scan"
)

// BenchmarkScrape serves /metrics of the 137-function capture as
// Prometheus asks for it (OpenMetrics, gzip), without the network.
func BenchmarkScrape(b *testing.B) {
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(b, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")}}}
	s.Scan(context.Background())
	h := Handler(s)
	for _, enc := range []string{"gzip", "identity"} {
		b.Run(enc, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
				req.Header.Set("Accept-Encoding", enc)
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
