package topology

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// stateMark is the glyph in front of every tree line.
var stateMark = map[State]string{
	StateOK:       "✓",
	StateUnknown:  "?",
	StateDegraded: "!",
	StateMissing:  "-",
	StateFailed:   "✗",
}

// maxTreeDepth bounds how deep the tree is drawn: no machine nests parts
// this deep, only a broken or hostile graph does.
const maxTreeDepth = 64

// WriteTree writes the containment tree, lstopo-style: NUMA nodes, their
// packages and PCI hierarchies, each PCI function with the training of the
// link above it, every line marked with its health. Links that are not tree
// edges follow: NUMA distances as a matrix, others one a line.
func WriteTree(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	kids := g.childIndex()
	edges := g.treeLinks()
	h := g.Host
	fmt.Fprintf(bw, "%s %s%s\n", stateMark[h.Health.State], hostTitle(h), details(h, nil))
	fmt.Fprintf(bw, "  health: %s\n", g.healthSummary())
	var walk func(id, prefix string, depth int)
	walk = func(id, prefix string, depth int) {
		children := kids[id]
		for i, c := range children {
			last := i == len(children)-1
			branch, next := "├─ ", "│  "
			if last {
				branch, next = "└─ ", "   "
			}
			st := c.Health.State
			l := edges[c.ID]
			if l != nil && l.Health.State.Severity() > st.Severity() {
				st = l.Health.State
			}
			fmt.Fprintf(bw, "%s %s%s%s %s%s\n", stateMark[st], prefix, branch, c.ID, c.Name, details(c, l))
			switch {
			case depth < maxTreeDepth:
				walk(c.ID, prefix+next, depth+1)
			case len(kids[c.ID]) > 0:
				fmt.Fprintf(bw, "  %s%s… %d more below, not drawn: deeper than %d levels (--format json has them)\n",
					prefix, next, len(kids[c.ID]), maxTreeDepth)
			}
		}
	}
	walk(HostID, "", 0)
	writeDistances(bw, g)
	writeOtherLinks(bw, g, edges)
	writeEvents(bw, g)
	writeCollectors(bw, g)
	return bw.Flush()
}

func hostTitle(h *Component) string {
	t := "host"
	if h.Name != "" {
		t += " " + h.Name
	}
	if h.Model != "" && h.Model != h.Name {
		t += " (" + strings.TrimSpace(h.Vendor+" "+h.Model) + ")"
	}
	return t
}

// details is the bracketed tail of a tree line: key attrs, the link above,
// non-zero counters and, when not ok, the health reasons.
func details(c *Component, l *Link) string {
	var parts []string
	if d := String(c.Attrs, "driver"); d != "" {
		parts = append(parts, "["+d+"]")
	}
	if m, ok := Number(c.Attrs, "memory_bytes"); ok {
		parts = append(parts, humanBytes(m))
	}
	if cpus := String(c.Attrs, "cpus"); cpus != "" {
		parts = append(parts, "cpus "+cpus)
	}
	if s := String(c.Attrs, "slot_label"); s != "" {
		parts = append(parts, "slot "+s)
	} else if s := String(c.Attrs, "slot"); s != "" && s != c.Name {
		parts = append(parts, "slot "+s)
	}
	if c.Kind == KindDIMM {
		parts = append(parts, dimmSummary(c)...)
	}
	if c.Firmware != "" && c.Kind != KindHost {
		parts = append(parts, "fw "+c.Firmware)
	}
	if l != nil {
		if s := linkSummary(l); s != "" {
			parts = append(parts, "link "+s)
		}
		if s := counterSummary(l.Counters); s != "" {
			parts = append(parts, s)
		}
	} else if s := counterSummary(c.Counters); s != "" {
		parts = append(parts, s)
	}
	var reasons []string
	reasons = append(reasons, c.Health.Reasons...)
	if l != nil {
		reasons = append(reasons, l.Health.Reasons...)
	}
	if len(reasons) > 0 {
		parts = append(parts, "("+strings.Join(reasons, "; ")+")")
	}
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, "  ")
}

