package topology

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable escapes what a terminal would act on instead of showing: C0
// and C1 control characters (ESC starts a terminal command, a newline
// forges a line, a tab a field of --format text), DEL, the bidirectional
// overrides that reorder what is read, and bytes that are not UTF-8 — as
// Go escapes them: "\x1b", "\n", "\u202e". Every string in a graph came from a
// machine or an agent, not from hwgraph; the JSON output keeps them
// exact, the formats for people and line tools show them escaped.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true // a byte that is not UTF-8 (or U+FFFD itself, harmless to escape)
	case unicode.IsControl(r):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional overrides, isolates and marks
	}
	return false
}

// printable returns a copy of g with every string that came from a
// machine escaped by Printable, for the renderers meant for people and
// line tools. IDs are escaped alike wherever they appear, so parents and
// links still join.
func (g *Graph) printable() *Graph {
	out := *g
	comp := func(c *Component) *Component {
		cp := *c
		for _, p := range []*string{&cp.ID, &cp.Kind, &cp.Name, &cp.Parent, &cp.Vendor, &cp.Model, &cp.Serial, &cp.Firmware} {
			*p = Printable(*p)
		}
		cp.Attrs = printableAttrs(c.Attrs)
		cp.Counters = printableCounters(c.Counters)
		cp.Health = printableHealth(c.Health)
		return &cp
	}
	if g.Host != nil {
		out.Host = comp(g.Host)
	}
	out.Components = make([]*Component, len(g.Components))
	for i, c := range g.Components {
		out.Components[i] = comp(c)
	}
	out.Links = make([]*Link, len(g.Links))
	for i, l := range g.Links {
		cp := *l
		for _, p := range []*string{&cp.ID, &cp.Kind, &cp.From, &cp.To} {
			*p = Printable(*p)
		}
		cp.Attrs = printableAttrs(l.Attrs)
		cp.Counters = printableCounters(l.Counters)
		cp.Health = printableHealth(l.Health)
		out.Links[i] = &cp
	}
	out.Events = make([]Event, len(g.Events))
	for i, e := range g.Events {
		out.Events[i] = e.Printable()
	}
	out.Collectors = make([]CollectorStatus, len(g.Collectors))
	for i, c := range g.Collectors {
		c.Name, c.State, c.Error = Printable(c.Name), Printable(c.State), Printable(c.Error)
		c.Problems = printableList(c.Problems)
		out.Collectors[i] = c
	}
	out.byID, out.linkByID = nil, nil
	out.reindex()
	return &out
}

// Printable returns the event with its strings escaped by Printable.
func (e Event) Printable() Event {
	for _, p := range []*string{&e.Kind, &e.Component, &e.Link, &e.Severity, &e.Message, &e.Source} {
		*p = Printable(*p)
	}
	return e
}

func printableAttrs(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			v = Printable(s)
		}
		out[Printable(k)] = v
	}
	return out
}

func printableCounters(m map[string]uint64) map[string]uint64 {
	if m == nil {
		return nil
	}
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[Printable(k)] = v
	}
	return out
}

func printableHealth(h Health) Health {
	h.State = State(Printable(string(h.State)))
	h.Reasons = printableList(h.Reasons)
	return h
}

func printableList(l []string) []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = Printable(s)
	}
	return out
}
