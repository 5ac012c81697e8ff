// Package dashboards holds hwgraph's Grafana dashboards (host.json,
// fleet.json) and Prometheus alert rules (alerts.yml, with promtool unit
// tests in alerts_test.yml), embedded so `hwgraph serve` and tools can
// ship them.
package dashboards

import "embed"

// Files are the dashboards and rules.
//
//go:embed host.json fleet.json alerts.yml
var Files embed.FS
