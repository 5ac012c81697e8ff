package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/nfd"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

func init() { commands["serve"] = runServe }

// runServe is `hwgraph serve`: the Prometheus exporter, API and topology
// page. Scans run on an interval and on kernel device events, off the
// scrape path; flags for listening, TLS and basic auth are the
// exporter-toolkit's, as in every Prometheus exporter.
func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hwgraph serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sc := addScanFlags(fs)
	listen := fs.String("web.listen-address", ":9877", "addresses to listen on, comma-separated")
	webConfig := fs.String("web.config.file", "", "exporter-toolkit web config: TLS and basic auth (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md)")
	systemdSocket := fs.Bool("web.systemd-socket", false, "use systemd socket activation listeners instead of port listeners")
	interval := fs.Duration("scan.interval", scan.DefaultInterval, "time between scans")
	logLevel := fs.String("log.level", "info", "debug, info, warn or error")
	nfdFile := fs.String("nfd-features-file", "", "write node-feature-discovery labels here after each scan (e.g. /etc/kubernetes/node-feature-discovery/features.d/hwgraph)")
	if code, done := parse(fs, args, stdout, stderr); done {
		return code
	}
	sc.afterParse(fs)
	if os.Getenv("GOGC") == "" {
		// A resident agent should stay small: collecting at half the
		// default growth halves its heap, for a collection every scan or
		// two.
		debug.SetGCPercent(50)
	}
	lvl := promslog.NewLevel()
	if err := lvl.Set(*logLevel); err != nil {
		fmt.Fprintf(stderr, "hwgraph: --log.level: %v\n", err)
		return 2
	}
	logger := promslog.New(&promslog.Config{Level: lvl, Writer: stderr})
	logger.Info("starting hwgraph serve", "version", version.Info())
	logger.Info("build context", "build_context", version.BuildContext())
	// Signals are heeded from here: an archive given as --root is
	// unpacked next, and removed by done on the way out.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sc.ownSignals = true
	e, done, code := sc.engine(logger, stderr, false)
	if e == nil {
		return code
	}
	defer done()
	if *nfdFile != "" {
		ttl := 4 * *interval // NFD drops the labels if the agent stops refreshing them
		e.OnScan = func(g *topology.Graph) {
			if err := nfd.WriteFile(*nfdFile, nfd.Format(nfd.Labels(g), time.Now(), ttl)); err != nil {
				logger.Error("writing the NFD feature file", "err", err)
			}
		}
	}
	e.Scan(ctx) // serve a graph from the first request on
	go e.Run(ctx, *interval)
	logger.Info("serving", "addresses", *listen, "state_dir", sc.stateDir, "root", sc.root)
	return serveHTTP(ctx, exporter.Handler(e), *listen, *webConfig, *systemdSocket, logger)
}

// serveHTTP serves h on the comma-separated addresses, with
// exporter-toolkit's TLS and basic auth, until ctx ends; the exit code.
func serveHTTP(ctx context.Context, h http.Handler, listen, webConfig string, systemdSocket bool, logger *slog.Logger) int {
	addrs := splitList(listen)
	srv := exporter.NewServer(h)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	err := web.ListenAndServe(srv, &web.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: &systemdSocket, WebConfigFile: &webConfig}, logger)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("serving", "err", err)
		return 1
	}
	return 0
}
