// Package dashboards holds hwgraph's Grafana dashboards (host.json,
// fleet.json) and Prometheus alert and recording rules (alerts.yml, with
// promtool unit tests in alerts_test.yml, and rules.yml), rendered from
// the mixin in mixin/ and embedded so tools can ship them.
package dashboards

import "embed"

// Files are the dashboards and rules.
//
//go:embed host.json fleet.json alerts.yml rules.yml
var Files embed.FS
