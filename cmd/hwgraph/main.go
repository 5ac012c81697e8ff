// Command hwgraph prints the machine as a graph of components and links with
// their health: `hwgraph` for this machine, `hwgraph --root DIR` for a
// captured tree. Subcommands keep history: `baseline accept`, `diff`,
// `events`, `watch`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/capture/archive"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/exporter"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/internal/atomicfile"
	"github.com/hwgraph/hwgraph/nvgpu"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code, so tests can
// drive the whole command.
func run(args []string, stdout, stderr io.Writer) int {
	c := newCLI(stdout, stderr)
	for _, declare := range commandList {
		declare(c)
	}
	return c.execute(args)
}

// commandList declares hwgraph's commands, in the order --help lists
// them; the first is the default.
var commandList = []func(*cli){showCommand, serveCommand, watchCommand, baselineCommand, eventsCommand, checkCommand,
	captureCommand, diffCommand, clusterCommand}

// showCommand is the bare `hwgraph`: one scan of this machine (or of
// --root), printed.
func showCommand(app *cli) {
	c := app.command(nil, "show", "Prints this machine's components, links and their health (the default: `hwgraph` alone).")
	c.Default()
	sc := addScanFlags(c)
	formats := append(slices.Clone(topology.Formats), "prom")
	format := c.formatFlag("Output format: "+strings.Join(formats, ", ")+" (prom: the graph's series as /metrics serves them, for node_exporter's textfile collector).", formats...)
	var svgOpt topology.SVGOptions
	c.Flag("no-io", "With --format svg: CPUs and memory only, as lstopo --no-io.").BoolVar(&svgOpt.NoIO)
	c.Flag("only-unhealthy", "With --format svg: only the parts that are not ok, in the boxes that hold them.").BoolVar(&svgOpt.OnlyUnhealthy)
	output := c.Flag("output", "Write to this file instead of standard output; it appears whole or not at all (a textfile collector's hwgraph.prom).").Short('o').PlaceHolder("FILE").String()
	c.run = func() int {
		stdout, stderr := app.stdout, app.stderr
		if os.Getenv("GOGC") == "" {
			// A one-shot run lives for milliseconds and keeps all it
			// reads: collecting as the heap grows is wasted work, so
			// let it grow fivefold.
			debug.SetGCPercent(400)
		}
		g, code := sc.scanOnce(stderr)
		if g == nil {
			return code
		}
		render := func(w io.Writer) error {
			switch *format {
			case "prom":
				return exporter.WriteText(w, g)
			case "svg":
				return topology.WriteSVG(w, g, svgOpt)
			}
			return topology.Render(w, g, *format)
		}
		var err error
		if *output != "" {
			err = atomicfile.Write(*output, render)
		} else {
			err = render(stdout)
		}
		if err != nil {
			return fail(stderr, 1, "hwgraph: %v", err)
		}
		return 0
	}
}

// scanConfig holds the flags every command that scans shares.
type scanConfig struct {
	root, hostRoot, stateDir, deviceEvents string
	timeout, fullInterval, foldWindow      time.Duration
	stateDirGiven                          bool
	ceThreshold                            uint64
	collectors                             *collectorFlags
	// flags are the collectors' own (collectors.AddFlags).
	flags *collectors.FlagSet
	// ownSignals is set by commands that stop on a signal and call
	// engine's done themselves (serve, watch); for the others, engine
	// removes an unpacked archive when a signal ends the process.
	ownSignals bool
	// agent is set by the commands that scan again and again (serve,
	// watch): slow sources are read apart from their scans.
	agent bool
}

