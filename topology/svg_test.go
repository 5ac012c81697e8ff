package topology_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

func scanCapture(tb testing.TB, capture string) *topology.Graph {
	tb.Helper()
	return collectors.New(collectors.Options{}).Scan(context.Background(), collectors.Env{Root: fixture.Root(tb, capture)}, nil)
}

func svg(tb testing.TB, g *topology.Graph, opt topology.SVGOptions) string {
	tb.Helper()
	var b bytes.Buffer
	if err := topology.WriteSVG(&b, g, opt); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// drawn are the data-id attributes of an SVG's parts and links, read as
// XML (so the drawing is well-formed).
func drawn(tb testing.TB, s string) (parts, links map[string]string) {
	tb.Helper()
	parts, links = map[string]string{}, map[string]string{}
	dec := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return parts, links
		}
		if err != nil {
			tb.Fatalf("not XML: %v", err)
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "g" {
			var id, class, state string
			for _, a := range e.Attr {
				switch a.Name.Local {
				case "data-id":
					id = a.Value
				case "class":
					class = a.Value
				case "data-state":
					state = a.Value
				}
			}
			if class == "part" {
				parts[id] = state
			} else {
				links[id] = state
			}
		}
	}
}

// TestSVGDrawsEveryComponent: on every capture, the drawing is XML, holds
// every component once with its health, and is the same bytes twice.
func TestSVGDrawsEveryComponent(t *testing.T) {
	for _, c := range fixture.Captures(t) {
		g := scanCapture(t, c)
		s := svg(t, g, topology.SVGOptions{})
		if again := svg(t, g, topology.SVGOptions{}); again != s {
			t.Errorf("%s: two drawings of one graph differ", c)
		}
		parts, _ := drawn(t, s)
		for _, comp := range append([]*topology.Component{g.Host}, g.Components...) {
			if st, ok := parts[topology.Printable(comp.ID)]; !ok {
				t.Errorf("%s: %s is not drawn", c, comp.ID)
			} else if st == "" {
				t.Errorf("%s: %s has no state", c, comp.ID)
			}
		}
	}
}

// TestSVGOptions: --no-io keeps CPUs and memory; --only-unhealthy keeps
// procfs' degraded NVMe subsystem (a dead path) and the host, and no
// healthy leaf.
func TestSVGOptions(t *testing.T) {
	g := scanCapture(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	parts, _ := drawn(t, svg(t, g, topology.SVGOptions{NoIO: true}))
	for id := range parts {
		if strings.HasPrefix(id, "pci") || strings.HasPrefix(id, "disk:") {
			t.Errorf("--no-io draws %s", id)
		}
	}
	for _, id := range []string{"host", "numa:0", "numa:1", "package:0", "package:1", "dimm:DIMM-A1"} {
		if _, ok := parts[id]; !ok {
			t.Errorf("--no-io lacks %s", id)
		}
	}
	g = scanCapture(t, "procfs/fixtures.tar.gz")
	parts, _ = drawn(t, svg(t, g, topology.SVGOptions{OnlyUnhealthy: true}))
	if parts["nvme-subsys:nvme-subsys0"] != "degraded" || parts["host"] == "" {
		t.Errorf("--only-unhealthy: %v", parts)
	}
	for id, st := range parts {
		if c, ok := g.Component(id); ok && st == "ok" && !slices.ContainsFunc(g.Components, func(k *topology.Component) bool { return k.Parent == c.ID }) {
			t.Errorf("--only-unhealthy draws the healthy leaf %s", id)
		}
	}
}

// TestFaultSVGDegradedLink: a PCIe link trained down (fault injected into
// a real capture's graph) colours its device's box and prints the
// training in the link's colour.
func TestFaultSVGDegradedLink(t *testing.T) {
	g := scanCapture(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	var l *topology.Link
	for _, x := range g.Links {
		if x.To == "pci:0000:82:00.0" {
			l = x
		}
	}
	if l == nil {
		t.Fatal("no link to the ConnectX-3")
	}
	l.Attrs = map[string]any{topology.AttrWidth: 4, topology.AttrMaxWidth: 8, topology.AttrSpeedGTs: 8, topology.AttrMaxSpeedGTs: 8}
	l.Health.Mark(topology.StateDegraded, "x4 of x8")
	s := svg(t, g, topology.SVGOptions{})
	parts, _ := drawn(t, s)
	if parts["pci:0000:82:00.0"] != "degraded" {
		t.Errorf("the ConnectX-3 is drawn %q", parts["pci:0000:82:00.0"])
	}
	if !regexp.MustCompile(`<text [^>]*fill="#e65100">link x4 [^<]* of x8[^<]*</text>`).MatchString(s) {
		t.Errorf("no degraded link label in %s", grepLines(s, "82:00.0"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// lstopoObjects are the objects lstopo draws that hwgraph must draw too:
// PCI functions ("PCI 02:00.0", "PCI 0001:02:00.0") and NUMA nodes.
var (
	lstopoPCI  = regexp.MustCompile(`>PCI (?:([0-9a-f]{4,8}):)?([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])<`)
	lstopoNUMA = regexp.MustCompile(`>NUMANode L#\d+ P#(\d+)`)
)

// TestSVGAgainstLstopo: every PCI function and NUMA node lstopo draws of
// a capture (lstopo-no-graphics --whole-io --no-collapse --of svg),
// hwgraph draws too.
func TestSVGAgainstLstopo(t *testing.T) {
	bin := fixture.Tool(t, "lstopo-no-graphics", "hwloc-nox")
	for _, c := range []string{"hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2", "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2", "hwloc/2pa-pcidomain32bits.tar.bz2"} {
		root := fixture.Root(t, c)
		out, err := exec.Command(bin, "--input", root, "--whole-io", "--no-collapse", "--of", "svg").Output()
		if err != nil {
			t.Fatalf("%s: lstopo: %v", c, err)
		}
		parts, _ := drawn(t, svg(t, scanCapture(t, c), topology.SVGOptions{}))
		n := 0
		for _, m := range lstopoPCI.FindAllStringSubmatch(string(out), -1) {
			dom := m[1]
			if dom == "" {
				dom = "0000"
			}
			n++
			if id := "pci:" + dom + ":" + m[2]; parts[id] == "" {
				t.Errorf("%s: lstopo draws %s, hwgraph does not", c, id)
			}
		}
		for _, m := range lstopoNUMA.FindAllStringSubmatch(string(out), -1) {
			n++
			if parts["numa:"+m[1]] == "" {
				t.Errorf("%s: lstopo draws NUMA node %s, hwgraph does not", c, m[1])
			}
		}
		if n < 5 {
			t.Errorf("%s: only %d objects read from lstopo's drawing", c, n)
		}
		t.Logf("%s: %d of lstopo's objects drawn", c, n)
	}
}

// BenchmarkSVG draws the 137-function capture.
func BenchmarkSVG(b *testing.B) {
	g := scanCapture(b, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	b.ReportAllocs()
	for b.Loop() {
		if err := topology.WriteSVG(io.Discard, g, topology.SVGOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
