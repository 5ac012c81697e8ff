package history

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/hwgraph/hwgraph/topology"
)

var (
	eventsBucket = []byte("events")
	countsBucket = []byte("counts")
	metaBucket   = []byte("meta")
	// markKey holds the fingerprint of the last scan staged to become
	// last.json whose events the journal holds (Store.flush).
	markKey = []byte("staged")
)

// readChunk is how many events a reader copies in one hold of the file:
// between chunks it lets go, so that a writer waits for one chunk, not
// for a whole reading of a large journal. A variable for the tests.
var readChunk = 4096

// DefaultRetention is how long events are kept.
const DefaultRetention = 90 * 24 * time.Hour

// lockWait is how long an operation waits for another process's hold on
// the journal file (a reader while the agent appends) before it fails.
const lockWait = 2 * time.Second

// Journal keeps hwgraph's events on disk so they outlive the process:
// `hwgraph events` reads them and the exporter counts from them.
//
// The store is bbolt: pure Go (no cgo, unlike SQLite's usual driver), one
// file, and each Append is one transaction that is fsynced before it
// returns, so an event reported as written survives a crash or SIGKILL.
// The file is opened for each operation and closed after it, so that
// `hwgraph events` can read it while the agent runs: bbolt locks its file
// for as long as it is open.
//
// The file is mapped: a page that is damaged or cut short faults, or
// makes bbolt panic. Every operation runs with the fault turned into a
// panic and the panic into an error (a *DamageError), and the file is
// checked page by page when the journal is opened.
type Journal struct {
	path      string
	retention time.Duration
	readOnly  bool
	// FoldWindow folds storms across appends: an event that repeats one
	// appended less than FoldWindow after that one's first occurrence
	// rewrites it (its count, last time) instead of adding one. 0 folds
	// nothing.
	FoldWindow time.Duration

	mu     sync.Mutex
	counts map[string]uint64 // kept in memory: scrapes read them, only Append changes them
	folds  map[foldKey]fold  // the storms still open, by what repeats
}

// foldKey is what makes two events repeats of one another.
type foldKey struct{ kind, component, link string }

func keyOf(e topology.Event) foldKey { return foldKey{e.Kind, e.Component, e.Link} }

// fold is an open storm: its event and where the journal keeps it.
type fold struct {
	key []byte
	ev  topology.Event
}

// DamageError says a file of the state folder cannot be read as what it
// should be.
type DamageError struct {
	File string
	Err  error
}

func (e *DamageError) Error() string { return fmt.Sprintf("state %s damaged: %v", e.File, e.Err) }
func (e *DamageError) Unwrap() error { return e.Err }

// OpenJournal opens (creating if needed) the journal at path, checks it,
// and reads its counts. A journal that fails the check is a
// *DamageError, and nothing is changed: the state folder decides what to
// do with it.
func OpenJournal(path string, retention time.Duration) (*Journal, error) {
	return openJournal(path, retention, false)
}

