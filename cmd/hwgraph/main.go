// Command hwgraph prints the machine as a graph of components and links with
// their health: `hwgraph` for this machine, `hwgraph --root DIR` for a
// captured tree.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	pi2c "periph.io/x/conn/v3/i2c"
	"periph.io/x/host/v3/sysfs"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/i2c"
	"github.com/hwgraph/hwgraph/topology"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code, so tests can
// drive the whole command.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hwgraph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "/", "filesystem root to read (a captured tree holding sys/ and proc/)")
	format := fs.String("format", "tree", "output format: "+strings.Join(topology.Formats, ", "))
	only := fs.String("collectors", "", "comma-separated collectors to run (default all: "+strings.Join(collectors.Default.Names(), ",")+")")
	timeout := fs.Duration("timeout", 10*time.Second, "deadline for the whole scan; a collector still running then is reported as timed out")
	i2cRead := fs.String("i2c-read", "", "opt-in: read these I2C devices, read-only, to detect locked buses: BUS:ADDR[:LEN],… (live machine only; nothing is ever written)")
	bmcHost := fs.String("bmc", "", "read this BMC over IPMI RMCP+ (lanplus): HOST[:PORT]; without it the in-band /dev/ipmi0 is used when present")
	bmcUser := fs.String("bmc-user", "", "IPMI user name for --bmc")
	bmcPassFile := fs.String("bmc-password-file", "", "file holding the IPMI password for --bmc (or set HWGRAPH_BMC_PASSWORD); never given on the command line")
	bmcNoChassis := fs.Bool("bmc-no-chassis", false, "skip Get Chassis Status, for BMCs that mishandle it (OpenIPMI's ipmi_sim exits on it)")
	stateDir := fs.String("state-dir", "", "folder for state kept across runs (the BMC's SEL cursor); empty keeps none")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: hwgraph [flags]\n\nPrints this machine's components, links and their health.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hwgraph: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "hwgraph %s\n", version)
		return 0
	}
	if !validFormat(*format) {
		fmt.Fprintf(stderr, "hwgraph: unknown format %q (want one of %s)\n", *format, strings.Join(topology.Formats, ", "))
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintln(stderr, "hwgraph: --timeout must be positive")
		return 2
	}
	if err := checkRoot(*root); err != nil {
		fmt.Fprintf(stderr, "hwgraph: %v\n", err)
		return 2
	}
	reg := collectors.Default
	if c, ok := reg.Get("i2c").(*collectors.I2C); ok {
		c.Prober = nil // only what this run's flags ask for
	}
	if *i2cRead != "" {
		if err := wireI2C(reg, *i2cRead, *root); err != nil {
			fmt.Fprintf(stderr, "hwgraph: --i2c-read: %v\n", err)
			return 2
		}
	}
	if c, ok := reg.Get("bmc").(*collectors.BMC); ok {
		c.SkipChassis = *bmcNoChassis
	}
	if err := wireBMC(reg, *bmcHost, *bmcUser, *bmcPassFile, *stateDir); err != nil {
		fmt.Fprintf(stderr, "hwgraph: %v\n", err)
		return 2
	}
	if *only != "" {
		var err error
		if reg, err = reg.Select(splitList(*only)); err != nil {
			fmt.Fprintf(stderr, "hwgraph: --collectors: %v\n", err)
			return 2
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	g := reg.Scan(ctx, collectors.Env{Root: *root}, nil)
	if err := topology.Render(stdout, g, *format); err != nil {
		fmt.Fprintf(stderr, "hwgraph: %v\n", err)
		return 1
	}
	return 0
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
