// Recording rules the fleet dashboard and capacity reports read.
{
  local c = $._config,
  prometheusRules+:: {
    groups+: [{
      name: 'hwgraph.rules',
      rules: [
        {
          record: 'instance:hwgraph_components_unhealthy:count',
          expr: 'count by (instance, kind, state) (hwgraph_component_state{%s,state!="ok"} == 1)' % c.hwgraphSelector,
        },
        {
          record: 'instance:hwgraph_links_degraded:count',
          expr: 'count by (instance, kind) (hwgraph_link_degraded{%s} == 1)' % c.hwgraphSelector,
        },
        {
          record: 'instance:hwgraph_memory_errors:increase24h',
          expr: 'sum by (instance, id, type) (increase(hwgraph_memory_errors_total{%s}[24h]))' % c.hwgraphSelector,
        },
      ],
    }],
  },
}
