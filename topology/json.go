package topology

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// WriteJSON writes g as the versioned JSON document of DESIGN.md
// ({"schema": 1, "host", "components", "links", "events", …}); schema.json
// describes it. Empty lists are written as [] so consumers need no null
// checks.
//
// Each component, link, event and collector is one compact line: grep and
// diff work on it line by line, jq pretty-prints it, and it is half the
// size and work of an indented encoding.
func WriteJSON(w io.Writer, g *Graph) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	jw := jsonWriter{w: bw}
	bw.WriteString("{\n")
	jw.field("schema", g.Schema, true)
	jw.field("time", g.Time, true)
	jw.field("host", g.Host, true)
	writeList(&jw, "components", g.Components, true)
	writeList(&jw, "links", g.Links, true)
	writeList(&jw, "events", g.Events, len(g.Collectors) > 0)
	if len(g.Collectors) > 0 {
		writeList(&jw, "collectors", g.Collectors, false)
	}
	bw.WriteString("}\n")
	if jw.err == nil {
		jw.err = bw.Flush()
	}
	if jw.err != nil {
		return fmt.Errorf("encode graph: %w", jw.err)
	}
	return nil
}

// jsonWriter writes members of one object, keeping the first error.
type jsonWriter struct {
	w   *bufio.Writer
	buf []byte // reused by appendLink
	err error
}

// value writes v compactly.
func (j *jsonWriter) value(v any) {
	if j.err != nil {
		return
	}
	var b []byte
	var err error
	if l, ok := v.(*Link); ok {
		j.buf, err = appendLink(j.buf[:0], l)
		b = j.buf
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		j.err = err
		return
	}
	j.w.Write(b)
}

// field writes "name": v on its own line.
func (j *jsonWriter) field(name string, v any, more bool) {
	fmt.Fprintf(j.w, "  %q: ", name)
	j.value(v)
	j.end(more)
}

func (j *jsonWriter) end(more bool) {
	if more {
		j.w.WriteByte(',')
	}
	j.w.WriteByte('\n')
}

// writeList writes "name": [ with one element per line ].
func writeList[T any](j *jsonWriter, name string, list []T, more bool) {
	if len(list) == 0 {
		fmt.Fprintf(j.w, "  %q: []", name)
		j.end(more)
		return
	}
	fmt.Fprintf(j.w, "  %q: [\n", name)
	for i, v := range list {
		j.w.WriteString("    ")
		j.value(v)
		j.end(i < len(list)-1)
	}
	j.w.WriteString("  ]")
	j.end(more)
}

// Limits bound what ReadJSONLimited accepts: graphs from other machines
// (an agent's answer, a saved file) are read by the fleet view and by
// diff, and one broken or hostile agent must not take them down.
type Limits struct {
	// MaxBytes bounds the document.
	MaxBytes int64
	// MaxComponents, MaxLinks and MaxEvents bound its lists.
	MaxComponents, MaxLinks, MaxEvents int
}

// DefaultLimits hold a graph far larger than any machine's: the largest
// synthetic host of the benchmarks (4,110 PCI functions, 64 NUMA nodes)
// is under 5 MB and 10,000 components.
var DefaultLimits = Limits{MaxBytes: 64 << 20, MaxComponents: 200_000, MaxLinks: 1_000_000, MaxEvents: 100_000}

// maxIDLen bounds an ID: the longest real ones are a cluster's
// INSTANCE/pci:DDDDDDDD:BB:DD.F.
const maxIDLen = 512

// ReadJSON decodes a graph written by WriteJSON, within DefaultLimits.
func ReadJSON(r io.Reader) (*Graph, error) { return ReadJSONLimited(r, DefaultLimits) }

