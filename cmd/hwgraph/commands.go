package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// baselineCommand is `hwgraph baseline accept`: scan, and take the result as
// the new normal (after a planned change: a DIMM pulled, a card moved).
func baselineCommand(app *cli) {
	parent := app.command(nil, "baseline", "The baseline a scan is judged against: hwgraph baseline accept.")
	c := app.command(parent, "accept", "Scans, and takes the result as the new normal (after a planned change: a DIMM pulled, a card moved).")
	sc := addScanFlags(c)
	c.run = func() int {
		stdout, stderr := app.stdout, app.stderr
		if sc.stateDir == "" {
			return fail(stderr, 2, "hwgraph: baseline accept needs --state-dir")
		}
		e, done, code := sc.engine(cliLogger(stderr), stderr, false)
		if e == nil {
			return code
		}
		defer done()
		g, err := e.Accept(context.Background())
		if err != nil {
			return fail(stderr, 1, "hwgraph: %v", err)
		}
		fmt.Fprintf(stdout, "baseline accepted: %d components, %d links (%s)\n", len(g.Components), len(g.Links), sc.stateDir)
		return 0
	}
}

// diffCommand is `hwgraph diff OLD NEW`: what changed between two saved
// graphs, captures or captured trees, as events.
func diffCommand(app *cli) {
	c := app.command(nil, "diff", "What changed between two graphs, as events. OLD and NEW are graphs saved with --format json, capture archives (hwgraph capture) or captured trees.")
	format := c.formatFlag("text or json.", eventFormats...)
	oldPath := c.Arg("OLD", "The earlier graph, capture or tree.").Required().String()
	newPath := c.Arg("NEW", "The later graph, capture or tree.").Required().String()
	c.run = func() int {
		stdout, stderr := app.stdout, app.stderr
		var graphs [2]*topology.Graph
		for i, path := range []string{*oldPath, *newPath} {
			var code int
			if graphs[i], code = loadGraph(path, stderr); graphs[i] == nil {
				return code
			}
		}
		return printEvents(stdout, stderr, topology.Diff(graphs[0], graphs[1], graphs[1].Time), *format)
	}
}

// eventsCommand is `hwgraph events`: the journal, like ras-mc-ctl --errors for
// the whole machine.
func eventsCommand(app *cli) {
	c := app.command(nil, "events", "The journal of what changed, like ras-mc-ctl --errors for the whole machine.")
	stateDir := c.Flag("state-dir", "The state folder holding the journal.").Default(defaultStateDir()).String()
	since := c.Flag("since", "Only events since: a duration back (1h, 7d) or an RFC 3339 time (default: all kept).").String()
	id := c.Flag("component", "Only events of this component or link ID.").String()
	format := c.formatFlag("text or json.", eventFormats...)
	c.run = func() int {
		stdout, stderr := app.stdout, app.stderr
		from, err := topology.ParseSince(*since, time.Now())
		if err != nil {
			return fail(stderr, 2, "hwgraph: --since: %v", err)
		}
		// Read-only: beside a running agent, and without creating a folder
		// that a typo named.
		st, err := history.OpenReadOnly(*stateDir)
		if err != nil {
			return fail(stderr, 1, "hwgraph: %v", err)
		}
		defer st.Close()
		events, err := st.Journal.Query(from, *id)
		if err != nil {
			return fail(stderr, 1, "hwgraph: %v", err)
		}
		return printEvents(stdout, stderr, events, *format)
	}
}

func printEvents(stdout, stderr io.Writer, events []topology.Event, format string) int {
	switch format {
	case "json":
		if events == nil {
			events = []topology.Event{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(events); err != nil {
			return fail(stderr, 1, "hwgraph: %v", err)
		}
	default:
		for _, e := range events {
			fmt.Fprintln(stdout, eventLine(e))
		}
	}
	return 0
}

// eventLine is an event for the terminal, its strings escaped: they came
// from a kernel log or another machine.
func eventLine(e topology.Event) string {
	e = e.Printable()
	return fmt.Sprintf("%s  %-8s  %-16s  %-28s  %s%s", e.Time.Local().Format(time.RFC3339), e.Severity, e.Kind, e.Subject(), e.Message, e.FoldedSuffix())
}

// watchCommand is `hwgraph watch`: rescan on an interval and at once on a
// kernel device event, and print events as they happen.
func watchCommand(app *cli) {
	c := app.command(nil, "watch", "Scans on an interval and on device events, printing each change as it happens.")
	sc := addScanFlags(c)
	interval := c.Flag("interval", "Time between scans.").Default(scan.DefaultInterval.String()).Duration()
	scans := c.Flag("scans", "Stop after this many scans (0: until interrupted).").Default("0").Int()
	c.run = func() int {
		stdout, stderr := app.stdout, app.stderr
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		sc.ownSignals, sc.agent = true, true
		e, done, code := sc.engine(cliLogger(stderr), stderr, false)
		if e == nil {
			return code
		}
		defer done()
		e.Start(ctx)
		for n := 1; ; n++ {
			for _, ev := range e.Scan(ctx).Events {
				fmt.Fprintln(stdout, eventLine(ev))
			}
			if *scans > 0 && n >= *scans {
				return 0
			}
			if !e.Wait(ctx, *interval) {
				return 0
			}
		}
	}
}

// loadGraph reads a graph saved as JSON, or scans a capture archive or a
// captured tree as --root would; on failure it has said why and returns
// the exit code.
func loadGraph(path string, stderr io.Writer) (*topology.Graph, int) {
	if isJSONFile(path) {
		f, err := os.Open(path)
		if err != nil {
			return nil, fail(stderr, 1, "hwgraph: %v", err)
		}
		defer f.Close()
		g, err := topology.ReadJSON(f)
		if err != nil {
			return nil, fail(stderr, 1, "hwgraph: %s: %v", path, err)
		}
		return g, 0
	}
	sc := &scanConfig{root: path, timeout: scan.DefaultTimeout, ceThreshold: 1}
	e, done, code := sc.engine(cliLogger(stderr), stderr, false)
	if e == nil {
		return nil, code
	}
	defer done()
	return e.Scan(context.Background()), 0
}

// isJSONFile reports whether path is a file that starts as JSON does,
// rather than a folder or an archive.
func isJSONFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return true // let the reader report it
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		return false
	}
	var b [64]byte
	n, _ := f.Read(b[:])
	s := strings.TrimLeft(string(b[:n]), " \t\r\n")
	return s == "" || s[0] == '{'
}