// dimmSummary is what a technician pulling a DIMM checks: size, type and
// speed, part number.
func dimmSummary(c *Component) []string {
	var parts []string
	if sz, ok := Number(c.Attrs, "size_bytes"); ok {
		parts = append(parts, humanBytes(sz))
	}
	t := String(c.Attrs, "type")
	if sp, ok := Number(c.Attrs, "configured_speed_mts"); ok {
		t += " " + fmtNum(sp) + " MT/s"
	} else if sp, ok := Number(c.Attrs, "speed_mts"); ok {
		t += " " + fmtNum(sp) + " MT/s"
	}
	if t = strings.TrimSpace(t); t != "" {
		parts = append(parts, t)
	}
	if c.Model != "" {
		parts = append(parts, c.Model)
	}
	return parts
}

// writeEvents lists what this scan found changed or the kernel reported.
func writeEvents(w io.Writer, g *Graph) {
	if len(g.Events) == 0 {
		return
	}
	fmt.Fprintln(w, "\nEvents:")
	for _, e := range g.Events {
		fmt.Fprintf(w, "  %-8s %-16s %s  %s%s\n", e.Severity, e.Kind, e.Subject(), e.Message, e.FoldedSuffix())
	}
}

// writeDistances prints the NUMA distance matrix the way `numactl -H` does,
// from the row's node to the column's; a distance that differs from the
// reverse one (an asymmetric SLIT) is starred.
func writeDistances(w io.Writer, g *Graph) {
	dist := map[[2]string]string{}
	nodes := map[string]bool{}
	for _, l := range g.Links {
		if l.Kind != LinkNUMAInterconnect {
			continue
		}
		d, ok := Number(l.Attrs, AttrDistance)
		if !ok {
			continue
		}
		r := d
		if rv, ok := Number(l.Attrs, "distance_reverse"); ok {
			r = rv
		}
		dist[[2]string{l.From, l.To}] = fmtNum(d)
		dist[[2]string{l.To, l.From}] = fmtNum(r)
		nodes[l.From], nodes[l.To] = true, true
	}
	if len(nodes) == 0 {
		return
	}
	ids := make([]string, 0, len(nodes))
	for id := range nodes {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
	fmt.Fprintf(w, "\nNUMA distances:\n%8s", "")
	for _, id := range ids {
		fmt.Fprintf(w, " %5s", strings.TrimPrefix(id, "numa:"))
	}
	fmt.Fprintln(w)
	asymmetric := false
	for _, a := range ids {
		fmt.Fprintf(w, "%8s", strings.TrimPrefix(a, "numa:"))
		for _, b := range ids {
			v := dist[[2]string{a, b}]
			if a == b {
				v = "-"
			} else if r := dist[[2]string{b, a}]; v != "" && r != "" && r != v {
				v += "*"
				asymmetric = true
			}
			fmt.Fprintf(w, " %5s", v)
		}
		fmt.Fprintln(w)
	}
	if asymmetric {
		fmt.Fprintln(w, "  * not the same both ways: the row's node to the column's")
	}
}

func writeOtherLinks(w io.Writer, g *Graph, edges map[string]*Link) {
	header := false
	for _, l := range g.Links {
		if l.Kind == LinkNUMAInterconnect || edges[l.To] == l {
			continue
		}
		if !header {
			fmt.Fprintln(w, "\nLinks:")
			header = true
		}
		fmt.Fprintf(w, "%s %s %s", stateMark[l.Health.State], l.Kind, l.ID)
		if s := linkSummary(l); s != "" {
			fmt.Fprintf(w, "  %s", s)
		}
		if s := counterSummary(l.Counters); s != "" {
			fmt.Fprintf(w, "  %s", s)
		}
		if len(l.Health.Reasons) > 0 {
			fmt.Fprintf(w, "  (%s)", strings.Join(l.Health.Reasons, "; "))
		}
		fmt.Fprintln(w)
	}
}

func writeCollectors(w io.Writer, g *Graph) {
	if len(g.Collectors) == 0 {
		return
	}
	var parts []string
	for _, c := range g.Collectors {
		s := fmt.Sprintf("%s %s %.0fms", c.Name, c.State, c.DurationSeconds*1000)
		if c.Error != "" {
			s += " (" + c.Error + ")"
		}
		if n := len(c.Problems); n > 0 {
			s += fmt.Sprintf(" [%d problems]", n)
		}
		parts = append(parts, s)
	}
	fmt.Fprintf(w, "\nCollectors: %s\n", strings.Join(parts, ", "))
}
