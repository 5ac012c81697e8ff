// Package collectors holds one collector per source of hardware facts. Each
// turns its source into a topology.Fragment; the Registry runs them
// concurrently under a deadline and records how each fared, so one broken or
// hung source costs its own part of the graph and nothing else.
package collectors

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/internal/sysfsattr"
	"github.com/hwgraph/hwgraph/topology"
)

// ErrAbsent is returned by a collector whose hardware is not there (no GPU,
// no BMC, no NUMA information). It is not a failure.
var ErrAbsent = errors.New("hardware absent")

// Env is what every collector is given besides its context.
type Env struct {
	// Root is the filesystem root to read: "/" for this machine, or a
	// captured tree holding sys/ and proc/. A captured tree may come from
	// anyone, so while a collector reads one, every read below it is
	// confined to it (sysfsattr.Confine): a link cannot lead out of it,
	// and only regular files are read.
	Root string
	// Host says Root is this machine mounted at another path (--host-root:
	// a container's /host), read as the live machine: live sources are
	// asked and reads are not confined. Devices (/dev/kmsg, /dev/ipmi0,
	// /dev/i2c-N) and NVML are the process's own, mounted into the
	// container at their usual paths.
	Host bool
	// Unconfined lets a collector follow links out of a captured tree:
	// for fault tests only, which link an attribute to /proc/self/mem to
	// make its reads fail with EIO.
	Unconfined bool

	memo  *scanMemo // what collectors of one scan share; set by Registry.Run
	heard bool      // the kernel's device events reach the registry: Registry.SetHeard
	hint  func(subsystem, name string)
}

// Hint says a device may have changed though no device event said so (a
// kernel message named it): the registry's collectors read it again at
// the next scan (Hinter).
func (e Env) Hint(subsystem, name string) {
	if e.hint != nil {
		e.hint(subsystem, name)
	}
}

// Hinter is a collector that keeps what it read of devices between scans
// and reads one again when another collector hints at it (Env.Hint).
type Hinter interface {
	Hint(subsystem, name string)
}

// Heard reports whether the kernel's device events reach the registry
// that runs the collector (Registry.SetHeard): what changes only with
// one may then be kept between them.
func (e Env) Heard() bool { return e.heard }

// confine confines the reads below a captured tree until release is
// called.
func (e Env) confine() (release func()) {
	if e.Live() || e.Unconfined {
		return func() {}
	}
	release, err := sysfsattr.Confine(e.root())
	if err != nil {
		return func() {} // the root cannot be opened: every read fails on its own
	}
	return release
}

// Live reports whether Root is this machine ("/", or mounted elsewhere:
// Host), not a captured tree: only then are live sources asked (NVML, the
// BMC, the kernel log, device events).
func (e Env) Live() bool { return e.Host || filepath.Clean(e.root()) == "/" }

// Path joins elements below the root.
func (e Env) Path(elem ...string) string {
	return filepath.Join(append([]string{e.root()}, elem...)...)
}

func (e Env) root() string {
	if e.Root == "" {
		return "/"
	}
	return e.Root
}

// State keeps what a collector remembers between runs, such as how far it
// read a log, in the state folder (history.Store implements it, writing
// each file atomically).
type State interface {
	// ReadState returns a file written before; one never written is an
	// error wrapping fs.ErrNotExist.
	ReadState(name string) ([]byte, error)
	WriteState(name string, data []byte) error
	// ReportDamage says a file read back is not what was written (a
	// cursor that does not parse): it is moved aside and counted.
	ReportDamage(name string, err error)
}

// Collector reads one source.
type Collector interface {
	// Name is the short, stable name used in flags and metric labels.
	Name() string
	// Collect reads the source. It returns ErrAbsent when the hardware is
	// not there, and should return promptly once ctx is done.
	Collect(ctx context.Context, env Env) (*topology.Fragment, error)
	// Reads declares every file and folder Collect reads below the root,
	// so that a capture holds them (package capture); TestReadsCovered
	// fails for a read that is not declared. Live sources (NVML, the BMC)
	// are recorded instead.
	Reads() []capture.Read
}
