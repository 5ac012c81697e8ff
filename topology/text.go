package topology

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteText writes one line per component and per link, tab-separated and
// stable, for grep and awk: kind of record, ID, kind, state, then key=value
// attributes sorted by key.
func WriteText(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	for _, c := range append([]*Component{g.Host}, g.Components...) {
		fields := []string{"component", c.ID, c.Kind, string(c.Health.State), "parent=" + c.Parent, "name=" + c.Name}
		fields = append(fields, kv(c.Attrs, c.Counters)...)
		fmt.Fprintln(bw, strings.Join(fields, "\t"))
	}
	for _, l := range g.Links {
		fields := []string{"link", l.ID, l.Kind, string(l.Health.State), "from=" + l.From, "to=" + l.To}
		fields = append(fields, kv(l.Attrs, l.Counters)...)
		fmt.Fprintln(bw, strings.Join(fields, "\t"))
	}
	return bw.Flush()
}

func kv(attrs map[string]any, counters map[string]uint64) []string {
	out := make([]string, 0, len(attrs)+len(counters))
	for k, v := range attrs {
		out = append(out, fmt.Sprintf("%s=%v", k, v))
	}
	for k, v := range counters {
		out = append(out, fmt.Sprintf("counter.%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}
