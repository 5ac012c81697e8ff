package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// maxSeriesAnswer bounds one query's answer: 100,000 hosts' counts by
// state are about 60 MB of JSON.
const maxSeriesAnswer = 1 << 30

// FromSeries builds the fleet from the series the agents already export,
// through a Prometheus-compatible query API (Prometheus, Thanos, Mimir):
// a host:NAME component per instance of job with its components counted
// by state ("count:ok", "count:degraded", …), its worst state, whether
// Prometheus reaches it, and only its parts that are not ok (and the
// links that are degraded or down, as reasons). It is the compact form
// of Merge: a fleet of 100,000 hosts is a few hundred thousand series and
// objects, whatever each host holds; a host's whole graph is its agent's
// to give (Detail).
func FromSeries(ctx context.Context, client *http.Client, promURL, job string) (*topology.Graph, error) {
	sel := fmt.Sprintf(`job=%q`, job)
	q := func(query string) ([]sample, error) { return instantQuery(ctx, client, promURL, query) }
	up, err := q(`up{` + sel + `}`)
	if err != nil {
		return nil, err
	}
	counts, err := q(`count by (instance, state) (hwgraph_component_state{` + sel + `} == 1)`)
	if err != nil {
		return nil, err
	}
	sick, err := q(`hwgraph_component_state{` + sel + `,state!="ok"} == 1`)
	if err != nil {
		return nil, err
	}
	links, err := q(`hwgraph_link_degraded{` + sel + `} == 1 or hwgraph_link_up{` + sel + `} == 0`)
	if err != nil {
		return nil, err
	}
	hostInfo, err := q(`hwgraph_component_info{` + sel + `,id="host"}`)
	if err != nil {
		return nil, err
	}

	f := &topology.Fragment{}
	hosts := map[string]*topology.Component{}
	host := func(instance string) *topology.Component {
		if h, ok := hosts[instance]; ok {
			return h
		}
		h := f.Add(&topology.Component{ID: HostID(instance), Kind: KindHostNode, Name: instance, Parent: topology.HostID})
		h.SetAttr("agent", "http://"+instance)
		h.SetAttr("worst", string(topology.StateOK))
		hosts[instance] = h
		return h
	}
	worsen := func(h *topology.Component, s topology.State) {
		if s.Severity() > topology.State(topology.String(h.Attrs, "worst")).Severity() {
			h.SetAttr("worst", string(s))
		}
	}
	for _, s := range up {
		h := host(s.Metric["instance"])
		h.SetAttr("reachable", s.Value == 1)
		if s.Value != 1 {
			h.Health.Mark(topology.StateUnknown, "unreachable: Prometheus' last scrape failed")
		}
	}
	for _, s := range counts {
		h := host(s.Metric["instance"])
		st := topology.State(s.Metric["state"])
		h.SetAttr("count:"+string(st), int(s.Value))
		worsen(h, st)
	}
	for _, s := range hostInfo {
		h := host(s.Metric["instance"])
		h.Vendor, h.Model, h.Firmware = s.Metric["vendor"], s.Metric["model"], s.Metric["firmware"]
		if n := s.Metric["name"]; n != "" && n != h.Name {
			h.SetAttr("hostname", n)
		}
	}
	for _, s := range sick {
		inst, id := s.Metric["instance"], s.Metric["id"]
		h := host(inst)
		st := topology.State(s.Metric["state"])
		if id == topology.HostID {
			h.Health.Mark(st, "the host itself is "+string(st))
			continue
		}
		c := f.Add(&topology.Component{ID: inst + "/" + id, Kind: s.Metric["kind"], Parent: h.ID})
		c.Health.Mark(st, "as its agent reports (open the host for why)")
	}
	for _, s := range links {
		h := host(s.Metric["instance"])
		what := "degraded"
		if s.Metric["__name__"] == "hwgraph_link_up" {
			what = "down"
		}
		h.Health.Reasons = append(h.Health.Reasons, fmt.Sprintf("%s link %s %s", s.Metric["kind"], s.Metric["id"], what))
	}
	out := topology.Build(f)
	out.Time = time.Now().UTC()
	out.Host.Name = "cluster"
	out.Host.SetAttr("hosts", len(hosts))
	out.Host.SetAttr("source", "prometheus series")
	return out, nil
}

// sample is one series of an instant vector.
type sample struct {
	Metric map[string]string
	Value  float64
}

// instantQuery runs query at Prometheus' /api/v1/query. Not through
// client_golang/api: it links json-iterator, whose size and start-up
// every run of the binary would pay, the one-shot CLI's included, for
// this one GET.
func instantQuery(ctx context.Context, client *http.Client, promURL, query string) ([]sample, error) {
	u := strings.TrimSuffix(promURL, "/") + "/api/v1/query?query=" + url.QueryEscape(query)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("prometheus query %s: %w", query, err)
	}
	defer resp.Body.Close()
	var r struct {
		Status, Error string
		Data          struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		}
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxSeriesAnswer)).Decode(&r); err != nil {
		return nil, fmt.Errorf("prometheus query %s: %w", query, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("prometheus query %s: %s", query, r.Error)
	}
	if r.Data.ResultType != "vector" {
		return nil, fmt.Errorf("prometheus query %s: a %s, not a vector", query, r.Data.ResultType)
	}
	out := make([]sample, 0, len(r.Data.Result))
	for _, x := range r.Data.Result {
		s, _ := x.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("prometheus query %s: value %q: %w", query, s, err)
		}
		out = append(out, sample{Metric: x.Metric, Value: v})
	}
	return out, nil
}
