{
  "uid": "hwgraph-fleet",
  "title": "hwgraph / Fleet",
  "tags": [
    "hwgraph",
    "hardware"
  ],
  "timezone": "browser",
  "schemaVersion": 39,
  "version": 1,
  "editable": true,
  "time": {
    "from": "now-6h",
    "to": "now"
  },
  "refresh": "1m",
  "panels": [
    {
      "id": 1,
      "title": "Hosts by health",
      "type": "table",
      "gridPos": {
        "x": 0,
        "y": 0,
        "w": 12,
        "h": 10
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "count by (instance, state) (hwgraph_component_state{instance=~\"$instance\"} == 1)",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "format": "table",
          "instant": true
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {},
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 2,
      "title": "Failed or missing components",
      "type": "stat",
      "gridPos": {
        "x": 12,
        "y": 0,
        "w": 6,
        "h": 5
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "sum(hwgraph_component_state{instance=~\"$instance\",state=~\"failed|missing\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          }
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {},
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 3,
      "title": "Degraded links",
      "type": "stat",
      "gridPos": {
        "x": 18,
        "y": 0,
        "w": 6,
        "h": 5
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "sum(hwgraph_link_degraded{instance=~\"$instance\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          }
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {},
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 4,
      "title": "Hosts where each collector fails",
      "type": "table",
      "gridPos": {
        "x": 12,
        "y": 5,
        "w": 12,
        "h": 5
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "sum by (collector) (1 - hwgraph_collector_success{instance=~\"$instance\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "format": "table",
          "instant": true
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {},
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 5,
      "title": "Top memory error sources (24h)",
      "type": "table",
      "gridPos": {
        "x": 0,
        "y": 10,
        "w": 12,
        "h": 8
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "topk(20, sum by (instance, id, type) (increase(hwgraph_memory_errors_total{instance=~\"$instance\"}[24h])))",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "format": "table",
          "instant": true
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {},
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 6,
      "title": "Top link error sources (24h)",
      "type": "table",
      "gridPos": {
        "x": 12,
        "y": 10,
        "w": 12,
        "h": 8
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "topk(20, sum by (instance, to, type) (increase(hwgraph_link_errors_total{instance=~\"$instance\"}[24h])))",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "format": "table",
          "instant": true
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {},
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 7,
      "title": "Events by kind (1h)",
      "type": "timeseries",
      "gridPos": {
        "x": 0,
        "y": 18,
        "w": 24,
        "h": 8
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "sum by (kind) (increase(hwgraph_events_total{instance=~\"$instance\"}[1h]))",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "legendFormat": "{{kind}}"
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {},
        "overrides": []
      },
      "options": {}
    }
  ],
  "templating": {
    "list": [
      {
        "name": "datasource",
        "type": "datasource",
        "query": "prometheus",
        "label": "Data source"
      },
      {
        "name": "instance",
        "type": "query",
        "label": "Instance",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "query": {
          "query": "label_values(hwgraph_build_info, instance)",
          "refId": "instance"
        },
        "definition": "label_values(hwgraph_build_info, instance)",
        "includeAll": true,
        "multi": true,
        "refresh": 2,
        "current": {
          "text": "All",
          "value": "$__all"
        }
      }
    ]
  },
  "annotations": {
    "list": []
  }
}