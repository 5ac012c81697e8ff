// Package history is what hwgraph remembers between runs, in one state
// folder: the accepted baseline inventory, the last scan, the event
// journal, and the collectors' cursors into logs (the kernel log, the
// BMC's SEL). A component in the baseline that a scan lacks is missing —
// also after a reboot or an agent restart.
//
// Every file of the folder is written here, the same way: atomically (a
// temporary file, fsynced, renamed over the old one), owner-only. One
// process writes a folder at a time (it holds the folder's lock); others
// may read it meanwhile. A file that cannot be read is moved aside
// (NAME.damaged-TIME), said so once, and started afresh, and what is
// still good keeps detection working.
package history

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

const (
	baselineFile = "baseline.json"
	lastFile     = "last.json"
	// nextFile is the scan about to become last.json: written before its
	// events are appended, renamed over last.json after, so that a kill
	// between the two neither loses nor repeats them (Open finishes or
	// undoes it).
	nextFile    = "last.json.next"
	journalFile = "events.db"
	lockFile    = "lock"
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
	// FoldWindow is the journal's (Journal.FoldWindow), kept here so
	// that a journal started afresh folds too.
	FoldWindow time.Duration
	readOnly   bool
	lock       *folderLock

	mu      sync.Mutex
	damaged map[string]uint64 // times each file was found damaged
	news    []Damage          // damage not yet taken by TakeDamage
	// lastRecord is the scan last.json holds: a scan that records the
	// same (sameRecord) is not written again.
	lastRecord *topology.Graph
	// pending are the events judged but not yet in the journal, oldest
	// first, and unwritten the newest scan not yet in last.json: a write
	// that fails keeps them for the next (Record, Flush), so that
	// nothing judged is lost while the disk is full or the journal held.
	pending   []topology.Event
	unwritten *topology.Graph
	// How many are pending, and were dropped past MaxPending, for
	// scrapes that read them while a scan records.
	npending atomic.Int64
	dropped  atomic.Uint64
	// accept says unwritten is to become the baseline as well.
	accept bool
	// cursors are what collectors wrote through Cursors, waiting for the
	// events they read to reach the journal.
	cursorMu sync.Mutex
	cursors  map[string][]byte
	// base is baseline.json as last read, kept while the file is the
	// same: every scan judges against it, and it changes when someone
	// accepts a new one (this process or `hwgraph baseline accept`).
	// Its components' IDs are kept; the graph itself only while a scan
	// lacks one of them (Judge): a healthy machine's scans need no more.
	base struct {
		stamp fileStamp
		ids   []string
		g     *topology.Graph
	}
}

// fileStamp tells one version of a file from another without reading it.
type fileStamp struct {
	ino, size int64
	mtime     time.Time
}

func stampOf(fi fs.FileInfo) fileStamp {
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = int64(sys.Ino)
	}
	return st
}

// Damage is a state file found damaged, and what was done about it.
type Damage struct {
	File    string // "events.db"
	Err     error
	MovedTo string // where the damaged file went; "" when it stayed (read-only)
	Time    time.Time
	// Kept says the file stays in use: what it holds is still good.
	Kept bool
}

func (d Damage) String() string {
	if d.Kept {
		return fmt.Sprintf("state %s damaged (%v); kept, as what it holds is good", d.File, d.Err)
	}
	if d.MovedTo == "" {
		return fmt.Sprintf("state %s damaged (%v); left as it is (read-only)", d.File, d.Err)
	}
	return fmt.Sprintf("state %s damaged (%v); moved to %s, started afresh", d.File, d.Err, filepath.Base(d.MovedTo))
}

// Open opens (creating) the state folder to write it: it takes the
// folder's lock (a folder another process writes is an *ErrLocked),
// removes the temporary files a killed writer left, and opens the journal
// — moving a damaged one aside and starting a fresh one.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	lock, err := lockFolder(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{Dir: dir, lock: lock, damaged: map[string]uint64{}}
	s.removeTemporaries()
	path := filepath.Join(dir, journalFile)
	j, err := OpenJournal(path, 0)
	var de *DamageError
	if errors.As(err, &de) {
		s.moveAside(journalFile, err)
		j, err = OpenJournal(path, 0)
	}
	if err != nil {
		lock.release()
		return nil, err
	}
	s.Journal = j
	s.finishStaged()
	return s, nil
}

