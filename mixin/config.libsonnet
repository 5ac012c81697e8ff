// What a site changes: import the mixin and override _config, e.g.
//   (import 'hwgraph-mixin/mixin.libsonnet') + { _config+:: { hwgraphSelector: 'job="node-hardware"' } }
{
  _config+:: {
    // Selects hwgraph's series in every alert and recording rule.
    hwgraphSelector: 'job="hwgraph"',
    // Where each alert's runbook is: %s is the alert's name in lower case.
    runbookURLPattern: 'https://github.com/hwgraph/hwgraph/blob/main/docs/runbooks.md#%s',
    // mcelog's default for a DIMM (dimm-ce-error-threshold = 10 / 24h):
    // fewer corrected errors a day are the background rate of a healthy
    // module (cosmic rays, a marginal refresh); more is a module wearing out.
    dimmCorrectedErrorsPerDay: 10,
    // Corrected AER errors are replayed by the link layer and cost little
    // one at a time; more than one a minute, sustained over an hour, is a
    // marginal link (a riser, a dirty contact) losing bandwidth to replays.
    pcieCorrectedErrorsPerHour: 60,
    // The agent scans every 30 s by default; ten minutes without a
    // finished scan is twenty missed scans: reads of hardware hang.
    scanStaleSeconds: 600,
    // Grafana.
    dashboardTags: ['hwgraph', 'hardware'],
    dashboardRefresh: '1m',
  },
}
