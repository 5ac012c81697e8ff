package capture_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/capture/archive"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// scanTree reads the tree at root with every collector.
func scanTree(t *testing.T, root string, opts collectors.Options) *topology.Graph {
	t.Helper()
	return collectors.New(opts).Scan(t.Context(), collectors.Env{Root: root}, nil)
}

// graphJSON is g as --format json prints it, without what differs
// between two reads of one machine: the time, the durations, and the
// root's own path in problems.
func graphJSON(t *testing.T, g *topology.Graph, root string) string {
	t.Helper()
	for i := range g.Collectors {
		g.Collectors[i].DurationSeconds = 0
	}
	b, err := json.MarshalIndent(g, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), root, "ROOT")
	// The time line is the only one that differs from read to read.
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, ` "time":`) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// captureTree captures root with every collector's reads, with the
// manifest m (a new one when nil), and returns the archive.
func captureTree(t *testing.T, root string, red *capture.Redactor, m *capture.Manifest) []byte {
	t.Helper()
	stage := t.TempDir()
	reg := collectors.New(collectors.Options{})
	rep, err := capture.Copy(t.Context(), root, stage, reg.Reads(), red, capture.DefaultLimits)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	if len(rep.Unreadable) > 0 {
		t.Errorf("unreadable in a capture: %v", rep.Unreadable)
	}
	if m == nil {
		m = &capture.Manifest{}
	}
	m.Format, m.Copied, m.Collectors = capture.Format, rep, reg.Names()
	if red != nil {
		m.Redact(red)
	}
	if err := m.Write(stage); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := archive.Pack(t.Context(), &buf, stage); err != nil {
		t.Fatalf("pack: %v", err)
	}
	return buf.Bytes()
}

// openArchive opens an archive as --root does and returns its root.
func openArchive(t *testing.T, tarball []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "capture.tar.gz")
	if err := os.WriteFile(p, tarball, 0o644); err != nil {
		t.Fatal(err)
	}
	root, done, err := archive.Open(p)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(done)
	return root
}

// firstDiff describes where two texts part.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			lo := max(0, i-3)
			return "line " + itoa(i+1) + ":\n original: " + strings.Join(al[lo:min(len(al), i+3)], "\n           ") +
				"\n replayed: " + strings.Join(bl[lo:min(len(bl), i+3)], "\n           ")
		}
	}
	return ""
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestReplayEqualsOriginal: every real machine in testdata, captured
// into an archive and read back through --root's path, gives the graph
// its original tree gives: components, links, attributes, health and
// problems. So does a capture of the capture.
func TestReplayEqualsOriginal(t *testing.T) {
	for _, c := range fixture.Captures(t) {
		t.Run(c, func(t *testing.T) {
			root := fixture.Root(t, c)
			want := graphJSON(t, scanTree(t, root, collectors.Options{}), root)
			tarball := captureTree(t, root, nil, nil)
			again := openArchive(t, tarball)
			if got := graphJSON(t, scanTree(t, again, collectors.Options{}), again); got != want {
				t.Fatalf("replayed graph differs from the original's, %s", firstDiff(want, got))
			}
			t.Logf("archive: %d bytes", len(tarball))
			third := openArchive(t, captureTree(t, again, nil, nil))
			if got := graphJSON(t, scanTree(t, third, collectors.Options{}), third); got != want {
				t.Fatalf("capture of the capture differs from the original's, %s", firstDiff(want, got))
			}
		})
	}
}
