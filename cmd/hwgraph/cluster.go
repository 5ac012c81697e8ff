package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

func init() { commands["cluster"] = runCluster }

// clusterConfig holds where the agents are found.
type clusterConfig struct {
	targets, targetsFile, prometheus, job string
	kubeconfig, k8sNamespace, k8sSelector string
	agentPort                             int
	timeout                               time.Duration
	maxGraphBytes                         int64
}

func addClusterFlags(fs *flag.FlagSet) *clusterConfig {
	c := &clusterConfig{}
	fs.StringVar(&c.targets, "targets", "", "agents: host:port or URLs of `hwgraph serve`, comma-separated")
	fs.StringVar(&c.targetsFile, "targets-file", "", "file listing agents, one a line")
	fs.StringVar(&c.prometheus, "prometheus", "", "find the agents from this Prometheus' scrape targets (http://prometheus:9090)")
	fs.StringVar(&c.job, "job", "hwgraph", "the Prometheus scrape job of the agents")
	fs.StringVar(&c.kubeconfig, "kubeconfig", "", "find the agents as the pods of the hwgraph DaemonSet through this kubeconfig's API server")
	fs.StringVar(&c.k8sNamespace, "k8s.namespace", "hwgraph", "namespace of the agent pods")
	fs.StringVar(&c.k8sSelector, "k8s.selector", "app.kubernetes.io/name=hwgraph", "label selector of the agent pods")
	fs.IntVar(&c.agentPort, "agent-port", 9877, "port the agent pods serve on")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "how long to wait for each agent")
	fs.Int64Var(&c.maxGraphBytes, "max-graph-bytes", topology.DefaultLimits.MaxBytes, "the largest graph an agent may answer; a larger answer makes it unreachable")
	return c
}

// gather finds the agents and merges their graphs.
func (c *clusterConfig) gather(ctx context.Context) (*topology.Graph, error) {
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
	client := &http.Client{Timeout: c.timeout}
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

// runCluster is `hwgraph cluster`: one topology of many machines.
func runCluster(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" {
		return runClusterServe(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("hwgraph cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cc := addClusterFlags(fs)
	format := fs.String("format", "tree", "output format: "+strings.Join(topology.Formats, ", "))
	if code, done := parse(fs, args, stdout, stderr); done {
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

// runClusterServe is `hwgraph cluster serve`: the fleet page, refreshed.
// The engine gathers the agents' graphs on the interval and keeps the
// events between two gathers (a host gone unreachable, a part removed).
func runClusterServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hwgraph cluster serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cc := addClusterFlags(fs)
	listen := fs.String("web.listen-address", ":9878", "addresses to listen on, comma-separated")
	webConfig := fs.String("web.config.file", "", "exporter-toolkit web config: TLS and basic auth")
	refresh := fs.Duration("refresh", scan.DefaultInterval, "time between gathers")
	if code, done := parse(fs, args, stdout, stderr); done {
		return code
	}
	logger := promslog.New(&promslog.Config{Writer: stderr})
	logger.Info("starting hwgraph cluster serve", "version", version.Info())
	logger.Info("build context", "build_context", version.BuildContext())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Each agent has its own deadline (--timeout); the gather as a whole
	// is bounded by the refresh interval.
	e := &scan.Engine{Gather: cc.gather, Timeout: *refresh, Logger: logger}
	e.Scan(ctx)
	go e.Run(ctx, *refresh)
	return serveHTTP(ctx, exporter.Handler(e), *listen, *webConfig, false, logger)
}
