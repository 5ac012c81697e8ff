package topology

import (
	"strings"
	"time"
)

// SchemaVersion is the version of the JSON contract (see schema.json).
const SchemaVersion = 1

// CollectorStatus says how one collector fared in the scan that built a graph.
type CollectorStatus struct {
	Name            string   `json:"name"`
	State           string   `json:"state"` // ok, absent, error, timeout
	Error           string   `json:"error,omitempty"`
	Problems        []string `json:"problems,omitempty"`
	DurationSeconds float64  `json:"duration_seconds"`
}

// Success reports whether the collector produced what it was asked for;
// absent hardware is a success.
func (s CollectorStatus) Success() bool { return s.State == "ok" || s.State == "absent" }

// Graph is the whole machine: one host, its components and links.
type Graph struct {
	Schema     int               `json:"schema"`
	Time       time.Time         `json:"time"`
	Host       *Component        `json:"host"`
	Components []*Component      `json:"components"`
	Links      []*Link           `json:"links"`
	Events     []Event           `json:"events"`
	Collectors []CollectorStatus `json:"collectors,omitempty"`

	byID     map[string]*Component
	linkByID map[string]*Link
	// While Build runs: room for the parts it copies, one allocation
	// for all instead of one each.
	compRoom []Component
	linkRoom []Link
}

// Build merges fragments, in the order given, into one graph. Components and
// links with the same ID become one; the host component always exists.
// Components whose parent is not in the graph are re-parented to the host,
// with the dangling parent kept in attrs, so every component is reachable.
func Build(frags ...*Fragment) *Graph {
	nc, nl := 0, 0
	for _, f := range frags {
		if f != nil {
			nc, nl = nc+len(f.Components), nl+len(f.Links)
		}
	}
	g := &Graph{Schema: SchemaVersion, byID: make(map[string]*Component, nc+1), linkByID: make(map[string]*Link, nl),
		Components: make([]*Component, 0, nc), Links: make([]*Link, 0, nl),
		compRoom: make([]Component, 0, nc), linkRoom: make([]Link, 0, nl)}
	g.Host = &Component{ID: HostID, Kind: KindHost, Health: Health{State: StateOK}}
	g.byID[HostID] = g.Host
	var joins []Join
	for _, f := range frags {
		if f == nil {
			continue
		}
		for _, c := range f.Components {
			g.addComponent(c)
		}
		for _, l := range f.Links {
			g.addLink(l)
		}
		g.Events = append(g.Events, f.Events...)
		joins = append(joins, f.Joins...)
	}
	g.resolveJoins(joins)
	g.dropAnnotations()
	g.index()
	alias := g.aliases()
	for _, c := range g.Components {
		if c.Parent == "" || c.Parent == c.ID {
			c.Parent = HostID
			continue
		}
		if _, ok := g.byID[c.Parent]; !ok && alias[c.Parent] != "" && alias[c.Parent] != c.ID {
			c.Parent = alias[c.Parent] // a part below one that was joined to its own component
		}
		if _, ok := g.byID[c.Parent]; !ok {
			c.SetAttr("unresolved_parent", c.Parent)
			c.Parent = HostID
		}
	}
	g.breakCycles()
	g.resolveEvents(alias)
	g.compRoom, g.linkRoom = nil, nil
	return g
}

// AttrAliases lists, comma-separated, other IDs a component is known by in
// sources that cannot know its real ID: "nvme:nvme0" for the PCI function
// a kernel log line calls nvme0, "dimm:CPU-SRCID-0-HA-0-CHAN-1-DIMM-0" for
// the slot an EDAC label names.
const AttrAliases = "aliases"

// aliases maps every alias (AttrAliases) to the component that has it.
func (g *Graph) aliases() map[string]string {
	alias := map[string]string{}
	for _, c := range g.Components {
		for a := range strings.SplitSeq(String(c.Attrs, AttrAliases), ",") {
			if a = strings.TrimSpace(a); a != "" {
				alias[a] = c.ID
			}
		}
	}
	return alias
}

// resolveEvents points events that name a component by an alias at the
// component itself.
func (g *Graph) resolveEvents(alias map[string]string) {
	for i, e := range g.Events {
		if _, ok := g.byID[e.Component]; !ok && alias[e.Component] != "" {
			g.Events[i].Component = alias[e.Component]
		}
	}
}

