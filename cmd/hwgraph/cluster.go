package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// addClusterFlags binds the flags that say where the agents are found to
// a fleet.
func addClusterFlags(a flagGroup) *cluster.Fleet {
	f := &cluster.Fleet{}
	a.Flag("targets", "Agents: host:port or URLs of `hwgraph serve`, comma-separated.").StringVar(&f.Targets)
	a.Flag("targets-file", "File listing agents, one a line.").StringVar(&f.TargetsFile)
	a.Flag("prometheus", "Find the agents from this Prometheus' scrape targets (http://prometheus:9090).").StringVar(&f.Prometheus)
	a.Flag("job", "The Prometheus scrape job of the agents.").Default("hwgraph").StringVar(&f.Job)
	a.Flag("prometheus.fetch-graphs", "With --prometheus: fetch every agent's whole graph, instead of building the fleet from the series Prometheus holds (and a host's graph when it is opened).").BoolVar(&f.FetchGraphs)
	a.Flag("kubeconfig", "Find the agents as the pods of the hwgraph DaemonSet through this kubeconfig's API server.").StringVar(&f.Kubernetes.Kubeconfig)
	a.Flag("k8s.namespace", "Namespace of the agent pods.").Default("hwgraph").StringVar(&f.Kubernetes.Namespace)
	a.Flag("k8s.selector", "Label selector of the agent pods.").Default("app.kubernetes.io/name=hwgraph").StringVar(&f.Kubernetes.Selector)
	a.Flag("agent-port", "Port the agent pods serve on.").Default("9877").IntVar(&f.Kubernetes.Port)
	a.Flag("timeout", "How long to wait for each agent.").Default("5s").DurationVar(&f.Timeout)
	a.Flag("max-graph-bytes", "The largest graph an agent may answer; a larger answer makes it unreachable.").Default(strconv.FormatInt(int64(topology.DefaultLimits.MaxBytes), 10)).Int64Var(&f.MaxGraphBytes)
	return f
}

// clusterCommand is `hwgraph cluster`: one topology of many machines,
// printed (cluster show, the default) or served (cluster serve).
func clusterCommand(app *cli) {
	parent := app.command(nil, "cluster", "One topology of many machines, from their agents (hwgraph serve): shown (the default), or served.")
	clusterShowCommand(app, parent)
	clusterServeCommand(app, parent)
}

// clusterShowCommand is `hwgraph cluster [show]`: the fleet, printed.
func clusterShowCommand(app *cli, parent *command) {
	c := app.command(parent, "show", "One topology of many machines, from their agents (hwgraph serve), printed (the default).")
	c.Default()
	cc := addClusterFlags(c)
	format := c.formatFlag("Output format: "+strings.Join(topology.Formats, ", ")+".", topology.Formats...)
	c.run = func() int {
		stdout, stderr := app.stdout, app.stderr
		g, err := cc.Make(context.Background(), nil)
		if err != nil {
			return fail(stderr, 2, "hwgraph cluster: %v", err)
		}
		if *format == "tree" {
			fmt.Fprintf(stdout, "hosts: %s\n", cluster.Summary(g))
		}
		if err := topology.Render(stdout, g, *format); err != nil {
			return fail(stderr, 1, "hwgraph: %v", err)
		}
		return 0
	}
}

// fleetEngine gathers the fleet every refresh. Each agent has its own
// deadline (--timeout); the gather as a whole is bounded by the refresh.
func fleetEngine(f *cluster.Fleet, refresh time.Duration, logger *slog.Logger) *scan.Engine {
	e := &scan.Engine{Source: f, Timeout: refresh, Logger: logger}
	e.Details = f.Details(e.Graph, logger)
	return e
}

// clusterServeCommand is `hwgraph cluster serve`: the fleet page, refreshed.
// The engine gathers the agents' graphs on the interval and keeps the
// events between two gathers (a host gone unreachable, a part removed).
func clusterServeCommand(app *cli, parent *command) {
	stderr := app.stderr
	c := app.command(parent, "serve", "The fleet's page, metrics and API, gathered from the agents on an interval.")
	cc := addClusterFlags(c)
	webCfg := addWebFlags(c, ":9878")
	refresh := c.Flag("refresh", "Time between gathers.").Default(scan.DefaultInterval.String()).Duration()
	logConfig := addLogFlags(c, stderr)
	c.run = func() int {
		logger := promslog.New(logConfig)
		logger.Info("starting hwgraph cluster serve", "version", version.Info())
		logger.Info("build context", "build_context", version.BuildContext())
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		e := fleetEngine(cc, *refresh, logger)
		e.Scan(ctx)
		go e.Run(ctx, *refresh)
		return serveHTTP(ctx, e, webCfg, logger, nil)
	}
}
