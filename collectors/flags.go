package collectors

import "github.com/alecthomas/kingpin/v2"

// Flags is where the collectors declare their flags: a kingpin
// Application, or one of its commands.
type Flags interface {
	Flag(name, help string) *kingpin.FlagClause
}

// FlagSet is every collector's flags, declared on a command line
// (AddFlags); once it is parsed, Apply sets the Options they say.
type FlagSet struct {
	apply []func(o *Options, live bool) error
}

// flagDecls are the collectors' flag declarations (registerFlags).
var flagDecls []func(Flags) func(o *Options, live bool) error

// registerFlags declares a collector's flags beside its code: declare
// registers them on f and returns what sets the collector's Options from
// them once parsed, an error for a value it refuses (live: the command
// reads this machine, not a captured tree). Collectors call it from
// their init, after register.
func registerFlags(declare func(f Flags) func(o *Options, live bool) error) {
	flagDecls = append(flagDecls, declare)
}

// AddFlags declares every collector's flags on f.
func AddFlags(f Flags) *FlagSet {
	s := &FlagSet{}
	for _, d := range flagDecls {
		s.apply = append(s.apply, d(f))
	}
	return s
}

// Apply sets o from the parsed flags; live says whether the scan reads
// this machine. The first value refused is the error. A nil FlagSet (a
// scan no command line describes) sets nothing.
func (s *FlagSet) Apply(o *Options, live bool) error {
	if s == nil {
		return nil
	}
	for _, a := range s.apply {
		if err := a(o, live); err != nil {
			return err
		}
	}
	return nil
}
