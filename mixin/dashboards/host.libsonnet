{
  "uid": "hwgraph-host",
  "title": "hwgraph / Host",
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
      "title": "Components by health",
      "type": "stat",
      "gridPos": {
        "x": 0,
        "y": 0,
        "w": 8,
        "h": 4
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "count by (state) (hwgraph_component_state{instance=~\"$instance\"} == 1)",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "legendFormat": "{{state}}"
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
      "title": "Collectors",
      "type": "table",
      "gridPos": {
        "x": 8,
        "y": 0,
        "w": 8,
        "h": 4
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "hwgraph_collector_success{instance=~\"$instance\"}",
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
      "id": 3,
      "title": "Scan age",
      "type": "stat",
      "gridPos": {
        "x": 16,
        "y": 0,
        "w": 8,
        "h": 4
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "time() - hwgraph_last_scan_timestamp_seconds{instance=~\"$instance\"}",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          }
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {
          "unit": "s"
        },
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 4,
      "title": "Component inventory",
      "type": "table",
      "gridPos": {
        "x": 0,
        "y": 4,
        "w": 24,
        "h": 9
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "hwgraph_component_info{instance=~\"$instance\"}",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "format": "table",
          "instant": true
        }
      ],
      "description": "Every component with its kind, parent, vendor, model and firmware.",
      "fieldConfig": {
        "defaults": {},
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 5,
      "title": "Unhealthy components",
      "type": "table",
      "gridPos": {
        "x": 0,
        "y": 13,
        "w": 12,
        "h": 7
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "hwgraph_component_state{instance=~\"$instance\",state!=\"ok\"} == 1",
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
      "title": "Link health: degraded or down",
      "type": "table",
      "gridPos": {
        "x": 12,
        "y": 13,
        "w": 12,
        "h": 7
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "hwgraph_link_degraded{instance=~\"$instance\"} == 1 or hwgraph_link_up{instance=~\"$instance\"} == 0",
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
      "title": "PCIe links: width vs capability",
      "type": "table",
      "gridPos": {
        "x": 0,
        "y": 20,
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
          "expr": "hwgraph_link_width{instance=~\"$instance\",kind=\"pcie\"}",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "format": "table",
          "instant": true
        },
        {
          "refId": "B",
          "expr": "hwgraph_link_max_width{instance=~\"$instance\",kind=\"pcie\"}",
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
      "id": 8,
      "title": "PCIe/NVLink error rates",
      "type": "timeseries",
      "gridPos": {
        "x": 12,
        "y": 20,
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
          "expr": "sum by (to, type) (rate(hwgraph_link_errors_total{instance=~\"$instance\"}[5m]))",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "legendFormat": "{{to}} {{type}}"
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {
          "unit": "ops"
        },
        "overrides": []
      },
      "options": {}
    },
    {
      "id": 9,
      "title": "Memory errors by slot",
      "type": "timeseries",
      "gridPos": {
        "x": 0,
        "y": 28,
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
          "expr": "sum by (id, type) (hwgraph_memory_errors_total{instance=~\"$instance\",kind=\"dimm\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "legendFormat": "{{id}} {{type}}"
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
      "id": 10,
      "title": "Memory errors (controllers, GPUs)",
      "type": "timeseries",
      "gridPos": {
        "x": 12,
        "y": 28,
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
          "expr": "sum by (id, type) (hwgraph_memory_errors_total{instance=~\"$instance\",kind!=\"dimm\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "legendFormat": "{{id}} {{type}}"
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
      "id": 11,
      "title": "GPUs and NVLinks",
      "type": "table",
      "gridPos": {
        "x": 0,
        "y": 36,
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
          "expr": "hwgraph_component_state{instance=~\"$instance\",kind=~\"gpu|nvswitch\"} == 1",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "format": "table",
          "instant": true
        },
        {
          "refId": "B",
          "expr": "hwgraph_link_up{instance=~\"$instance\",kind=\"nvlink\"}",
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
      "id": 12,
      "title": "Temperatures (BMC and hwmon)",
      "type": "timeseries",
      "gridPos": {
        "x": 12,
        "y": 36,
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
          "expr": "hwgraph_sensor_temperature_celsius{instance=~\"$instance\"}",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "legendFormat": "{{id}} {{sensor}}"
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
      "id": 13,
      "title": "I2C buses locked",
      "type": "stat",
      "gridPos": {
        "x": 0,
        "y": 44,
        "w": 8,
        "h": 4
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "hwgraph_i2c_bus_locked{instance=~\"$instance\"}",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "legendFormat": "{{id}}"
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
      "id": 14,
      "title": "Events in the last hour",
      "type": "table",
      "gridPos": {
        "x": 8,
        "y": 44,
        "w": 16,
        "h": 4
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "increase(hwgraph_events_total{instance=~\"$instance\"}[1h])",
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
      "id": 15,
      "title": "Collector durations",
      "type": "timeseries",
      "gridPos": {
        "x": 0,
        "y": 48,
        "w": 24,
        "h": 6
      },
      "datasource": {
        "type": "prometheus",
        "uid": "${datasource}"
      },
      "targets": [
        {
          "refId": "A",
          "expr": "hwgraph_collector_duration_seconds{instance=~\"$instance\"}",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "legendFormat": "{{collector}}"
        }
      ],
      "description": "",
      "fieldConfig": {
        "defaults": {
          "unit": "s"
        },
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
        "name": "host",
        "type": "query",
        "label": "Host",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "query": {
          "query": "label_values(hwgraph_component_info{id=\"host\"}, name)",
          "refId": "host"
        },
        "definition": "label_values(hwgraph_component_info{id=\"host\"}, name)",
        "includeAll": true,
        "multi": false,
        "refresh": 2
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
          "query": "label_values(hwgraph_component_info{id=\"host\",name=~\"$host\"}, instance)",
          "refId": "instance"
        },
        "definition": "label_values(hwgraph_component_info{id=\"host\",name=~\"$host\"}, instance)",
        "includeAll": false,
        "multi": false,
        "refresh": 2
      }
    ]
  },
  "annotations": {
    "list": []
  }
}