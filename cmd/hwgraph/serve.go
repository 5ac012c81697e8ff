package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/eventlog"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/nfd"
	"github.com/hwgraph/hwgraph/nodestatus"
	"github.com/hwgraph/hwgraph/probe"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// serveCommand is `hwgraph serve`: the Prometheus exporter, API and topology
// page. Scans run on an interval and on kernel device events, off the
// scrape path; flags for listening, TLS and basic auth are the
// exporter-toolkit's, as in every Prometheus exporter.
func serveCommand(app *cli) {
	stderr := app.stderr
	c := app.command(nil, "serve", "The Prometheus exporter, API and topology page of this machine.")
	sc := addScanFlags(c)
	webCfg := addWebFlags(c, ":9877")
	interval := c.Flag("scan.interval", "Time between scans.").Default(scan.DefaultInterval.String()).Duration()
	bmcConfig := c.Flag("bmc.config.file", "Answer /probe?target=HOST&module=NAME for other machines' BMCs (ipmi_exporter's multi-target pattern), with the credentials of each module in this file.").PlaceHolder("FILE").String()
	probes := c.Flag("bmc.max-concurrent-probes", "BMC probes run at once; more wait for a slot until their deadline.").Default("8").Int()
	nfdFile := c.Flag("nfd-features-file", "Write node-feature-discovery labels here after each scan (e.g. /etc/kubernetes/node-feature-discovery/features.d/hwgraph).").String()
	logConfig := addLogFlags(c, stderr)
	nodeConds := c.Flag("kubernetes.node-conditions", "Set this node's hardware conditions (HardwareMemoryProblem, PCIeLinkProblem, GPUProblem, StorageProblem, BMCProblem, I2CBusProblem) and post a Kubernetes Event on it for each hardware event of warning or worse (RBAC: deploy/hwgraph-node-conditions.yaml).").Bool()
	kubeconfig := c.Flag("kubernetes.kubeconfig", "The kubeconfig for --kubernetes.node-conditions; in-cluster is the pod's service account.").Default(cluster.InCluster).String()
	nodeName := c.Flag("kubernetes.node-name", "The node's name for --kubernetes.node-conditions (the downward API's spec.nodeName).").Envar("NODE_NAME").String()
	eventLog := c.Flag("log.events", "Write every event as a JSON line (the journal's schema, at most 16 KiB) to this file, appended, or - for standard output: for Fluent Bit, Vector, promtail or an OpenTelemetry filelog receiver; journal sends each to the systemd journal with HWGRAPH_* fields.").PlaceHolder("FILE|-|journal").String()
	maxProcs := c.Flag("runtime.gomaxprocs", "The target number of CPUs Go will run on (GOMAXPROCS). As node_exporter's: one keeps an agent's scans off the host's other CPUs and costs less CPU than spreading them (scheduler wake-ups).").
		Envar("GOMAXPROCS").Default("1").Int()
	c.run = func() int {
		if *maxProcs > 0 {
			runtime.GOMAXPROCS(*maxProcs)
		}
		if os.Getenv("GOGC") == "" {
			// A resident agent should stay small: collecting at half the
			// default growth halves its heap, for a collection every scan or
			// two.
			debug.SetGCPercent(50)
		}
		logger := promslog.New(logConfig)
		var prober http.Handler
		if *bmcConfig != "" {
			cfg, err := probe.LoadConfig(*bmcConfig)
			if err != nil {
				logger.Error("--bmc.config.file", "err", err)
				return 2
			}
			prober = probe.NewHandler(cfg, *probes, logger)
		}
		logger.Info("starting hwgraph serve", "version", version.Info())
		logger.Info("build context", "build_context", version.BuildContext())
		// Signals are heeded from here: an archive given as --root is
		// unpacked next, and removed by done on the way out.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		sc.ownSignals, sc.agent = true, true
		e, done, code := sc.engine(logger, stderr, false)
		if e == nil {
			return code
		}
		defer done()
		var onScan []func(*topology.Graph)
		if *nfdFile != "" {
			ttl := 4 * *interval // NFD drops the labels if the agent stops refreshing them
			onScan = append(onScan, func(g *topology.Graph) {
				if err := nfd.WriteFile(*nfdFile, nfd.Format(nfd.Labels(g), time.Now(), ttl)); err != nil {
					logger.Error("writing the NFD feature file", "err", err)
				}
			})
		}
		if *eventLog != "" {
			w := eventlog.New(*eventLog, logger)
			onScan = append(onScan, func(g *topology.Graph) { w.Write(g.Events) })
		}
		if *nodeConds {
			if *nodeName == "" {
				logger.Error("--kubernetes.node-conditions needs the node's name: --kubernetes.node-name or NODE_NAME")
				return 2
			}
			r := nodestatus.New(cluster.Kubernetes{Kubeconfig: *kubeconfig}, *nodeName, logger)
			go r.Run(ctx)
			onScan = append(onScan, r.Report)
		}
		if len(onScan) > 0 {
			e.OnScan = func(g *topology.Graph) {
				for _, f := range onScan {
					f(g)
				}
			}
		}
		e.Scan(ctx) // serve a graph from the first request on
		go e.Run(ctx, *interval)
		logger.Info("serving", "addresses", *webCfg.WebListenAddresses, "state_dir", sc.stateDir, "root", sc.root)
		return serveHTTP(ctx, e, webCfg, logger, prober)
	}
}

