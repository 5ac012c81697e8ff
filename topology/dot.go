package topology

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// stateColor colours nodes and edges by health.
var stateColor = map[State]string{
	StateOK:       "#2e7d32",
	StateUnknown:  "#757575",
	StateDegraded: "#ef6c00",
	StateMissing:  "#9e9e9e",
	StateFailed:   "#c62828",
}

// WriteDOT writes g for Graphviz: one node per component, containment as
// thin grey edges, links as edges coloured by health and labelled with
// their training or distance.
func WriteDOT(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph hwgraph {")
	fmt.Fprintln(bw, `  rankdir=LR; node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica", fontsize=10]; edge [fontname="Helvetica", fontsize=9];`)
	all := append([]*Component{g.Host}, g.Components...)
	for _, c := range all {
		label := c.ID
		if c.Name != "" {
			label += "\n" + c.Name
		}
		fmt.Fprintf(bw, "  %s [label=%s, color=%q, penwidth=%s];\n",
			dotQuote(c.ID), dotQuote(label), stateColor[c.Health.State], penwidth(c.Health.State))
	}
	edges := g.treeLinks()
	for _, c := range g.Components {
		if _, isLink := edges[c.ID]; isLink {
			continue
		}
		fmt.Fprintf(bw, "  %s -> %s [color=\"#bdbdbd\", arrowhead=none];\n", dotQuote(c.Parent), dotQuote(c.ID))
	}
	for _, l := range g.Links {
		attrs := []string{fmt.Sprintf("color=%q", stateColor[l.Health.State]), "penwidth=" + penwidth(l.Health.State)}
		if s := linkSummary(l); s != "" {
			attrs = append(attrs, "label="+dotQuote(s))
		}
		if l.Kind == LinkNUMAInterconnect {
			attrs = append(attrs, "dir=none", "constraint=false", "style=dashed")
		}
		if l.Health.State == StateMissing {
			attrs = append(attrs, "style=dotted")
		}
		fmt.Fprintf(bw, "  %s -> %s [%s];\n", dotQuote(l.From), dotQuote(l.To), strings.Join(attrs, ", "))
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

func penwidth(s State) string {
	if s == StateOK {
		return "1"
	}
	return "2.5"
}

// dotQuote quotes s as a DOT string; \n stays a Graphviz line break.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}
