package exporter

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Family documents a metric family the exporter serves.
type Family struct {
	Name, Type, Help string
	Labels           []string
}

// families are filled by desc, as the package's variables are made.
var families []Family

// Families are the metric families hwgraph serves, sorted by name; the
// agent's own go_* and process_* are client_golang's.
func Families() []Family {
	out := append(slices.Clone(families), Family{Name: ns + "_build_info", Type: "gauge",
		Help:   "A metric with a constant '1' value labeled by version, revision, branch, goversion from which hwgraph was built, and the goos and goarch for the build.",
		Labels: []string{"version", "revision", "branch", "goversion", "goos", "goarch", "tags"}})
	slices.SortFunc(out, func(a, b Family) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// WriteMetricsDoc writes docs/metrics.md: every family, its type, labels
// and help.
func WriteMetricsDoc(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# hwgraph's metrics\n\n" +
		"Generated from the exporter's descriptors (`go test ./exporter -run TestMetricsDoc -update`);\n" +
		"a test checks it against `/metrics` on every capture in `testdata/`. A label a\n" +
		"component lacks (a serial, a PCI address) is left out. Beside these, `hwgraph serve` serves the agent's\n" +
		"own `go_*` and `process_*` metrics (`--web.disable-exporter-metrics` leaves them out).\n\n" +
		"| family | type | labels | meaning |\n|---|---|---|---|\n")
	for _, f := range Families() {
		labels := make([]string, len(f.Labels))
		for i, l := range f.Labels {
			labels[i] = "`" + l + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Name, f.Type, strings.Join(labels, ", "), strings.ReplaceAll(f.Help, "|", "\\|"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
