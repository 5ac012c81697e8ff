// Command hwgraph prints the machine as a graph of components and links with
// their health: `hwgraph` for this machine, `hwgraph --root DIR` for a
// captured tree. Subcommands keep history: `baseline accept`, `diff`,
// `events`, `watch`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	pi2c "periph.io/x/conn/v3/i2c"
	"periph.io/x/host/v3/sysfs"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/i2c"
	"github.com/hwgraph/hwgraph/topology"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// commands are the subcommands; the bare command scans and prints.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"baseline": runBaseline,
	"diff":     runDiff,
	"events":   runEvents,
	"watch":    runWatch,
}

// run is main without the process: it returns the exit code, so tests can
// drive the whole command.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if cmd, ok := commands[args[0]]; ok {
			return cmd(args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("hwgraph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sc := addScanFlags(fs)
	format := fs.String("format", "tree", "output format: "+strings.Join(topology.Formats, ", "))
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: hwgraph [flags]\n"+
			"       hwgraph serve | watch | baseline accept | events | diff OLD.json NEW.json | cluster [serve]  [flags]\n\n"+
			"Prints this machine's components, links and their health.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, done := parse(fs, args, stdout, stderr); done {
		return code
	}
	sc.afterParse(fs)
	if !validFormat(*format) {
		fmt.Fprintf(stderr, "hwgraph: unknown format %q (want one of %s)\n", *format, strings.Join(topology.Formats, ", "))
		return 2
	}
	if os.Getenv("GOGC") == "" {
		// A one-shot run lives for milliseconds and keeps all it reads:
		// collecting as the heap grows is wasted work (a tenth of a scan of
		// a 64-node machine's 2,016 links), so let it grow fivefold.
		debug.SetGCPercent(400)
	}
	g, code := sc.scanAndRecord(stderr)
	if g == nil {
		return code
	}
	if err := topology.Render(stdout, g, *format); err != nil {
		fmt.Fprintf(stderr, "hwgraph: %v\n", err)
		return 1
	}
	return 0
}

// parse parses flags of a command that takes no arguments; done is set
// when the command should exit with code.
func parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	if code, done := parseWithArgs(fs, args, stdout, stderr); done {
		return code, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hwgraph: unexpected argument %q\n", fs.Arg(0))
		return 2, true
	}
	return 0, false
}

// parseWithArgs parses flags, leaving arguments in fs.Args(). Every
// subcommand answers --version here.
func parseWithArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	if *showVersion {
		printVersion(stdout)
		return 0, true
	}
	return 0, false
}

// scanConfig holds the flags every command that scans shares.
type scanConfig struct {
	root, only, i2cRead, bmcHost, bmcUser, bmcPassFile, stateDir, kmsgFile string
	timeout                                                                time.Duration
	bmcNoChassis                                                           bool
	ceThreshold                                                            uint64
}

func addScanFlags(fs *flag.FlagSet) *scanConfig {
	c := &scanConfig{}
	fs.StringVar(&c.root, "root", "/", "filesystem root to read (a captured tree holding sys/ and proc/)")
	fs.StringVar(&c.only, "collectors", "", "comma-separated collectors to run (default all: "+strings.Join(collectors.Default.Names(), ",")+")")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "deadline for the whole scan; a collector still running then is reported as timed out")
	fs.StringVar(&c.i2cRead, "i2c-read", "", "opt-in: read these I2C devices, read-only, to detect locked buses: BUS:ADDR[:LEN],… (live machine only; nothing is ever written)")
	fs.StringVar(&c.bmcHost, "bmc", "", "read this BMC over IPMI RMCP+ (lanplus): HOST[:PORT]; without it the in-band /dev/ipmi0 is used when present")
	fs.StringVar(&c.bmcUser, "bmc-user", "", "IPMI user name for --bmc")
	fs.StringVar(&c.bmcPassFile, "bmc-password-file", "", "file holding the IPMI password for --bmc (or set HWGRAPH_BMC_PASSWORD); never given on the command line")
	fs.BoolVar(&c.bmcNoChassis, "bmc-no-chassis", false, "skip Get Chassis Status, for BMCs that mishandle it (OpenIPMI's ipmi_sim exits on it)")
	fs.StringVar(&c.stateDir, "state-dir", defaultStateDir(), "folder for what is kept between runs (baseline, last scan, event journal, SEL cursor); \"\" keeps nothing. Used for the live machine; give it explicitly for --root")
	fs.StringVar(&c.kmsgFile, "kmsg", "", "read this saved kernel log (dmesg or /dev/kmsg format) instead of /dev/kmsg")
	fs.Uint64Var(&c.ceThreshold, "ce-threshold", 1, "new corrected memory errors between two scans that degrade a DIMM")
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
func (c *scanConfig) afterParse(fs *flag.FlagSet) {
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "state-dir" })
	if !explicit && filepath.Clean(c.root) != "/" {
		c.stateDir = ""
	}
}

