package cluster

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// answer is an agent that answers body to every request, without a
// network.
type answer []byte

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(a)), Request: r, Header: http.Header{}}, nil
}

// FuzzAgentAnswer: whatever an agent answers, the fleet view fetches,
// merges and renders it beside a healthy agent without a panic; what is
// not a graph makes that agent unreachable.
func FuzzAgentAnswer(f *testing.F) {
	f.Add([]byte(`{"schema":1,"host":{"id":"host","kind":"host"},"components":[{"id":"pci:0000:01:00.0","kind":"nvme","parent":"pci:0000:00:02.1"}]}`))
	f.Add([]byte(`{"schema":1,"host":{"id":"host","kind":"host"},"components":[null]}`))
	f.Add([]byte(`{"schema":1,"host":{"id":"host","kind":"host"},"components":[{"id":"a","kind":"x","parent":"b"},{"id":"b","kind":"x","parent":"a"}],"links":[{"id":"a~b","from":"a","to":"b"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		client := &http.Client{Transport: answer(body)}
		res := Fetch(context.Background(), client, []Target{{Name: "fuzzed:9877", URL: "http://fuzzed:9877"}}, time.Second, 1, topology.DefaultLimits)
		if (res[0].Err == nil) == (res[0].Graph == nil) {
			t.Fatalf("result %+v", res[0])
		}
		g := Merge(res)
		for _, format := range topology.Formats {
			topology.Render(io.Discard, g, format)
		}
		if h, ok := g.Component(HostID("fuzzed:9877")); !ok || (res[0].Err != nil && h.Health.State != topology.StateUnknown) {
			t.Fatalf("host %+v for %v", h, res[0].Err)
		}
	})
}
