package history

import (
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
)

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

	mu     sync.Mutex
	counts map[string]uint64 // kept in memory: scrapes read them, only Append changes them
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
func (j *Journal) Append(events ...topology.Event) error {
	if len(events) == 0 {
		return nil
	}
	if j.readOnly {
		return errors.New("append to a journal opened read-only")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	added := map[string]uint64{}
	err := j.with(true, func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			b, counts := tx.Bucket(eventsBucket), tx.Bucket(countsBucket)
			if b == nil || counts == nil {
				return &DamageError{File: journalFile, Err: errors.New("buckets missing")}
			}
			for _, e := range events {
				if e.Time.IsZero() {
					e.Time = time.Now().UTC()
				}
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				data, err := json.Marshal(e)
				if err != nil {
					return fmt.Errorf("journal: encode event: %w", err)
				}
				if err := b.Put(key(e.Time, seq), data); err != nil {
					return err
				}
				n := uint64(0)
				if v := counts.Get([]byte(e.Kind)); len(v) == 8 {
					n = binary.BigEndian.Uint64(v)
				}
				if err := counts.Put([]byte(e.Kind), binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
					return err
				}
				added[e.Kind]++
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
	return nil
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

// Query returns the events since the given time (zero: all kept), for
// one component or link when id is set, oldest first.
func (j *Journal) Query(since time.Time, id string) ([]topology.Event, error) {
	var out []topology.Event
	err := j.with(false, func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(eventsBucket)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			k, v := c.First()
			if !since.IsZero() {
				k, v = c.Seek(key(since, 0))
			}
			for ; k != nil; k, v = c.Next() {
				var e topology.Event
				if err := json.Unmarshal(v, &e); err != nil {
					return &DamageError{File: journalFile, Err: fmt.Errorf("decode event: %w", err)}
				}
				if e.Matches(since, id) {
					out = append(out, e)
				}
			}
			return nil
		})
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
			return page, fmt.Errorf("cursor %q: not one of this journal's", q.Cursor)
		}
		from = b
	}
	stop := key(q.Since, 0)
	lastKey := "" // of the last event in the page
	err := j.with(false, func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(eventsBucket)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			var k, v []byte
			if from == nil {
				k, v = c.Last()
			} else {
				// The cursor is the last key shown: start below it.
				if k, v = c.Seek(from); k == nil {
					k, v = c.Last()
				}
				for k != nil && string(k) >= string(from) {
					k, v = c.Prev()
				}
			}
			for ; k != nil; k, v = c.Prev() {
				if !q.Since.IsZero() && string(k) < string(stop) {
					break
				}
				var e topology.Event
				if err := json.Unmarshal(v, &e); err != nil {
					return &DamageError{File: journalFile, Err: fmt.Errorf("decode event: %w", err)}
				}
				if !e.Matches(q.Since, q.ID) {
					continue
				}
				if q.Limit > 0 && len(page.Events) == q.Limit {
					page.Next = lastKey // one more matches: there is a next page
					return nil
				}
				page.Events = append(page.Events, e)
				lastKey = hex.EncodeToString(k)
			}
			return nil
		})
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
