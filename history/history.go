// Package history is what hwgraph remembers between runs, in one state
// folder: the accepted baseline inventory, the last scan, the event
// journal, and the collectors' cursors into logs (the kernel log, the
// BMC's SEL). A component in the baseline that a scan lacks is missing —
// also after a reboot or an agent restart.
//
// Every file of the folder is written here, the same way: atomically (a
// temporary file, fsynced, renamed over the old one), owner-only.
package history

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

const (
	baselineFile = "baseline.json"
	lastFile     = "last.json"
	journalFile  = "events.db"
)

// File and folder modes of the state folder: it holds serial numbers and
// the machine's inventory, which are the owner's.
const (
	dirMode  = 0o750
	fileMode = 0o600
)

// Store is an open state folder.
type Store struct {
	Dir     string
	Journal *Journal
}

// Open opens (creating) the state folder and its journal.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	j, err := OpenJournal(filepath.Join(dir, journalFile), 0)
	if err != nil {
		return nil, err
	}
	return &Store{Dir: dir, Journal: j}, nil
}

// Close closes the journal.
func (s *Store) Close() error { return s.Journal.Close() }

// Baseline is the accepted inventory, nil when none was accepted yet.
func (s *Store) Baseline() (*topology.Graph, error) { return s.readGraph(baselineFile) }

// Last is the previous scan, nil before the first.
func (s *Store) Last() (*topology.Graph, error) { return s.readGraph(lastFile) }

func (s *Store) readGraph(name string) (*topology.Graph, error) {
	data, err := s.ReadState(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	g, err := topology.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", name, err)
	}
	return g, nil
}

// ReadState reads a file of the state folder, such as a collector's log
// cursor. A file never written is an error wrapping fs.ErrNotExist.
func (s *Store) ReadState(name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, name))
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", name, err)
	}
	return data, nil
}

// WriteState replaces a file of the state folder atomically: a crash
// leaves the old or the new one, never half of either.
func (s *Store) WriteState(name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.Dir, name+".*") // created owner-only (fileMode)
	if err != nil {
		return fmt.Errorf("state %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("state %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("state %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.Dir, name)); err != nil {
		return fmt.Errorf("state %s: %w", name, err)
	}
	return nil
}

// checkName keeps state files in the folder: a name is one plain file
// name, never a path.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || name == journalFile {
		return fmt.Errorf("state file name %q: not a file of the state folder", name)
	}
	return nil
}

// Accept makes g the baseline: the new normal after a planned change.
// Components already missing in g are left out: accepting means they are
// gone for good.
func (s *Store) Accept(g *topology.Graph) error {
	present := *g
	present.Components = nil
	for _, c := range g.Components {
		if c.Health.State != topology.StateMissing {
			present.Components = append(present.Components, c)
		}
	}
	present.Events = nil
	return s.writeGraph(baselineFile, &present)
}

func (s *Store) writeGraph(name string, g *topology.Graph) error {
	var buf bytes.Buffer
	if err := topology.WriteJSON(&buf, g); err != nil {
		return fmt.Errorf("state %s: %w", name, err)
	}
	return s.WriteState(name, buf.Bytes())
}

// Record finishes a scan against what is remembered: components of the
// baseline that g lacks become missing, the differences from last (the
// previous scan, nil when there is none) become events (with those the
// collectors reported), the events go to the journal, and g becomes the
// last scan. The first scan of an empty folder becomes the baseline too.
// g.Events is set to the events.
func (s *Store) Record(g, last *topology.Graph, now time.Time) error {
	base, err := s.Baseline()
	if err != nil {
		return err
	}
	topology.MarkMissing(g, base)
	var events []topology.Event
	switch {
	case last != nil:
		events = topology.Diff(last, g, now)
	case base != nil:
		events = topology.Diff(base, g, now)
	}
	events = append(events, g.Events...)
	g.Events = events
	if err := s.Journal.Append(events...); err != nil {
		return err
	}
	if err := s.writeGraph(lastFile, g); err != nil {
		return err
	}
	if base == nil {
		return s.Accept(g)
	}
	return nil
}
