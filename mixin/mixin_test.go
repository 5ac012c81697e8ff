// Package mixin holds hwgraph's monitoring mixin (jsonnet, no Go); its
// test renders it and holds the checked-in files to the rendering.
package mixin

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-jsonnet"
)

var update = flag.Bool("update", false, "rewrite the rendered files in dashboards/")

// header heads the rendered YAML: the files are generated.
const header = "# Generated from mixin/ by `go test ./mixin -update`; edit the jsonnet, not this file.\n"

// rendered are the files the mixin renders, by their path from the
// repository root, and the jsonnet that renders each.
var rendered = map[string]string{
	"dashboards/alerts.yml": "std.manifestYamlDoc(m.prometheusAlerts, indent_array_in_object=true, quote_keys=false)",
	"dashboards/rules.yml":  "std.manifestYamlDoc(m.prometheusRules, indent_array_in_object=true, quote_keys=false)",
	"dashboards/host.json":  "std.manifestJsonEx(m.grafanaDashboards['host.json'], '  ')",
	"dashboards/fleet.json": "std.manifestJsonEx(m.grafanaDashboards['fleet.json'], '  ')",
}

// TestRendered: the checked-in alerts, rules and dashboards are what the
// mixin renders, so users without jsonnet get the same.
func TestRendered(t *testing.T) {
	vm := jsonnet.MakeVM()
	vm.Importer(&jsonnet.FileImporter{JPaths: []string{"."}})
	vm.StringOutput = true
	for path, expr := range rendered {
		out, err := vm.EvaluateAnonymousSnippet("render.jsonnet", "local m = import 'mixin.libsonnet'; "+expr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if filepath.Ext(path) == ".yml" {
			out = header + out
		} else {
			out += "\n"
		}
		file := filepath.Join("..", path)
		if *update {
			if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		have, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if string(have) != out {
			t.Errorf("%s is not the mixin's rendering: go test ./mixin -update", path)
		}
	}
}
