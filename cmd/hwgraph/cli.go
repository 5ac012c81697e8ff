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

// cli is hwgraph's command line, parsed by kingpin as in node_exporter:
// one application, a kingpin command each (the bare `hwgraph` is the
// default, show), --flags in --help, --no-FLAG for booleans, --version
// everywhere. Help and the version go to stdout, errors to stderr, and
// neither exits the process, so tests drive the whole command.
type cli struct {
	*kingpin.Application
	stdout, stderr io.Writer
	ended          *int                // the exit code --help or --version ended the command with
	commands       map[string]*command // by kingpin's FullCommand
}

// command is one of hwgraph's commands: its flags, and what it does once
// they are parsed.
type command struct {
	*kingpin.CmdClause
	cli *cli
	// settle are run once the flags are parsed, before run: what depends
	// on which flags were given.
	settle []func()
	run    func() int
	// format and formats are the command's --format and what it may be
	// (formatFlag), checked once the flags are parsed.
	format  *string
	formats []string
}

func newCLI(stdout, stderr io.Writer) *cli {
	c := &cli{Application: kingpin.New("hwgraph", "Shows this machine's components, links and their health, as a tree of its parts (hwgraph show, the default), and serves them to Prometheus (hwgraph serve)."),
		stdout: stdout, stderr: stderr, commands: map[string]*command{}}
	c.UsageWriter(stdout).ErrorWriter(stderr)
	c.UsageTemplate(usageTemplate)
	c.Version(version.Print("hwgraph"))
	c.HelpFlag.Short('h')
	c.Terminate(func(code int) {
		if c.ended == nil {
			c.ended = &code
		}
	})
	return c
}

// command adds a command, below parent when it is not nil ("cluster
// serve"); run is set by its declaration.
func (c *cli) command(parent *command, name, help string) *command {
	cmd := &command{cli: c}
	if parent != nil {
		cmd.CmdClause = parent.Command(name, help)
	} else {
		cmd.CmdClause = c.Command(name, help)
	}
	c.commands[cmd.FullCommand()] = cmd
	return cmd
}

// execute parses args and runs the command they name: its exit code,
// 0 after --help or --version, 2 for flags that are wrong.
func (c *cli) execute(args []string) int {
	name, err := c.Parse(args)
	if c.ended != nil {
		return *c.ended
	}
	if err != nil {
		return fail(c.stderr, 2, "hwgraph: %v (see --help)", err)
	}
	cmd := c.commands[name]
	if cmd.format != nil && !slices.Contains(cmd.formats, *cmd.format) {
		return fail(c.stderr, 2, "hwgraph %s: unknown format %q (want one of %s)", name, *cmd.format, strings.Join(cmd.formats, ", "))
	}
	for _, s := range cmd.settle {
		s()
	}
	return cmd.run()
}

// eventFormats are the formats of the commands that print events.
var eventFormats = []string{"text", "json"}

// formatFlag declares the command's --format, one of formats (the first
// is the default), checked when the flags are parsed: every command's
// format is checked this one way.
func (c *command) formatFlag(help string, formats ...string) *string {
	c.formats = formats
	c.format = c.Flag("format", help).Default(formats[0]).String()
	return c.format
}

// flagGroup is where flags are declared: a command, or the application.
type flagGroup interface {
	Flag(name, help string) *kingpin.FlagClause
}

// usageTemplate is kingpin's default, and for the bare `hwgraph --help`
// also the default command's flags: what `hwgraph` alone takes.
var usageTemplate = strings.Replace(kingpin.DefaultUsageTemplate, `{{else if .App.Commands -}}
Commands:`, `{{else if .App.Commands -}}
{{range .App.Commands}}{{if .Default}}Flags of hwgraph {{.Name}}, the default command:
{{.Flags|FlagsToTwoColumns|FormatTwoColumns}}
{{end}}{{end -}}
Commands:`, 1)

// collectorFlags are node_exporter's --collector.NAME and
// --no-collector.NAME, beside hwgraph's --collectors list.
type collectorFlags struct {
	list                       string
	listGiven, disableDefaults bool
	enabled, given             map[string]*bool
}

func addCollectorFlags(a flagGroup) *collectorFlags {
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
