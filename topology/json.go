package topology

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
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

// ReadJSON decodes a graph written by WriteJSON.
func ReadJSON(r io.Reader) (*Graph, error) {
	var g Graph
	if err := json.NewDecoder(r).Decode(&g); err != nil {
		return nil, fmt.Errorf("decode graph: %w", err)
	}
	if g.Schema != SchemaVersion {
		return nil, fmt.Errorf("decode graph: schema %d, want %d", g.Schema, SchemaVersion)
	}
	if g.Host == nil {
		return nil, fmt.Errorf("decode graph: no host")
	}
	g.reindex()
	return &g, nil
}
