package topology

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Formats lists the output formats Render knows.
var Formats = []string{"tree", "json", "dot", "text", "matrix", "svg"}

// Render writes g in the named format. JSON keeps every string exact;
// the formats for people and line tools show control characters and the
// like escaped (Printable): a name from a machine or an agent must not
// command the terminal or forge a line.
func Render(w io.Writer, g *Graph, format string) error {
	switch format {
	case "json":
		return WriteJSON(w, g)
	case "tree", "":
		return WriteTree(w, g.printable())
	case "dot":
		return WriteDOT(w, g.printable())
	case "text":
		return WriteText(w, g.printable())
	case "matrix":
		return WriteMatrix(w, g.printable())
	case "svg":
		return WriteSVG(w, g, SVGOptions{})
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// treeLinks returns, for each component, the link from its parent to it.
func (g *Graph) treeLinks() map[string]*Link {
	out := map[string]*Link{}
	for _, l := range g.Links {
		if c, ok := g.Component(l.To); ok && c.Parent == l.From {
			out[c.ID] = l
		}
	}
	return out
}

// childIndex maps each component ID to its children, in ID order.
func (g *Graph) childIndex() map[string][]*Component {
	out := map[string][]*Component{}
	for _, c := range g.Components {
		out[c.Parent] = append(out[c.Parent], c)
	}
	return out
}

// linkSummary is the short, human form of a link's training or distance:
// "x4 8 GT/s", "x8 8 GT/s of x16 16 GT/s", "x16 2.5 GT/s of x16 16 GT/s
// (power-managed)", "distance 21".
func linkSummary(l *Link) string {
	var parts []string
	w, okw := Number(l.Attrs, AttrWidth)
	s, oks := Number(l.Attrs, AttrSpeedGTs)
	mw, okmw := Number(l.Attrs, AttrMaxWidth)
	ms, okms := Number(l.Attrs, AttrMaxSpeedGTs)
	cur := ""
	if okw {
		cur = "x" + fmtNum(w)
	}
	if oks {
		cur = strings.TrimSpace(cur + " " + fmtNum(s) + " GT/s")
	}
	if cur != "" {
		parts = append(parts, cur)
	}
	if (okmw && okw && mw != w) || (okms && oks && ms != s) {
		max := ""
		if okmw {
			max = "x" + fmtNum(mw)
		}
		if okms {
			max = strings.TrimSpace(max + " " + fmtNum(ms) + " GT/s")
		}
		parts = append(parts, "of "+max)
	}
	if managed, _ := l.Attrs[AttrPowerManaged].(bool); managed {
		parts = append(parts, "(power-managed)")
	}
	if d, ok := Number(l.Attrs, AttrDistance); ok {
		parts = append(parts, "distance "+fmtNum(d))
	}
	return strings.Join(parts, " ")
}

// counterSummary lists non-zero counters, sorted: "aer_correctable=3".
func counterSummary(m map[string]uint64) string {
	var parts []string
	for k, v := range m {
		if v > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// healthSummary counts components and links by state: "137 ok, 1 degraded".
func (g *Graph) healthSummary() string {
	counts := map[State]int{}
	for _, c := range g.Components {
		counts[c.Health.State]++
	}
	for _, l := range g.Links {
		counts[l.Health.State]++
	}
	var parts []string
	for _, s := range States {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	return strings.Join(parts, ", ")
}

// humanBytes prints a size in binary units.
func humanBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}