func addScanFlags(cmd *command) *scanConfig {
	a := cmd
	c := &scanConfig{}
	a.Flag("root", "Filesystem root to read: a captured tree holding sys/ and proc/, or a capture archive (hwgraph capture, hwloc-gather-topology); nothing live is asked.").Default("/").StringVar(&c.root)
	a.Flag("host-root", "This machine's filesystem mounted here (a container's /host): read as the live machine, with NVML, the kernel log, device events and the BMC.").StringVar(&c.hostRoot)
	c.collectors = addCollectorFlags(a)
	a.Flag("timeout", "Deadline for the whole scan; a collector still running then is reported as timed out.").Default(scan.DefaultTimeout.String()).DurationVar(&c.timeout)
	c.flags = collectors.AddFlags(a)
	a.Flag("state-dir", "Folder for what is kept between runs (baseline, last scan, event journal, SEL cursor); \"\" keeps nothing. Used for the live machine; give it explicitly for --root.").Default(defaultStateDir()).IsSetByUser(&c.stateDirGiven).StringVar(&c.stateDir)
	a.Flag("events.fold-window", "Fold repeats of one kind of event on one part within this long of the first into one event with a count (an Xid or AER storm); 0 keeps each.").Default(scan.DefaultFoldWindow.String()).DurationVar(&c.foldWindow)
	a.Flag("scan.full-interval", "How long a PCI function's identity and placement are trusted between scans before they are read again whole (a device event rereads them at once).").Default(collectors.DefaultFullScanInterval.String()).DurationVar(&c.fullInterval)
	a.Flag("scan.device-events", "Listen to the kernel's device events, and trust between them what changes only with one (a PCI function's driver and device path, the CPUs' topology): auto on the live machine, on also below --root (a benchmark of what a live agent reads), off never.").Default("auto").EnumVar(&c.deviceEvents, "auto", "on", "off")
	a.Flag("ce-threshold", "New corrected memory errors between two scans that degrade a DIMM.").Default("1").Uint64Var(&c.ceThreshold)
	cmd.settle = append(cmd.settle, c.afterParse)
	return c
}

// defaultStateDir is /var/lib/hwgraph for root, else the XDG state
// folder.
func defaultStateDir() string {
	if d, ok := os.LookupEnv("HWGRAPH_STATE_DIR"); ok {
		return d // a unit file's or a container's choice, and the tests'
	}
	if os.Geteuid() == 0 {
		return "/var/lib/hwgraph"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "hwgraph")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "hwgraph")
	}
	return ""
}

// afterParse settles what depends on which flags were given: the state
// folder is used for the live machine, and for a --root capture only when
// given explicitly (a capture's history is not this machine's).
func (c *scanConfig) afterParse() {
	if !c.stateDirGiven && !c.live() {
		c.stateDir = ""
	}
}

// live reports whether the flags name this machine: / or --host-root.
func (c *scanConfig) live() bool { return c.hostRoot != "" || filepath.Clean(c.root) == "/" }

// env is what the collectors read.
func (c *scanConfig) env() collectors.Env {
	if c.hostRoot != "" {
		return collectors.Env{Root: c.hostRoot, Host: true}
	}
	return collectors.Env{Root: c.root}
}

// options validates the flags into the collectors' options; the state
// folder is set by engine.
func (c *scanConfig) options() (collectors.Options, error) {
	opts := collectors.Options{Rules: topology.Rules{CorrectedErrors: c.ceThreshold}, FullScanInterval: c.fullInterval, Agent: c.agent}
	if c.timeout <= 0 {
		return opts, errors.New("--timeout must be positive")
	}
	if c.hostRoot != "" && filepath.Clean(c.root) != "/" {
		return opts, errors.New("--root (a capture) and --host-root (this machine elsewhere) exclude each other")
	}
	if err := checkRoot(c.env().Root); err != nil {
		return opts, err
	}
	if err := c.flags.Apply(&opts, c.live()); err != nil {
		return opts, err
	}
	return opts, nil
}

// engine builds the scan engine the flags describe, with its state folder
// open (done closes it). A folder another process writes (the agent) is
// an error, unless readBeside: then it is opened to read, and the scan is
// judged against it without being recorded. On failure engine has
// reported why and returns the exit code: 2 for bad flags, 1 for a state
// folder that cannot be opened.
func (c *scanConfig) engine(logger *slog.Logger, stderr io.Writer, readBeside bool) (e *scan.Engine, done func(), code int) {
	m, rootDone, err := c.openRoot()
	if err != nil {
		return nil, nil, fail(stderr, 2, "hwgraph: %v", err)
	}
	opts, err := c.options()
	if err != nil {
		rootDone()
		return nil, nil, fail(stderr, 2, "hwgraph: %v", err)
	}
	c.replay(&opts, m)
	done = rootDone
	var st *history.Store
	if c.stateDir != "" {
		st, err = history.Open(c.stateDir)
		var locked *history.ErrLocked
		if errors.As(err, &locked) && readBeside {
			fmt.Fprintf(stderr, "hwgraph: %v: judging against it, not recording\n", err)
			st, err = history.OpenReadOnly(c.stateDir)
		}
		if err != nil {
			rootDone()
			return nil, nil, fail(stderr, 1, "hwgraph: %v (--state-dir \"\" keeps no state)", err)
		}
		if !st.ReadOnly() {
			opts.State = st.Cursors()
		}
		done = func() { st.Close(); rootDone() }
	}
	reg := collectors.New(opts)
	if only := c.collectors.selected(); only != nil {
		if reg, err = reg.Select(only); err != nil {
			done()
			return nil, nil, fail(stderr, 2, "hwgraph: --collectors: %v", err)
		}
	}
	events := map[string]scan.DeviceEvents{"auto": scan.DeviceEventsAuto, "on": scan.DeviceEventsOn, "off": scan.DeviceEventsOff}[c.deviceEvents]
	return &scan.Engine{Source: &scan.Machine{Registry: reg, Env: c.env(), DeviceEvents: events}, Timeout: c.timeout, Store: st, Logger: logger, FoldWindow: c.foldWindow}, done, 0
}

