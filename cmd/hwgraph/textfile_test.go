package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/promtest"
)

// TestTextfile: `hwgraph --format prom -o DIR/hwgraph.prom` writes the
// graph's series for node_exporter's textfile collector, and Debian's
// node_exporter serves them from that folder without a scrape error.
func TestTextfile(t *testing.T) {
	root := fixture.Root(t, "procfs/fixtures.tar.gz")
	dir := t.TempDir()
	file := filepath.Join(dir, "hwgraph.prom")
	if code, out, errs := hwgraph(t, "--root", root, "--state-dir", "", "--format", "prom", "-o", file); code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q: %s", code, out, errs)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	node := promtest.NodeExporter(t, "--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+dir)
	resp, err := http.Get("http://" + node + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	served := string(b)
	for _, want := range []string{
		`hwgraph_disk_io_errors_total{id="disk:naa.5000cca26128b1f4",type="error"} 402`,
		`hwgraph_cpu_throttles_total{id="package:0",type="package"} 34818`,
		`node_textfile_scrape_error 0`,
	} {
		if !strings.Contains(served, want) {
			t.Errorf("node_exporter serves no %s", want)
		}
	}
	// Every hwgraph series written is served.
	n := 0
	for _, line := range strings.Split(string(written), "\n") {
		if strings.HasPrefix(line, "hwgraph_") {
			n++
			name, _, _ := strings.Cut(line, "{")
			name, _, _ = strings.Cut(name, " ")
			if !strings.Contains(served, "\n"+name) {
				t.Errorf("node_exporter dropped %s", name)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d series written", n)
	}
}