// registry validates the flags and wires them into the collectors.
func (c *scanConfig) registry(stateDir string) (*collectors.Registry, error) {
	if c.timeout <= 0 {
		return nil, errors.New("--timeout must be positive")
	}
	if err := checkRoot(c.root); err != nil {
		return nil, err
	}
	reg := collectors.Default
	reg.Rules = topology.Rules{CorrectedErrors: c.ceThreshold}
	if col, ok := reg.Get("i2c").(*collectors.I2C); ok {
		col.Prober = nil // only what this run's flags ask for
	}
	if c.i2cRead != "" {
		if err := wireI2C(reg, c.i2cRead, c.root); err != nil {
			return nil, fmt.Errorf("--i2c-read: %w", err)
		}
	}
	if col, ok := reg.Get("bmc").(*collectors.BMC); ok {
		col.SkipChassis = c.bmcNoChassis
	}
	if err := wireBMC(reg, c.bmcHost, c.bmcUser, c.bmcPassFile, stateDir); err != nil {
		return nil, err
	}
	if col, ok := reg.Get("kmsg").(*collectors.Kmsg); ok {
		col.File, col.StateDir = c.kmsgFile, stateDir
	}
	if c.only != "" {
		var err error
		if reg, err = reg.Select(splitList(c.only)); err != nil {
			return nil, fmt.Errorf("--collectors: %w", err)
		}
	}
	return reg, nil
}

// scanAndRecord scans and, with a state folder, judges the scan against
// the remembered baseline and last scan and records it. It returns nil
// and the exit code on failure.
func (c *scanConfig) scanAndRecord(stderr io.Writer) (*topology.Graph, int) {
	reg, err := c.registry(c.stateDir)
	if err != nil {
		fmt.Fprintf(stderr, "hwgraph: %v\n", err)
		return nil, 2
	}
	st, code := c.openState(stderr)
	if code != 0 {
		return nil, code
	}
	if st != nil {
		defer st.Close()
	}
	return c.scanWith(reg, st, stderr), 0
}

// openState opens the state folder, nil without one; a non-zero code on
// failure, already reported.
func (c *scanConfig) openState(stderr io.Writer) (*history.Store, int) {
	if c.stateDir == "" {
		return nil, 0
	}
	st, err := history.Open(c.stateDir)
	if err != nil {
		fmt.Fprintf(stderr, "hwgraph: %v (--state-dir \"\" keeps no state)\n", err)
		return nil, 1
	}
	return st, 0
}

// scanWith scans with reg and, when st is set, judges against and records
// into it.
func (c *scanConfig) scanWith(reg *collectors.Registry, st *history.Store, stderr io.Writer) *topology.Graph {
	var last *topology.Graph
	if st != nil {
		var err error
		if last, err = st.Last(); err != nil {
			fmt.Fprintf(stderr, "hwgraph: %v; judging without the last scan\n", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	g := reg.Scan(ctx, collectorsEnv(c), last)
	if st != nil {
		if err := st.Record(g, time.Now().UTC()); err != nil {
			fmt.Fprintf(stderr, "hwgraph: recording the scan: %v\n", err)
		}
	}
	return g
}

// wireI2C gives the I²C collector its allow-list and periph's Linux
// /dev/i2c-N driver.
func wireI2C(reg *collectors.Registry, list, root string) error {
	if filepath.Clean(root) != "/" {
		return errors.New("reads the live machine's buses; it cannot be used with --root")
	}
	targets, err := i2c.ParseTargets(list)
	if err != nil {
		return err
	}
	c, ok := reg.Get("i2c").(*collectors.I2C)
	if !ok {
		return errors.New("this build has no I2C collector")
	}
	c.Prober = &i2c.Prober{Targets: targets, Open: func(bus int) (pi2c.BusCloser, error) {
		return sysfs.NewI2C(bus)
	}}
	return nil
}

// wireBMC configures the BMC collector. The password is read from a file
// or the environment: argv is visible to every user of the machine.
func wireBMC(reg *collectors.Registry, host, user, passFile, stateDir string) error {
	c, ok := reg.Get("bmc").(*collectors.BMC)
	if !ok {
		return nil
	}
	c.StateDir = stateDir
	c.Host, c.User, c.Password = "", "", ""
	if host == "" {
		return nil
	}
	pass := os.Getenv("HWGRAPH_BMC_PASSWORD")
	if passFile != "" {
		b, err := os.ReadFile(passFile)
		if err != nil {
			return fmt.Errorf("--bmc-password-file: %w", err)
		}
		pass = strings.TrimRight(string(b), "\r\n")
	}
	if pass == "" {
		return errors.New("--bmc needs a password: --bmc-password-file FILE or HWGRAPH_BMC_PASSWORD")
	}
	c.Host, c.User, c.Password = host, user, pass
	return nil
}

func collectorsEnv(c *scanConfig) collectors.Env { return collectors.Env{Root: c.root} }

// collectorsEnvT names the Env type for interfaces of optional collector
// methods (the GPU collector's Xid watch).
type collectorsEnvT = collectors.Env

func validFormat(f string) bool {
	for _, v := range topology.Formats {
		if f == v {
			return true
		}
	}
	return false
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