// ReadJSONLimited decodes a graph written by WriteJSON and checks it:
// the schema version, no null where a component, link, event or the host
// belongs, IDs present and bounded, attributes that are plain values,
// health states the model knows, lists within the limits. The error
// names what is wrong, and where.
func ReadJSONLimited(r io.Reader, lim Limits) (*Graph, error) {
	lr := &io.LimitedReader{R: r, N: lim.MaxBytes + 1}
	var g Graph
	err := json.NewDecoder(lr).Decode(&g)
	if lr.N <= 0 {
		return nil, fmt.Errorf("decode graph: larger than %d bytes", lim.MaxBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("decode graph: %w", err)
	}
	if err := g.check(lim); err != nil {
		return nil, fmt.Errorf("decode graph: %w", err)
	}
	g.reindex()
	return &g, nil
}

func (g *Graph) check(lim Limits) error {
	if g.Schema != SchemaVersion {
		return fmt.Errorf("schema %d, want %d", g.Schema, SchemaVersion)
	}
	if g.Host == nil {
		return errors.New("no host")
	}
	if err := checkComponent(g.Host); err != nil {
		return fmt.Errorf("host: %w", err)
	}
	switch {
	case len(g.Components) > lim.MaxComponents:
		return fmt.Errorf("%d components, more than %d", len(g.Components), lim.MaxComponents)
	case len(g.Links) > lim.MaxLinks:
		return fmt.Errorf("%d links, more than %d", len(g.Links), lim.MaxLinks)
	case len(g.Events) > lim.MaxEvents:
		return fmt.Errorf("%d events, more than %d", len(g.Events), lim.MaxEvents)
	}
	for i, c := range g.Components {
		if c == nil {
			return fmt.Errorf("components[%d]: null", i)
		}
		if err := checkComponent(c); err != nil {
			return fmt.Errorf("components[%d]: %w", i, err)
		}
	}
	for i, l := range g.Links {
		if l == nil {
			return fmt.Errorf("links[%d]: null", i)
		}
		for what, id := range map[string]string{"id": l.ID, "from": l.From, "to": l.To} {
			if err := checkID(id); err != nil {
				return fmt.Errorf("links[%d] %s: %w", i, what, err)
			}
		}
		if err := checkAttrs(l.Attrs); err != nil {
			return fmt.Errorf("links[%d] %s: %w", i, l.ID, err)
		}
		if err := checkHealth(l.Health); err != nil {
			return fmt.Errorf("links[%d] %s: %w", i, l.ID, err)
		}
	}
	for i, e := range g.Events {
		if len(e.Component) > maxIDLen || len(e.Link) > maxIDLen {
			return fmt.Errorf("events[%d]: an ID longer than %d bytes", i, maxIDLen)
		}
	}
	return nil
}

func checkComponent(c *Component) error {
	if err := checkID(c.ID); err != nil {
		return err
	}
	if c.Kind == "" {
		return fmt.Errorf("%s: no kind", c.ID)
	}
	if len(c.Parent) > maxIDLen {
		return fmt.Errorf("%s: parent longer than %d bytes", c.ID, maxIDLen)
	}
	if err := checkAttrs(c.Attrs); err != nil {
		return fmt.Errorf("%s: %w", c.ID, err)
	}
	if err := checkHealth(c.Health); err != nil {
		return fmt.Errorf("%s: %w", c.ID, err)
	}
	return nil
}

func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("empty ID")
	case len(id) > maxIDLen:
		return fmt.Errorf("ID longer than %d bytes", maxIDLen)
	}
	return nil
}

// checkAttrs accepts what collectors write: strings, numbers, booleans
// (and null, which renders as nothing).
func checkAttrs(attrs map[string]any) error {
	for k, v := range attrs {
		switch v.(type) {
		case string, float64, bool, nil:
		default:
			return fmt.Errorf("attribute %q: %T, not a string, number or boolean", k, v)
		}
	}
	return nil
}

func checkHealth(h Health) error {
	if h.State != "" && !slices.Contains(States, h.State) {
		return fmt.Errorf("health state %q", h.State)
	}
	return nil
}
