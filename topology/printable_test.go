package topology

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"PowerEdge R910":            "PowerEdge R910",
		"Dell\x1b]0;pwn\x07\x1b[2J": `Dell\x1b]0;pwn\x07\x1b[2J`,
		"two\nlines":                `two\nlines`,
		"a\tfield":                  `a\tfield`,
		"bad \xff byte":             `bad \xff byte`,
		"C1 \u009b CSI":             `C1 \x9b CSI`,
		"txt\u202egnp.exe":          `txt\u202egnp.exe`,
		"µs, ✓, 日本":                 "µs, ✓, 日本",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRenderEscapes: what a machine wrote reaches no terminal raw: the
// tree, text, DOT and matrix formats escape it, --format text keeps one
// record a line, JSON keeps it exact.
func TestRenderEscapes(t *testing.T) {
	evil := "Dell\x1b]0;pwn\x07\x1b[2J\nforged line\tfield"
	g := Build(&Fragment{
		Components: []*Component{
			{ID: HostID, Kind: KindHost, Name: evil, Vendor: evil, Attrs: map[string]any{"bios_version": evil}},
			{ID: "pci:0000:01:00.0", Kind: KindNIC, Name: evil, Health: Health{State: StateDegraded, Reasons: []string{evil}}},
			{ID: "evil\x1b[31m:1", Kind: KindNIC, Name: "agent's own ID"},
		},
		Events: []Event{{Kind: "errors", Component: "pci:0000:01:00.0", Message: evil}},
	})
	for _, f := range []string{"tree", "text", "dot", "matrix"} {
		var b bytes.Buffer
		if err := Render(&b, g, f); err != nil {
			t.Fatal(err)
		}
		if out := b.String(); strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "\nforged line") {
			t.Errorf("%s output holds control characters:\n%q", f, out)
		}
		if f == "text" {
			if lines := strings.Count(b.String(), "\n"); lines != 1+len(g.Components)+len(g.Links) {
				t.Errorf("text: %d lines for %d records", lines, 1+len(g.Components)+len(g.Links))
			}
		}
	}
	var j bytes.Buffer
	WriteJSON(&j, g)
	back, err := ReadJSON(&j)
	if err != nil || back.Host.Name != evil {
		t.Errorf("JSON does not keep the name exact: %q, %v", back.Host.Name, err)
	}
}