func openJournal(path string, retention time.Duration, readOnly bool) (*Journal, error) {
	if retention <= 0 {
		retention = DefaultRetention
	}
	j := &Journal{path: path, retention: retention, readOnly: readOnly}
	if readOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open journal: %w", err)
		}
	}
	err := j.with(!readOnly, func(db *bolt.DB) error {
		if !readOnly {
			if err := db.Update(func(tx *bolt.Tx) error {
				for _, b := range [][]byte{eventsBucket, countsBucket} {
					if _, err := tx.CreateBucketIfNotExists(b); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return db.View(func(tx *bolt.Tx) error {
			var first error
			for err := range tx.Check() { // drained: the check reads pages until it closes the channel
				if first == nil {
					first = err
				}
			}
			if first != nil {
				return &DamageError{File: journalFile, Err: first}
			}
			counts, err := readCounts(tx)
			j.counts = counts
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// with opens the file, runs fn with faults and panics caught, and closes
// it.
func (j *Journal) with(write bool, fn func(*bolt.DB) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &DamageError{File: journalFile, Err: fmt.Errorf("%v", r)}
		}
	}()
	opts := &bolt.Options{Timeout: lockWait, ReadOnly: !write}
	mode := fs.FileMode(fileMode)
	db, err := bolt.Open(j.path, mode, opts)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, berrors.ErrTimeout) {
			return fmt.Errorf("open journal %s: %w", j.path, err)
		}
		// A bad header, a version or checksum mismatch: not a journal.
		return &DamageError{File: journalFile, Err: err}
	}
	defer db.Close()
	return fn(db)
}

// Close does nothing: the file is open only during an operation.
func (j *Journal) Close() error { return nil }

// key orders events by time, then by arrival: the time in nanoseconds,
// then the bucket's sequence, big-endian so bytes sort as numbers.
func key(t time.Time, seq uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

// Append stores events in one durable transaction, counts them by kind,
// and drops events older than the retention.
func (j *Journal) Append(events ...topology.Event) error { return j.append(nil, events) }

// append is Append that also sets the journal's mark, in the same
// transaction, when mark is not nil.
func (j *Journal) append(mark []byte, events []topology.Event) error {
	if len(events) == 0 && mark == nil {
		return nil
	}
	if j.readOnly {
		return errors.New("append to a journal opened read-only")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	added := map[string]uint64{}
	touched := map[foldKey]fold{}
	err := j.with(true, func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			clear(added) // a transaction bbolt retries starts again
			clear(touched)
			b, counts := tx.Bucket(eventsBucket), tx.Bucket(countsBucket)
			if b == nil || counts == nil {
				return &DamageError{File: journalFile, Err: errors.New("buckets missing")}
			}
			if mark != nil {
				meta, err := tx.CreateBucketIfNotExists(metaBucket)
				if err != nil {
					return err
				}
				if err := meta.Put(markKey, mark); err != nil {
					return err
				}
			}
			for _, e := range events {
				if e.Time.IsZero() {
					e.Time = time.Now().UTC()
				}
				k := keyOf(e)
				f, open := touched[k]
				if !open {
					f, open = j.folds[k]
				}
				if open && e.Folds(f.ev, j.FoldWindow) {
					f.ev.Absorb(e)
				} else {
					seq, err := b.NextSequence()
					if err != nil {
						return err
					}
					f = fold{key: key(e.Time, seq), ev: e}
				}
				data, err := json.Marshal(f.ev)
				if err != nil {
					return fmt.Errorf("journal: encode event: %w", err)
				}
				if err := b.Put(f.key, data); err != nil {
					return err
				}
				touched[k] = f
				n := uint64(0)
				if v := counts.Get([]byte(e.Kind)); len(v) == 8 {
					n = binary.BigEndian.Uint64(v)
				}
				if err := counts.Put([]byte(e.Kind), binary.BigEndian.AppendUint64(nil, n+uint64(e.N()))); err != nil {
					return err
				}
				added[e.Kind] += uint64(e.N())
			}
			return j.expire(b)
		})
	})
	if err != nil {
		return err
	}
	for k, n := range added {
		j.counts[k] += n
	}
	j.keepFolds(touched)
	return nil
}

// keepFolds keeps the storms an append opened or grew, and forgets those
// that closed: a fold older than the window before the newest event
// takes in nothing more, and the map stays as small as the storms open.
func (j *Journal) keepFolds(touched map[foldKey]fold) {
	if j.FoldWindow <= 0 {
		return
	}
	if j.folds == nil {
		j.folds = map[foldKey]fold{}
	}
	var newest time.Time
	for k, f := range touched {
		j.folds[k] = f
		for _, t := range []time.Time{f.ev.Time, f.ev.Last} {
			if t.After(newest) {
				newest = t
			}
		}
	}
	for k, f := range j.folds {
		if newest.Sub(f.ev.Time) >= j.FoldWindow {
			delete(j.folds, k)
		}
	}
}

// mark is what the last append with a mark set; nil when none did.
func (j *Journal) mark() ([]byte, error) {
	var out []byte
	err := j.with(false, func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(metaBucket); b != nil {
				out = bytes.Clone(b.Get(markKey))
			}
			return nil
		})
	})
	return out, err
}

