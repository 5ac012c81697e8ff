package exporter

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/metrics.md")

// TestMetricsDoc: docs/metrics.md is what WriteMetricsDoc writes.
func TestMetricsDoc(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMetricsDoc(&b); err != nil {
		t.Fatal(err)
	}
	const path = "../docs/metrics.md"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Errorf("%s is stale: go test ./exporter -run TestMetricsDoc -update", path)
	}
}
