// The Grafana dashboards: host.libsonnet and fleet.libsonnet hold the
// panels; this adds what a site configures and what joins them: the $job
// variable in every query, links between the two dashboards, and data
// links from the fleet's hosts to their host dashboard.
{
  local c = $._config,
  local jobVar = {
    name: 'job',
    type: 'query',
    label: 'Job',
    datasource: { type: 'prometheus', uid: '${datasource}' },
    query: { query: 'label_values(hwgraph_build_info, job)', refId: 'job' },
    definition: 'label_values(hwgraph_build_info, job)',
    includeAll: false,
    multi: false,
    refresh: 2,
  },
  // withJob adds job=~"$job" to each selector a query names.
  local withJob(q) = std.strReplace(std.strReplace(std.strReplace(q,
    'instance=~"$instance"', 'job=~"$job",instance=~"$instance"'),
    'hwgraph_component_info{id="host"', 'hwgraph_component_info{job=~"$job",id="host"'),
    'label_values(hwgraph_build_info, instance)', 'label_values(hwgraph_build_info{job=~"$job"}, instance)'),
  local links = [{
    title: 'hwgraph',
    type: 'dashboards',
    tags: ['hwgraph'],
    asDropdown: false,
    includeVars: true,
    keepTime: true,
  }],
  local hostLink = {
    matcher: { id: 'byName', options: 'instance' },
    properties: [{
      id: 'links',
      value: [{
        title: 'Open the host',
        url: '/d/hwgraph-host/hwgraph-host?var-datasource=${datasource}&var-job=${job}&var-instance=${__value.raw}&${__url_time_range}',
      }],
    }],
  },
  local dashboard(d, dataLinks) = d {
    tags: c.dashboardTags,
    refresh: c.dashboardRefresh,
    links: links,
    templating: {
      list: [d.templating.list[0], jobVar] + [
        v { query+: { query: withJob(v.query.query) }, definition: withJob(v.definition) }
        for v in d.templating.list[1:]
      ],
    },
    panels: [
      p {
        targets: [t { expr: withJob(t.expr) } for t in p.targets],
      } + (if dataLinks && p.type == 'table' then { fieldConfig+: { overrides+: [hostLink] } } else {})
      for p in d.panels
    ],
  },
  grafanaDashboards+:: {
    'host.json': dashboard(import 'host.libsonnet', false),
    'fleet.json': dashboard(import 'fleet.libsonnet', true),
  },
}
