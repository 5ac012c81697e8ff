package topology

// Subgraph is the part of g under the component root: root as the host,
// its descendants with their links and events. A fleet's page draws one
// machine of a cluster graph with it (root host:NAME). Nil when g has no
// such component.
func (g *Graph) Subgraph(root string) *Graph {
	if root == "" || root == HostID {
		return g
	}
	r, ok := g.Component(root)
	if !ok {
		return nil
	}
	kids := g.childIndex()
	in := map[string]bool{root: true}
	out := &Graph{Schema: g.Schema, Time: g.Time, Collectors: g.Collectors}
	h := *r
	h.ID, h.Parent = HostID, ""
	out.Host = &h
	var walk func(id string, depth int)
	walk = func(id string, depth int) {
		if depth > svgMaxDraw {
			return
		}
		for _, c := range kids[id] {
			in[c.ID] = true
			cc := *c
			if cc.Parent == root {
				cc.Parent = HostID
			}
			out.Components = append(out.Components, &cc)
			walk(c.ID, depth+1)
		}
	}
	walk(root, 0)
	rename := func(id string) string {
		if id == root {
			return HostID
		}
		return id
	}
	for _, l := range g.Links {
		if in[l.From] && in[l.To] {
			ll := *l
			ll.From, ll.To = rename(l.From), rename(l.To)
			out.Links = append(out.Links, &ll)
		}
	}
	for _, e := range g.Events {
		if in[e.Component] {
			out.Events = append(out.Events, e)
		}
	}
	out.reindex()
	return out
}