// webFlags are node_exporter's web flags: exporter-toolkit's listening,
// TLS and basic auth, the metrics path, and leaving out the agent's own
// metrics.
type webFlags struct {
	*web.FlagConfig
	exporter.Options
	maxRequests int
}

func addWebFlags(a flagGroup, listen string) *webFlags {
	f := &webFlags{FlagConfig: kingpinflag.AddFlags(a, listen)}
	a.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.TelemetryPath)
	a.Flag("web.disable-exporter-metrics", "Exclude metrics about the exporter itself (process_*, go_*).").BoolVar(&f.DisableExporterMetrics)
	a.Flag("web.max-requests", "Maximum number of requests served at once (others answer 503), and a quarter of the connections kept open. 0 disables the limits.").Default(strconv.Itoa(exporter.DefaultMaxRequests)).IntVar(&f.maxRequests)
	return f
}

// addLogFlags are promslog's --log.level and --log.format, declared as
// promslogflag.AddFlags declares them (which takes the application only,
// not one of its commands).
func addLogFlags(a flagGroup, w io.Writer) *promslog.Config {
	c := &promslog.Config{Writer: w, Level: promslog.NewLevel(), Format: promslog.NewFormat()}
	a.Flag(promslogflag.LevelFlagName, promslogflag.LevelFlagHelp).Default("info").HintOptions(promslog.LevelFlagOptions...).SetValue(c.Level)
	a.Flag(promslogflag.FormatFlagName, promslogflag.FormatFlagHelp).Default("logfmt").HintOptions(promslog.FormatFlagOptions...).SetValue(c.Format)
	return c
}

// serveHTTP serves src with the web flags until ctx ends; the exit code.
func serveHTTP(ctx context.Context, src exporter.Source, f *webFlags, logger *slog.Logger, prober http.Handler) int {
	if !strings.HasPrefix(f.TelemetryPath, "/") || f.TelemetryPath == "/" || f.TelemetryPath == "/probe" || strings.HasPrefix(f.TelemetryPath, "/api/") {
		logger.Error("--web.telemetry-path must be a path below / outside /api/ and /probe", "path", f.TelemetryPath)
		return 2
	}
	var h http.Handler = exporter.HandlerFor(src, f.Options)
	if prober != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /probe", prober)
		mux.Handle("/", h)
		h = mux
	}
	srv := exporter.NewServer(h, f.maxRequests)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	err := web.ListenAndServe(srv, f.FlagConfig, logger)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("serving", "err", err)
		return 1
	}
	return 0
}