// finishStaged ends the write a killed writer left half done: a staged
// last.json.next whose events the journal holds (its mark is the file's
// sum) becomes last.json; one whose events it does not hold is removed,
// and the scan that follows judges them again from last.json.
//
// With nothing staged, last.json is the scan the journal's mark names:
// a journal whose mark is another's lost its last transactions (a
// damaged meta page makes bbolt fall back to the one before) and is
// reported, not moved aside: what it still holds is good.
func (s *Store) finishStaged() {
	mark, err := s.Journal.mark()
	if err != nil || mark == nil {
		os.Remove(filepath.Join(s.Dir, nextFile)) // no mark: nothing staged was appended
		return
	}
	next := filepath.Join(s.Dir, nextFile)
	if data, err := readBounded(next); err == nil {
		if sum := sha256.Sum256(data); bytes.Equal(mark, sum[:]) && os.Rename(next, filepath.Join(s.Dir, lastFile)) == nil {
			return
		}
		os.Remove(next)
	} else if !errors.Is(err, fs.ErrNotExist) {
		os.Remove(next)
	}
	data, err := readBounded(filepath.Join(s.Dir, lastFile))
	if err != nil {
		return // no last scan, or a damaged one: Last says so
	}
	if sum := sha256.Sum256(data); !bytes.Equal(mark, sum[:]) {
		s.report(journalFile, errors.New("rolled back: it lacks the events of the last scan recorded (last.json)"))
	}
}

// OpenReadOnly opens an existing state folder to read it, while another
// process may write it: nothing is created, moved or written.
func OpenReadOnly(dir string) (*Store, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("state dir %s: not a folder", dir)
	}
	j, err := openJournal(filepath.Join(dir, journalFile), 0, true)
	if err != nil {
		return nil, err
	}
	return &Store{Dir: dir, Journal: j, readOnly: true, damaged: map[string]uint64{}}, nil
}

// ReadOnly reports whether the store was opened to read only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Close releases the folder's lock.
func (s *Store) Close() error {
	if s.lock != nil {
		s.lock.release()
		s.lock = nil
	}
	return s.Journal.Close()
}

// removeTemporaries deletes what a writer killed mid-write left:
// NAME.<digits>, the temporary files of WriteState.
func (s *Store) removeTemporaries() {
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		i := strings.LastIndexByte(e.Name(), '.')
		if i <= 0 || i == len(e.Name())-1 || strings.Trim(e.Name()[i+1:], "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		os.Remove(filepath.Join(s.Dir, e.Name()))
	}
}

// moveAside records damage to a file and, writing, renames it out of the
// way so that a fresh one is started.
func (s *Store) moveAside(name string, err error) {
	d := Damage{File: name, Err: err, Time: time.Now().UTC()}
	if !s.readOnly {
		to := filepath.Join(s.Dir, fmt.Sprintf("%s.damaged-%s", name, d.Time.Format("20060102T150405.000000000")))
		if os.Rename(filepath.Join(s.Dir, name), to) == nil {
			d.MovedTo = to
		}
	}
	s.record(d)
}

// report records damage to a file that stays where it is.
func (s *Store) report(name string, err error) {
	s.record(Damage{File: name, Err: err, Time: time.Now().UTC(), Kept: true})
}

func (s *Store) record(d Damage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.damaged[d.File]++
	s.news = append(s.news, d)
}

// TakeDamage returns the damage found since it was last called, for
// saying each once.
func (s *Store) TakeDamage() []Damage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.news
	s.news = nil
	return out
}

// DamageCounts is how often each file was found damaged since the store
// was opened: hwgraph_state_errors_total. The store's own files are
// there at 0 until found damaged, so that a rate works from the first
// damage on; the collectors' cursors once they were.
func (s *Store) DamageCounts() map[string]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]uint64{baselineFile: 0, lastFile: 0, journalFile: 0}
	for k, v := range s.damaged {
		out[k] = v
	}
	return out
}

