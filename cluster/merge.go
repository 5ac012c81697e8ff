package cluster

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// KindHostNode is a machine in the cluster graph.
const KindHostNode = "host"

// Result is one agent's answer.
type Result struct {
	Target Target
	Graph  *topology.Graph
	Err    error
}

// Fetch asks every target for its graph, at most limit at a time, each
// under timeout, and decodes it within lim. A target that does not
// answer, or answers what is not a graph within the limits, is a Result
// with Err.
func Fetch(ctx context.Context, client *http.Client, targets []Target, timeout time.Duration, limit int, lim topology.Limits) []Result {
	if limit <= 0 {
		limit = 64
	}
	out := make([]Result, len(targets))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = fetchOne(ctx, client, t, timeout, lim)
		}()
	}
	wg.Wait()
	return out
}

func fetchOne(ctx context.Context, client *http.Client, t Target, timeout time.Duration, lim topology.Limits) Result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL+"/api/v1/graph", nil)
	if err != nil {
		return Result{Target: t, Err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		return Result{Target: t, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Result{Target: t, Err: fmt.Errorf("%s: %s", t.URL, resp.Status)}
	}
	g, err := topology.ReadJSONLimited(resp.Body, lim)
	if err != nil {
		return Result{Target: t, Err: fmt.Errorf("%s: %w", t.URL, err)}
	}
	return Result{Target: t, Graph: g}
}

// HostID is the ID of a machine in the cluster graph.
func HostID(name string) string { return "host:" + name }

// Merge makes one graph of many: the cluster is the root, each machine a
// host:NAME component holding its components, whose IDs (and links,
// parents, events) are prefixed "NAME/" so two machines' pci:0000:3b:00.0
// stay apart. A machine that did not answer is there, unknown, with the
// reason: a host that vanished from the view would hide exactly the
// trouble the view is for.
func Merge(results []Result) *topology.Graph {
	f := &topology.Fragment{}
	for _, r := range results {
		name := r.Target.Name
		hid := HostID(name)
		host := &topology.Component{ID: hid, Kind: KindHostNode, Name: name, Parent: topology.HostID}
		host.SetAttr("agent", r.Target.URL)
		for k, v := range r.Target.Labels {
			host.SetAttr("label:"+k, v)
		}
		f.Add(host)
		if r.Err != nil || r.Graph == nil {
			why := "no graph"
			if r.Err != nil {
				why = r.Err.Error()
			}
			host.Health.Mark(topology.StateUnknown, "unreachable: "+why)
			host.SetAttr("reachable", false)
			continue
		}
		g := r.Graph
		host.SetAttr("reachable", true)
		host.Vendor, host.Model, host.Serial, host.Firmware = g.Host.Vendor, g.Host.Model, g.Host.Serial, g.Host.Firmware
		if g.Host.Name != "" && g.Host.Name != name {
			host.SetAttr("hostname", g.Host.Name)
		}
		host.SetAttr("scanned", g.Time.Format(time.RFC3339))
		worst := topology.StateOK
		pre := name + "/"
		for _, c := range g.Components {
			cc := *c
			cc.ID = pre + c.ID
			cc.Parent = hid
			if c.Parent != "" && c.Parent != topology.HostID {
				cc.Parent = pre + c.Parent
			}
			f.Add(&cc)
			if c.Health.State.Severity() > worst.Severity() {
				worst = c.Health.State
			}
		}
		for _, l := range g.Links {
			ll := *l
			ll.ID, ll.From, ll.To = pre+l.ID, prefixed(pre, hid, l.From), prefixed(pre, hid, l.To)
			f.AddLink(&ll)
			if l.Health.State.Severity() > worst.Severity() {
				worst = l.Health.State
			}
		}
		for _, st := range g.Collectors {
			if !st.Success() {
				host.Health.Mark(topology.StateDegraded, fmt.Sprintf("collector %s: %s", st.Name, st.State))
			}
		}
		host.SetAttr("worst", string(worst))
		for _, e := range g.Events {
			e.Component, e.Link = prefixed(pre, hid, e.Component), prefixedLink(pre, e.Link)
			f.Events = append(f.Events, e)
		}
	}
	out := topology.Build(f)
	for _, r := range results {
		if r.Graph != nil && r.Graph.Time.After(out.Time) {
			out.Time = r.Graph.Time // the newest scan gathered
		}
	}
	out.Host.Name = "cluster"
	out.Host.SetAttr("hosts", len(results))
	sort.SliceStable(out.Events, func(i, j int) bool { return out.Events[i].Time.After(out.Events[j].Time) })
	return out
}

func prefixed(pre, hid, id string) string {
	switch id {
	case "":
		return ""
	case topology.HostID:
		return hid
	}
	return pre + id
}

func prefixedLink(pre, id string) string {
	if id == "" {
		return ""
	}
	return pre + id
}

// Summary counts hosts by their worst state and unreachable ones.
func Summary(g *topology.Graph) HostCounts {
	out := HostCounts{}
	for _, c := range g.Components {
		if c.Kind != KindHostNode || c.Parent != topology.HostID {
			continue
		}
		if r, _ := c.Attrs["reachable"].(bool); !r {
			out["unreachable"]++
			continue
		}
		w := topology.String(c.Attrs, "worst")
		if c.Health.State.Severity() > topology.State(w).Severity() {
			w = string(c.Health.State)
		}
		out[w]++
	}
	return out
}

// HostCounts counts the hosts of a cluster by their worst state, and
// those that did not answer as "unreachable".
type HostCounts map[string]int

// String renders the counts as "3 ok, 1 degraded, 1 unreachable".
func (m HostCounts) String() string {
	var parts []string
	for _, k := range []string{"ok", "unknown", "degraded", "missing", "failed", "unreachable"} {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
		}
	}
	return strings.Join(parts, ", ")
}
