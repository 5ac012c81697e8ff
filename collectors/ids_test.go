package collectors

import (
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// checkIDs fails the test for a component ID, or link end, that is of no
// form of the design's ID table.
func checkIDs(t *testing.T, g *topology.Graph) {
	t.Helper()
	for _, c := range g.Components {
		if _, err := topology.ParseID(c.ID); err != nil {
			t.Error(err)
		}
	}
	for _, l := range g.Links {
		for _, end := range []string{l.From, l.To} {
			if _, err := topology.ParseID(end); err != nil {
				t.Errorf("link %s: %v", l.ID, err)
			}
		}
	}
}

// TestIDsOfEveryCapture: every ID in the graph of every real capture
// parses back with its form.
func TestIDsOfEveryCapture(t *testing.T) {
	for _, c := range fixture.Captures(t) {
		t.Run(c, func(t *testing.T) {
			g := New(Options{}).Scan(t.Context(), Env{Root: fixture.Root(t, c)}, nil)
			if len(g.Components) == 0 {
				t.Fatal("no components")
			}
			checkIDs(t, g)
		})
	}
}
