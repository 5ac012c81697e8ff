package history

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hwgraph/hwgraph/topology"
)

var (
	eventsBucket = []byte("events")
	countsBucket = []byte("counts")
)

// DefaultRetention is how long events are kept.
const DefaultRetention = 90 * 24 * time.Hour

// Journal keeps hwgraph's events on disk so they outlive the process:
// `hwgraph events` reads them and the exporter counts from them.
//
// The store is bbolt: pure Go (no cgo, unlike SQLite's usual driver), one
// file, and each Append is one transaction that is fsynced before it
// returns, so an event reported as written survives a crash or SIGKILL.
type Journal struct {
	db        *bolt.DB
	retention time.Duration
}

// OpenJournal opens (creating if needed) the journal at path. A journal
// that another process holds open is an error after a second, not a hang.
func OpenJournal(path string, retention time.Duration) (*Journal, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{eventsBucket, countsBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &Journal{db: db, retention: retention}, nil
}

// Close closes the journal.
func (j *Journal) Close() error { return j.db.Close() }

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
	return j.db.Update(func(tx *bolt.Tx) error {
		b, counts := tx.Bucket(eventsBucket), tx.Bucket(countsBucket)
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
		}
		return j.expire(b)
	})
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
	err := j.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(eventsBucket).Cursor()
		start := key(since, 0)
		if since.IsZero() {
			start = nil
		}
		k, v := c.First()
		if start != nil {
			k, v = c.Seek(start)
		}
		for ; k != nil; k, v = c.Next() {
			var e topology.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("journal: decode event: %w", err)
			}
			if e.Matches(since, id) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// Counts returns how many events of each kind were ever appended, kept
// across restarts and retention: hwgraph_events_total.
func (j *Journal) Counts() (map[string]uint64, error) {
	out := map[string]uint64{}
	err := j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(countsBucket).ForEach(func(k, v []byte) error {
			if len(v) != 8 {
				return errors.New("journal: corrupt count")
			}
			out[string(k)] = binary.BigEndian.Uint64(v)
			return nil
		})
	})
	return out, err
}
