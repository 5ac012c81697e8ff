package exporter

import (
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/expfmt"

	"github.com/hwgraph/hwgraph/topology"
)

// WriteText writes the graph's metrics in the Prometheus text format: the
// families /metrics serves for it (not the agent's own), as node_exporter's
// textfile collector reads them.
func WriteText(w io.Writer, g *topology.Graph) error {
	reg := prometheus.NewRegistry()
	if err := reg.Register(GraphCollector(g)); err != nil {
		return err
	}
	if err := reg.Register(versioncollector.NewCollector(ns)); err != nil {
		return err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("gather the graph's metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("encode %s: %w", mf.GetName(), err)
		}
	}
	return nil
}

// GraphCollector is the graph's metric families, as /metrics serves them,
// for a registry of its own: a textfile, a BMC probe's answer.
func GraphCollector(g *topology.Graph) prometheus.Collector {
	return &graphCollector{graph: func() *topology.Graph { return g }}
}
