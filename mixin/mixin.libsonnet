// hwgraph's monitoring mixin: alerts, recording rules and Grafana
// dashboards, configured by config.libsonnet. dashboards/*.json,
// dashboards/alerts.yml and dashboards/rules.yml are its rendering, for
// those without jsonnet (go test ./mixin -update rewrites them).
(import 'config.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'dashboards/dashboards.libsonnet')
