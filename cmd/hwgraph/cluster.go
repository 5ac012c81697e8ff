package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

func init() { commands["cluster"] = runCluster }

// clusterConfig holds where the agents are found.
type clusterConfig struct {
	targets, targetsFile, prometheus, job string
	fetchGraphs                           bool
	kubeconfig, k8sNamespace, k8sSelector string
	agentPort                             int
	timeout                               time.Duration
	maxGraphBytes                         int64
}

func addClusterFlags(a *kingpin.Application) *clusterConfig {
	c := &clusterConfig{}
	a.Flag("targets", "Agents: host:port or URLs of `hwgraph serve`, comma-separated.").StringVar(&c.targets)
	a.Flag("targets-file", "File listing agents, one a line.").StringVar(&c.targetsFile)
	a.Flag("prometheus", "Find the agents from this Prometheus' scrape targets (http://prometheus:9090).").StringVar(&c.prometheus)
	a.Flag("job", "The Prometheus scrape job of the agents.").Default("hwgraph").StringVar(&c.job)
	a.Flag("prometheus.fetch-graphs", "With --prometheus: fetch every agent's whole graph, instead of building the fleet from the series Prometheus holds (and a host's graph when it is opened).").BoolVar(&c.fetchGraphs)
	a.Flag("kubeconfig", "Find the agents as the pods of the hwgraph DaemonSet through this kubeconfig's API server.").StringVar(&c.kubeconfig)
	a.Flag("k8s.namespace", "Namespace of the agent pods.").Default("hwgraph").StringVar(&c.k8sNamespace)
	a.Flag("k8s.selector", "Label selector of the agent pods.").Default("app.kubernetes.io/name=hwgraph").StringVar(&c.k8sSelector)
	a.Flag("agent-port", "Port the agent pods serve on.").Default("9877").IntVar(&c.agentPort)
	a.Flag("timeout", "How long to wait for each agent.").Default("5s").DurationVar(&c.timeout)
	a.Flag("max-graph-bytes", "The largest graph an agent may answer; a larger answer makes it unreachable.").Default(strconv.FormatInt(int64(topology.DefaultLimits.MaxBytes), 10)).Int64Var(&c.maxGraphBytes)
	return c
}

// gather finds the agents and merges their graphs; from --prometheus
// alone, it builds the fleet from the series Prometheus holds.
func (c *clusterConfig) gather(ctx context.Context) (*topology.Graph, error) {
	if c.fromSeries() {
		return cluster.FromSeries(ctx, cluster.NewClient(10*c.timeout), c.prometheus, c.job)
	}
	var targets []cluster.Target
	if c.targets != "" {
		t, err := cluster.ParseTargets(c.targets)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t...)
	}
	if c.targetsFile != "" {
		t, err := cluster.ReadTargetsFile(c.targetsFile)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t...)
	}
	client := cluster.NewClient(c.timeout)
	if c.prometheus != "" {
		t, err := cluster.FromPrometheus(ctx, client, c.prometheus, c.job)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t...)
	}
	if c.kubeconfig != "" {
		t, err := cluster.Kubernetes{Kubeconfig: c.kubeconfig, Namespace: c.k8sNamespace, Selector: c.k8sSelector, Port: c.agentPort}.Targets(ctx)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t...)
	}
	if len(targets) == 0 {
		return nil, errors.New("no agents: give --targets, --targets-file, --prometheus or --kubeconfig")
	}
	lim := topology.DefaultLimits
	lim.MaxBytes = c.maxGraphBytes
	return cluster.Merge(cluster.Fetch(ctx, client, targets, c.timeout, 64, lim)), nil
}

// fromSeries reports whether the fleet comes from Prometheus' series: the
// agents are found through --prometheus only, and their graphs are not
// asked for.
func (c *clusterConfig) fromSeries() bool {
	return c.prometheus != "" && !c.fetchGraphs && c.targets == "" && c.targetsFile == "" && c.kubeconfig == ""
}

// details opens the hosts of a fleet built from series: it fetches a
// host's whole graph from its agent, only for a host the fleet (the
// engine's last gather) holds; any other root is the fleet graph's own.
func (c *clusterConfig) details(fleet func() *topology.Graph, logger *slog.Logger) func(context.Context, string) (*topology.Graph, error) {
	if !c.fromSeries() {
		return nil
	}
	lim := topology.DefaultLimits
	lim.MaxBytes = c.maxGraphBytes
	d := cluster.NewDetails(cluster.NewClient(c.timeout), c.timeout, lim, maxDetailFetches, logger)
	return func(ctx context.Context, root string) (*topology.Graph, error) {
		g, err := d.Graph(ctx, fleet(), root)
		if errors.Is(err, cluster.ErrNotInFleet) {
			return nil, nil
		}
		return g, err
	}
}

// maxDetailFetches bounds the hosts' graphs fetched at once: each may be
// as large as --max-graph-bytes, and it is callers who ask for them.
const maxDetailFetches = 4

// runCluster is `hwgraph cluster`: one topology of many machines.
func runCluster(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" {
		return runClusterServe(args[1:], stdout, stderr)
	}
	c := newCLI("hwgraph cluster", "One topology of many machines, from their agents (hwgraph serve). hwgraph cluster serve serves it.", stdout, stderr)
	cc := addClusterFlags(c.Application)
	format := c.Flag("format", "Output format: "+strings.Join(topology.Formats, ", ")+".").Default("tree").String()
	if code, done := c.parse(args); done {
		return code
	}
	if !validFormat(*format) {
		fmt.Fprintf(stderr, "hwgraph: unknown format %q\n", *format)
		return 2
	}
	g, err := cc.gather(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "hwgraph cluster: %v\n", err)
		return 2
	}
	if *format == "tree" {
		fmt.Fprintf(stdout, "hosts: %s\n", cluster.Summary(g))
	}
	if err := topology.Render(stdout, g, *format); err != nil {
		fmt.Fprintf(stderr, "hwgraph: %v\n", err)
		return 1
	}
	return 0
}

// engine gathers the fleet every refresh. Each agent has its own
// deadline (--timeout); the gather as a whole is bounded by the refresh.
func (c *clusterConfig) engine(refresh time.Duration, logger *slog.Logger) *scan.Engine {
	e := &scan.Engine{Gather: c.gather, Timeout: refresh, Logger: logger}
	e.Details = c.details(e.Graph, logger)
	return e
}

// runClusterServe is `hwgraph cluster serve`: the fleet page, refreshed.
// The engine gathers the agents' graphs on the interval and keeps the
// events between two gathers (a host gone unreachable, a part removed).
func runClusterServe(args []string, stdout, stderr io.Writer) int {
	c := newCLI("hwgraph cluster serve", "The fleet's page, metrics and API, gathered from the agents on an interval.", stdout, stderr)
	cc := addClusterFlags(c.Application)
	webCfg := addWebFlags(c.Application, ":9878")
	refresh := c.Flag("refresh", "Time between gathers.").Default(scan.DefaultInterval.String()).Duration()
	logConfig := addLogFlags(c.Application, stderr)
	if code, done := c.parse(args); done {
		return code
	}
	logger := promslog.New(logConfig)
	logger.Info("starting hwgraph cluster serve", "version", version.Info())
	logger.Info("build context", "build_context", version.BuildContext())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := cc.engine(*refresh, logger)
	e.Scan(ctx)
	go e.Run(ctx, *refresh)
	return serveHTTP(ctx, e, webCfg, logger, nil)
}
