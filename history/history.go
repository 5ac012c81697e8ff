// Package history is what hwgraph remembers between runs, in one state
// folder: the accepted baseline inventory, the last scan, and the event
// journal. A component in the baseline that a scan lacks is missing —
// also after a reboot or an agent restart.
package history

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hwgraph/hwgraph/journal"
	"github.com/hwgraph/hwgraph/topology"
)

const (
	baselineFile = "baseline.json"
	lastFile     = "last.json"
	journalFile  = "events.db"
)

// Store is an open state folder.
type Store struct {
	Dir     string
	Journal *journal.Journal
}

// Open opens (creating) the state folder and its journal.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	j, err := journal.Open(filepath.Join(dir, journalFile), 0)
	if err != nil {
		return nil, err
	}
	return &Store{Dir: dir, Journal: j}, nil
}

// Close closes the journal.
func (s *Store) Close() error { return s.Journal.Close() }

// Baseline is the accepted inventory, nil when none was accepted yet.
func (s *Store) Baseline() (*topology.Graph, error) { return s.read(baselineFile) }

// Last is the previous scan, nil before the first.
func (s *Store) Last() (*topology.Graph, error) { return s.read(lastFile) }

func (s *Store) read(name string) (*topology.Graph, error) {
	data, err := os.ReadFile(filepath.Join(s.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", name, err)
	}
	g, err := topology.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", name, err)
	}
	return g, nil
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
	return s.write(baselineFile, &present)
}

// write replaces a file atomically: a crash leaves the old or the new
// one, never half of either.
func (s *Store) write(name string, g *topology.Graph) error {
	var buf bytes.Buffer
	if err := topology.WriteJSON(&buf, g); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.Dir, name+".*")
	if err != nil {
		return fmt.Errorf("state %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
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

// Record finishes a scan against what is remembered: components of the
// baseline that g lacks become missing, the differences from the last
// scan become events (with those the collectors reported), the events
// go to the journal, and g becomes the last scan. The first scan of an
// empty folder becomes the baseline too. g.Events is set to the events.
func (s *Store) Record(g *topology.Graph, now time.Time) error {
	base, err := s.Baseline()
	if err != nil {
		return err
	}
	last, err := s.Last()
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
	if err := s.write(lastFile, g); err != nil {
		return err
	}
	if base == nil {
		return s.Accept(g)
	}
	return nil
}