// scanOnce is the bare command: one scan, judged and recorded.
func (c *scanConfig) scanOnce(stderr io.Writer) (*topology.Graph, int) {
	e, done, code := c.engine(cliLogger(stderr), stderr, true)
	if e == nil {
		return nil, code
	}
	defer done()
	return e.Scan(context.Background()), 0
}

// checkRoot refuses a root that is not a directory or holds neither sys/
// nor proc/: reading it would print an empty machine, which looks like a
// result but is a mistake.
func checkRoot(root string) error {
	fi, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("--root %s: not a directory", root)
	}
	for _, d := range []string{"sys", "proc"} {
		if fi, err := os.Stat(filepath.Join(root, d)); err == nil && fi.IsDir() {
			return nil
		}
	}
	return fmt.Errorf("--root %s: holds neither sys/ nor proc/; point it at a filesystem root or a captured tree", root)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// openRoot makes --root readable: an archive is unpacked into a
// temporary folder, which done removes — also when a signal ends the
// process, unless the command stops on signals itself and calls done.
// A capture's manifest is returned for its recorded answers; a tree
// without one gives nil.
func (c *scanConfig) openRoot() (m *capture.Manifest, done func(), err error) {
	if c.live() {
		return nil, func() {}, nil
	}
	done = func() {}
	tmp := ""
	if fi, err := os.Stat(c.root); err == nil && !fi.IsDir() {
		if tmp, err = os.MkdirTemp("", "hwgraph-root-"); err != nil {
			return nil, nil, fmt.Errorf("--root: %w", err)
		}
		done = func() { removeAll(tmp) }
		if !c.ownSignals {
			done = removeOnSignal(done) // before unpacking: it takes a while
		}
	}
	root, err := archive.OpenIn(c.root, tmp)
	if err != nil {
		done()
		if tmp == "" {
			return nil, nil, fmt.Errorf("--root %s: %w", c.root, err)
		}
		return nil, nil, fmt.Errorf("--root %w", err)
	}
	c.root = root
	if m, err = capture.ReadManifest(root); err != nil {
		done()
		return nil, nil, fmt.Errorf("--root: %w", err)
	}
	return m, done, nil
}

// replay answers NVML and the BMC from what a capture recorded, unless
// the flags name a live BMC.
func (c *scanConfig) replay(opts *collectors.Options, m *capture.Manifest) {
	if m == nil {
		return
	}
	if len(m.NVML) > 0 {
		opts.NVML = nvgpu.NewReplay(m.NVML)
	}
	if m.BMC != nil && opts.BMC.Host == "" && opts.Redfish.URL == "" {
		opts.BMCReplay = m.BMC
	}
	if len(m.NVMe) > 0 {
		opts.NVMeReplay = m.NVMe
	}
}

// removeOnSignal returns done, to be called once, which also runs when
// SIGINT or SIGTERM ends the process first. Once a signal came, the
// process ends by it: the returned function then waits for the end
// rather than let the command exit its own way.
func removeOnSignal(done func()) func() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	stop := make(chan struct{})
	var mu sync.Mutex
	go func() {
		select {
		case s := <-sig:
			mu.Lock() // held until the exit
			done()
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-stop:
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			signal.Stop(sig)
			close(stop)
			done()
		})
	}
}

// removeAll removes a folder that an unpacking a signal interrupted may
// still be writing into: a removal that races a new file fails, and
// once the folder itself is gone nothing can be made in it.
func removeAll(dir string) {
	for range 100 {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
	}
}