// ReportDamage records that a state file a collector keeps (a log
// cursor) cannot be read, and moves it aside.
func (s *Store) ReportDamage(name string, err error) {
	if checkName(name) == nil {
		s.moveAside(name, err)
	}
}

// Baseline is the accepted inventory, nil when none was accepted yet. A
// damaged baseline is moved aside and read as none: Record rebuilds it.
//
// The graph returned is shared with later calls while the file stays the
// same: callers read it and never change it.
func (s *Store) Baseline() (*topology.Graph, error) {
	fi, err := os.Stat(filepath.Join(s.Dir, baselineFile))
	if err != nil {
		return s.readGraph(baselineFile) // absent, or unreadable: as readGraph says
	}
	stamp := stampOf(fi)
	s.mu.Lock()
	if s.base.g != nil && s.base.stamp == stamp {
		defer s.mu.Unlock()
		return s.base.g, nil
	}
	s.mu.Unlock()
	g, err := s.readGraph(baselineFile)
	if err == nil && g != nil {
		s.mu.Lock()
		s.base.stamp, s.base.g, s.base.ids = stamp, g, componentIDs(g)
		s.mu.Unlock()
	}
	return g, err
}

// baselineIDs is the IDs of the baseline's components; ok is false when
// there is no baseline (Baseline's nil).
func (s *Store) baselineIDs() (ids []string, ok bool, err error) {
	if fi, err := os.Stat(filepath.Join(s.Dir, baselineFile)); err == nil {
		s.mu.Lock()
		ids, stamp := s.base.ids, s.base.stamp
		s.mu.Unlock()
		if ids != nil && stamp == stampOf(fi) {
			return ids, true, nil
		}
	}
	g, err := s.Baseline()
	if g == nil {
		return nil, false, err
	}
	return componentIDs(g), true, err
}

// dropBaselineGraph forgets the decoded baseline, keeping its IDs: the
// last scan had every component it has.
func (s *Store) dropBaselineGraph() {
	s.mu.Lock()
	s.base.g = nil
	s.mu.Unlock()
}

// componentIDs is g's components' IDs, empty but not nil for none.
func componentIDs(g *topology.Graph) []string {
	ids := make([]string, 0, len(g.Components))
	for _, c := range g.Components {
		ids = append(ids, c.ID)
	}
	return ids
}

// lacksAny reports whether g has no component of one of ids.
func lacksAny(g *topology.Graph, ids []string) bool {
	for _, id := range ids {
		if _, ok := g.Component(id); !ok {
			return true
		}
	}
	return false
}

// Last is the previous scan, nil before the first. A damaged one is
// moved aside and read as none.
func (s *Store) Last() (*topology.Graph, error) { return s.readGraph(lastFile) }

