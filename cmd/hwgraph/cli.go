package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"

	"github.com/hwgraph/hwgraph/collectors"
)

// cli is one command's flags, parsed by kingpin as in node_exporter:
// --flags in --help, --no-FLAG for booleans, --version everywhere. Help
// and the version go to stdout, errors to stderr, and neither exits the
// process, so tests drive the whole command.
type cli struct {
	*kingpin.Application
	stderr io.Writer
	ended  *int // the exit code --help or --version ended the command with
	// format and formats are the command's --format and what it may be
	// (formatFlag), checked by parse.
	format  *string
	formats []string
}

// eventFormats are the formats of the commands that print events.
var eventFormats = []string{"text", "json"}

// formatFlag declares the command's --format, one of formats (the first
// is the default), checked when the flags are parsed: every command's
// format is checked this one way.
func (c *cli) formatFlag(help string, formats ...string) *string {
	c.formats = formats
	c.format = c.Flag("format", help).Default(formats[0]).String()
	return c.format
}

func newCLI(name, help string, stdout, stderr io.Writer) *cli {
	c := &cli{Application: kingpin.New(name, help), stderr: stderr}
	c.UsageWriter(stdout).ErrorWriter(stderr)
	c.Version(version.Print("hwgraph"))
	c.HelpFlag.Short('h')
	c.Terminate(func(code int) {
		if c.ended == nil {
			c.ended = &code
		}
	})
	return c
}

// parse parses args; done is set when the command is to end with code:
// after --help or --version (0), or a flag that is wrong (2).
func (c *cli) parse(args []string) (code int, done bool) {
	_, err := c.Parse(args)
	if c.ended != nil {
		return *c.ended, true
	}
	if err != nil {
		return fail(c.stderr, 2, "%s: %v (see --help)", c.Name, err), true
	}
	if c.format != nil && !slices.Contains(c.formats, *c.format) {
		return fail(c.stderr, 2, "%s: unknown format %q (want one of %s)", c.Name, *c.format, strings.Join(c.formats, ", ")), true
	}
	return 0, false
}

// collectorFlags are node_exporter's --collector.NAME and
// --no-collector.NAME, beside hwgraph's --collectors list.
type collectorFlags struct {
	list                       string
	listGiven, disableDefaults bool
	enabled, given             map[string]*bool
}

func addCollectorFlags(a *kingpin.Application) *collectorFlags {
	f := &collectorFlags{enabled: map[string]*bool{}, given: map[string]*bool{}}
	names := collectors.Names()
	a.Flag("collectors", "Collectors to run, comma-separated (default all: "+strings.Join(names, ",")+"); --collector.NAME and --no-collector.NAME then add and remove.").IsSetByUser(&f.listGiven).StringVar(&f.list)
	a.Flag("collector.disable-defaults", "Start from no collector: only those enabled with --collector.NAME run.").BoolVar(&f.disableDefaults)
	for _, n := range names {
		f.enabled[n], f.given[n] = new(bool), new(bool)
		a.Flag("collector."+n, "Enable the "+n+" collector (default: enabled).").Default("true").IsSetByUser(f.given[n]).BoolVar(f.enabled[n])
	}
	return f
}

// selected is the collectors to run; nil means all (also when no flags
// were registered).
func (f *collectorFlags) selected() []string {
	if f == nil {
		return nil
	}
	var base []string
	switch {
	case f.listGiven:
		base = append([]string{}, splitList(f.list)...) // none named: Select refuses
	case f.disableDefaults:
		base = []string{}
	}
	changed := false
	for _, n := range collectors.Names() {
		changed = changed || *f.given[n]
	}
	if base == nil && !changed {
		return nil
	}
	if base == nil {
		base = collectors.Names()
	}
	out := []string{} // not nil: that would mean all
	for _, n := range base {
		if g, ok := f.given[n]; !ok || !*g || *f.enabled[n] { // an unknown name is Select's to refuse
			out = append(out, n)
		}
	}
	for _, n := range collectors.Names() {
		if *f.given[n] && *f.enabled[n] && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// fail says on stderr why a command ends, and returns the exit code it
// ends with: every command's errors end this one way.
func fail(stderr io.Writer, code int, format string, args ...any) int {
	fmt.Fprintf(stderr, format+"\n", args...)
	return code
}
