package topology

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes g as the versioned JSON document of DESIGN.md
// ({"schema": 1, "host", "components", "links", "events", …}); schema.json
// describes it. Empty lists are written as [] so consumers need no null
// checks.
func WriteJSON(w io.Writer, g *Graph) error {
	out := *g
	if out.Components == nil {
		out.Components = []*Component{}
	}
	if out.Links == nil {
		out.Links = []*Link{}
	}
	if out.Events == nil {
		out.Events = []Event{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("encode graph: %w", err)
	}
	return nil
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