func (j *Journal) expire(b *bolt.Bucket) error {
	cut := key(time.Now().Add(-j.retention), 0)
	c := b.Cursor()
	for k, _ := c.First(); k != nil && string(k) < string(cut); k, _ = c.Next() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// sinceKey is the first key at or after since; nil for any time. A time
// before 1970 is any time: keys count nanoseconds from then, unsigned.
func sinceKey(since time.Time) []byte {
	if anyTime(since) {
		return nil
	}
	return key(since, 0)
}

// anyTime reports whether since asks for events of any time.
func anyTime(since time.Time) bool { return !since.After(time.Unix(0, 0)) }

// each calls fn on the events from bound on (newer ones, or older ones
// when backward), bound itself only when inclusive; nil bound starts at
// the oldest (newest, backward), until fn says stop or the events end.
//
// It holds the file only to copy readChunk events at a time, and calls
// fn (decoding, filtering) with the file let go: a writer waits for one
// copy of a chunk, never for a whole reading of a large journal.
func (j *Journal) each(bound []byte, inclusive, backward bool, fn func(k, v []byte) (stop bool, err error)) error {
	type entry struct{ k, v []byte }
	chunk := make([]entry, 0, readChunk)
	for {
		chunk, end := chunk[:0], false
		err := j.with(false, func(db *bolt.DB) error {
			return db.View(func(tx *bolt.Tx) error {
				b := tx.Bucket(eventsBucket)
				if b == nil {
					end = true
					return nil
				}
				c := b.Cursor()
				k, v := seek(c, bound, inclusive, backward)
				for k != nil && len(chunk) < readChunk {
					chunk = append(chunk, entry{bytes.Clone(k), bytes.Clone(v)})
					if backward {
						k, v = c.Prev()
					} else {
						k, v = c.Next()
					}
				}
				end = k == nil
				return nil
			})
		})
		if err != nil {
			return err
		}
		for _, e := range chunk {
			if stop, err := fn(e.k, e.v); err != nil || stop {
				return err
			}
		}
		if end {
			return nil
		}
		bound, inclusive = chunk[len(chunk)-1].k, false
	}
}

// seek places c on the first key from bound on, as each reads them.
func seek(c *bolt.Cursor, bound []byte, inclusive, backward bool) (k, v []byte) {
	switch {
	case bound == nil && backward:
		return c.Last()
	case bound == nil:
		return c.First()
	case !backward:
		k, v = c.Seek(bound)
		if k != nil && !inclusive && bytes.Equal(k, bound) {
			k, v = c.Next()
		}
		return k, v
	}
	if k, v = c.Seek(bound); k == nil {
		k, v = c.Last()
	}
	for k != nil && (bytes.Compare(k, bound) > 0 || !inclusive && bytes.Equal(k, bound)) {
		k, v = c.Prev()
	}
	return k, v
}

func decodeEvent(v []byte) (topology.Event, error) {
	var e topology.Event
	if err := json.Unmarshal(v, &e); err != nil {
		return e, &DamageError{File: journalFile, Err: fmt.Errorf("decode event: %w", err)}
	}
	return e, nil
}

// Query returns the events since the given time (zero or before 1970:
// all kept), for one component or link when id is set, oldest first.
func (j *Journal) Query(since time.Time, id string) ([]topology.Event, error) {
	var out []topology.Event
	if anyTime(since) {
		since = time.Time{}
	}
	err := j.each(sinceKey(since), true, false, func(_, v []byte) (bool, error) {
		e, err := decodeEvent(v)
		if err == nil && e.Matches(since, id) {
			out = append(out, e)
		}
		return false, err
	})
	return out, err
}

// Page returns events newest first, as q asks. Its cursors are journal
// keys, in hex.
func (j *Journal) Page(q topology.EventQuery) (topology.EventPage, error) {
	var page topology.EventPage
	var from []byte
	if q.Cursor != "" {
		b, err := hex.DecodeString(q.Cursor)
		if err != nil || len(b) != 16 {
			return page, fmt.Errorf("cursor %q: %w", q.Cursor, topology.ErrBadCursor)
		}
		from = b
	}
	if anyTime(q.Since) {
		q.Since = time.Time{}
	}
	stop := sinceKey(q.Since)
	lastKey := "" // of the last event in the page
	err := j.each(from, false, true, func(k, v []byte) (bool, error) {
		if stop != nil && bytes.Compare(k, stop) < 0 {
			return true, nil
		}
		e, err := decodeEvent(v)
		if err != nil || !e.Matches(q.Since, q.ID) {
			return false, err
		}
		if q.Limit > 0 && len(page.Events) == q.Limit {
			page.Next = lastKey // one more matches: there is a next page
			return true, nil
		}
		page.Events = append(page.Events, e)
		lastKey = hex.EncodeToString(k)
		return false, nil
	})
	return page, err
}

// Counts returns how many events of each kind were ever appended, kept
// across restarts and retention: hwgraph_events_total.
func (j *Journal) Counts() (map[string]uint64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make(map[string]uint64, len(j.counts))
	for k, v := range j.counts {
		out[k] = v
	}
	return out, nil
}

func readCounts(tx *bolt.Tx) (map[string]uint64, error) {
	out := map[string]uint64{}
	b := tx.Bucket(countsBucket)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			return &DamageError{File: journalFile, Err: errors.New("a count is not 8 bytes")}
		}
		out[string(k)] = binary.BigEndian.Uint64(v)
		return nil
	})
	return out, err
}