func (g *Graph) addComponent(c *Component) {
	if c == nil || c.ID == "" {
		return
	}
	if have, ok := g.byID[c.ID]; ok {
		have.merge(c)
		return
	}
	cp := place(&g.compRoom, c)
	// Borrowed until the graph changes one (SetAttr copies it then): the
	// fragment's components are not changed after Build.
	cp.sharedAttrs = c.Attrs != nil
	cp.Counters = cloneCounters(c.Counters)
	cp.Health.Reasons = append([]string(nil), c.Health.Reasons...)
	if cp.Health.State == "" {
		cp.Health.State = StateOK
	}
	g.byID[c.ID] = cp
	if c.ID != HostID {
		g.Components = append(g.Components, cp)
	}
}

// place copies *v into room while it has space (never growing it, which
// would move what was placed), else into a new allocation.
func place[T any](room *[]T, v *T) *T {
	if len(*room) < cap(*room) {
		*room = append(*room, *v)
		return &(*room)[len(*room)-1]
	}
	cp := *v
	return &cp
}

func (g *Graph) addLink(l *Link) {
	if l == nil || l.ID == "" {
		return
	}
	if have, ok := g.linkByID[l.ID]; ok {
		have.merge(l)
		return
	}
	cp := place(&g.linkRoom, l)
	cp.sharedAttrs = l.Attrs != nil
	cp.Counters = cloneCounters(l.Counters)
	cp.Health.Reasons = append([]string(nil), l.Health.Reasons...)
	if cp.Health.State == "" {
		cp.Health.State = StateOK
	}
	g.linkByID[l.ID] = cp
	g.Links = append(g.Links, cp)
}

// dropAnnotations removes components no fragment gave a kind: annotations
// (Fragment.Annotate) of hardware that is not there.
func (g *Graph) dropAnnotations() {
	kept := g.Components[:0]
	for _, c := range g.Components {
		if c.Kind == "" {
			delete(g.byID, c.ID)
			continue
		}
		kept = append(kept, c)
	}
	g.Components = kept
}

// index sorts components and links by ID so output is stable from scan to
// scan, whatever order the collectors finished in.
func (g *Graph) index() {
	sortByID(g.Components, func(c *Component) string { return c.ID })
	sortByID(g.Links, func(l *Link) string { return l.ID })
}

// breakCycles re-parents to the host any component whose parent chain loops
// (a corrupt capture can claim a bridge is below its own child).
func (g *Graph) breakCycles() {
	for _, c := range g.Components {
		seen := map[string]bool{c.ID: true}
		for p := c.Parent; p != HostID && p != ""; {
			if seen[p] {
				c.Health.Mark(StateUnknown, "parent chain loops through "+p)
				c.SetAttr("unresolved_parent", c.Parent)
				c.Parent = HostID
				break
			}
			seen[p] = true
			p = g.byID[p].Parent
		}
	}
}

// Component returns the component with the given ID, the host included.
func (g *Graph) Component(id string) (*Component, bool) {
	if g.byID == nil {
		g.reindex()
	}
	c, ok := g.byID[id]
	return c, ok
}

// Link returns the link with the given ID.
func (g *Graph) Link(id string) (*Link, bool) {
	if g.linkByID == nil {
		g.reindex()
	}
	l, ok := g.linkByID[id]
	return l, ok
}

// Children returns the components whose parent is id, in ID order.
func (g *Graph) Children(id string) []*Component {
	var out []*Component
	for _, c := range g.Components {
		if c.Parent == id {
			out = append(out, c)
		}
	}
	return out
}

// reindex rebuilds the lookup maps of a graph decoded from JSON.
func (g *Graph) reindex() {
	g.byID = map[string]*Component{}
	g.linkByID = map[string]*Link{}
	if g.Host != nil {
		g.byID[g.Host.ID] = g.Host
	}
	for _, c := range g.Components {
		g.byID[c.ID] = c
	}
	for _, l := range g.Links {
		g.linkByID[l.ID] = l
	}
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneCounters(m map[string]uint64) map[string]uint64 {
	if m == nil {
		return nil
	}
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