func (s *Store) readGraph(name string) (*topology.Graph, error) {
	data, err := s.ReadState(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var de *DamageError
	if errors.As(err, &de) {
		s.moveAside(name, de.Err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	g, err := topology.ReadJSON(bytes.NewReader(data))
	if err != nil {
		s.moveAside(name, err)
		return nil, nil
	}
	return g, nil
}

// ReadState reads a file of the state folder, such as a collector's log
// cursor. A file never written is an error wrapping fs.ErrNotExist; one
// that is not a regular file, or larger than a state file may be, a
// *DamageError.
func (s *Store) ReadState(name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	data, err := readBounded(filepath.Join(s.Dir, name))
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
	if s.readOnly {
		return fmt.Errorf("state %s: the folder is open to read only", name)
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
// name, never a path, and not one the store keeps for itself.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || name == journalFile || name == lockFile {
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
	s.mu.Lock()
	s.base.g, s.base.ids = nil, nil
	s.mu.Unlock()
	return s.writeGraph(baselineFile, &present)
}

func (s *Store) writeGraph(name string, g *topology.Graph) error {
	var buf bytes.Buffer
	if err := topology.WriteJSON(&buf, g); err != nil {
		return fmt.Errorf("state %s: %w", name, err)
	}
	return s.WriteState(name, buf.Bytes())
}

// Judge marks the components of the baseline that g lacks missing and
// sets g.Events to the differences from last (the previous scan, nil when
// there is none or it was damaged: then from the baseline) and the
// events the collectors reported. A damaged baseline is rebuilt from
// last, so what was there before it still shows missing. It records
// nothing; Record does. baselined says there was a baseline to judge
// against (or one rebuilt).
func (s *Store) Judge(g, last *topology.Graph, now time.Time) (baselined bool, err error) {
	ids, baselined, err := s.baselineIDs()
	var base *topology.Graph
	switch {
	case err != nil:
	case baselined && (last == nil || lacksAny(g, ids)):
		base, err = s.Baseline()
	case baselined:
		s.dropBaselineGraph() // nothing missing: judged by the IDs alone
	case last != nil && s.DamageCounts()[baselineFile] > 0:
		base, baselined = last, true
		if !s.readOnly {
			err = s.Accept(last)
		}
	}
	// Judged also when the baseline could not be read or rebuilt: what
	// changed since the last scan is still news.
	topology.MarkMissing(g, base)
	var events []topology.Event
	switch {
	case last != nil:
		events = topology.Diff(last, g, now)
	case base != nil:
		events = topology.Diff(base, g, now)
	}
	g.Events = append(events, g.Events...)
	return baselined, err
}

// MaxPending bounds the events a store keeps in memory while it cannot
// write them; past it the oldest are dropped, and counted.
const MaxPending = 100_000

// Record finishes a scan against what is remembered (Judge), appends the
// events to the journal, and makes g the last scan. The first scan of an
// empty folder becomes the baseline too.
//
// When a write fails, nothing judged is lost: the events stay pending
// and g unwritten, and the next Record or Flush writes them first. The
// caller judges the next scan against g, not against the folder.
func (s *Store) Record(g, last *topology.Graph, now time.Time) error {
	baselined, err := s.Judge(g, last, now)
	s.pending = topology.FoldEvents(append(s.pending, g.Events...), s.FoldWindow)
	if n := len(s.pending) - MaxPending; n > 0 {
		s.dropped.Add(uint64(n))
		s.pending = slices.Delete(s.pending, 0, n)
	}
	s.npending.Store(int64(len(s.pending)))
	s.unwritten = g
	// A baseline that could not be read is not replaced by this scan.
	s.accept = s.accept || !baselined && err == nil
	return errors.Join(err, s.flush())
}

// Flush writes what a failed Record left: the pending events, the last
// scan, the baseline. Nothing left is nothing to do.
func (s *Store) Flush() error { return s.flush() }

// Pending is how many events wait to be written, and how many were
// dropped since the store was opened because too many waited.
func (s *Store) Pending() (pending int, dropped uint64) {
	return int(s.npending.Load()), s.dropped.Load()
}

// afterStep, set by tests, is called after each step of flush: the kill
// tests end the process there.
var afterStep func(step string)

func step(name string) {
	if afterStep != nil {
		afterStep(name)
	}
}

// flush writes the scan and its events in an order that a kill at any
// point neither loses nor repeats an event: the scan is staged
// (last.json.next), the events appended with the staged file's sum as
// the journal's mark in the same transaction, and the staged file
// renamed over last.json (finishStaged completes what a kill stopped).
// A scan that changed nothing recorded is not written at all.
func (s *Store) flush() error {
	g := s.unwritten
	var data []byte
	if g != nil {
		// Compared, not encoded and hashed: walking two graphs costs a
		// fraction of encoding one.
		if !sameRecord(g, s.lastRecord) {
			var buf bytes.Buffer
			if err := topology.WriteJSON(&buf, g); err != nil {
				return fmt.Errorf("state %s: %w", lastFile, err)
			}
			data = buf.Bytes()
		} else {
			// What last.json holds as much as the scan it was written
			// from, which need not be kept beside this one.
			s.lastRecord = g
		}
	}
	var mark []byte
	if data != nil {
		if err := s.WriteState(nextFile, data); err != nil {
			return err
		}
		m := sha256.Sum256(data)
		mark = m[:]
		step("staged")
	}
	if err := s.appendPending(mark); err != nil {
		return err
	}
	step("appended")
	if err := s.writeCursors(); err != nil {
		return err
	}
	if data != nil {
		if err := os.Rename(filepath.Join(s.Dir, nextFile), filepath.Join(s.Dir, lastFile)); err != nil {
			return fmt.Errorf("state %s: %w", lastFile, err)
		}
		s.lastRecord = g // a published graph: never changed after
		step("renamed")
	}
	s.unwritten = nil
	if s.accept && g != nil {
		if err := s.Accept(g); err != nil {
			s.unwritten = g // the next flush tries the baseline again
			return err
		}
		s.accept = false
		step("accepted")
	}
	return nil
}

// appendPending appends the pending events (and sets mark), moving a
// journal that broke under us aside and appending to a fresh one.
func (s *Store) appendPending(mark []byte) error {
	s.Journal.FoldWindow = s.FoldWindow
	err := s.Journal.append(mark, s.pending)
	var de *DamageError
	if errors.As(err, &de) {
		s.moveAside(journalFile, err)
		j, jerr := OpenJournal(filepath.Join(s.Dir, journalFile), 0)
		if jerr != nil {
			return jerr
		}
		s.Journal = j
		j.FoldWindow = s.FoldWindow
		err = j.append(mark, s.pending)
	}
	if err != nil {
		return err
	}
	s.pending = nil
	s.npending.Store(0)
	return nil
}

// sameRecord reports whether two scans record the same: components,
// links, health and counters, what last.json is read back for. The scan's
// time, the collectors' durations, events (the journal has them) and
// sensor readings (judged anew each scan, never against the last) are
// left out, so that a scan of an unchanged machine rewrites and fsyncs
// nothing. nil is like nothing.
func sameRecord(a, b *topology.Graph) bool {
	if a == nil || b == nil {
		return false
	}
	except := func(a, b *topology.Component) bool { return a.EqualExcept(b, topology.IsSensorAttr) }
	return a.Schema == b.Schema && except(a.Host, b.Host) &&
		slices.EqualFunc(a.Components, b.Components, except) &&
		slices.EqualFunc(a.Links, b.Links, (*topology.Link).Equal) &&
		slices.EqualFunc(a.Collectors, b.Collectors, func(x, y topology.CollectorStatus) bool {
			return x.Name == y.Name && x.State == y.State && x.Error == y.Error && slices.Equal(x.Problems, y.Problems)
		})
}

// Cursors is the store as collectors see it (collectors.State). What
// they write — how far they read a log — is kept until the events they
// read reach the journal, and written by the flush that appends those:
// a kill or a failed write never leaves a cursor past events the journal
// lacks, and the next run reads them again.
func (s *Store) Cursors() *Cursors { return &Cursors{s} }

// Cursors is a Store's collector state; see Store.Cursors.
type Cursors struct{ s *Store }

// ReadState is Store.ReadState, or what waits to be written.
func (c *Cursors) ReadState(name string) ([]byte, error) {
	c.s.cursorMu.Lock()
	b, ok := c.s.cursors[name]
	c.s.cursorMu.Unlock()
	if ok {
		return bytes.Clone(b), nil
	}
	return c.s.ReadState(name)
}

// WriteState keeps data to be written with the scan's events.
func (c *Cursors) WriteState(name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if c.s.readOnly {
		return fmt.Errorf("state %s: the folder is open to read only", name)
	}
	c.s.cursorMu.Lock()
	defer c.s.cursorMu.Unlock()
	if c.s.cursors == nil {
		c.s.cursors = map[string][]byte{}
	}
	c.s.cursors[name] = bytes.Clone(data)
	return nil
}

// ReportDamage is Store.ReportDamage.
func (c *Cursors) ReportDamage(name string, err error) { c.s.ReportDamage(name, err) }

// writeCursors writes the cursors that wait, each atomically; one that
// fails stays waiting.
func (s *Store) writeCursors() error {
	s.cursorMu.Lock()
	defer s.cursorMu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(s.cursors)) {
		if err := s.WriteState(name, s.cursors[name]); err != nil {
			return err
		}
		delete(s.cursors, name)
	}
	return nil
}
