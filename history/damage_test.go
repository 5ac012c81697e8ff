package history

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// journalWithEvents makes a state folder whose journal holds n events,
// and closes it.
func journalWithEvents(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range n {
		if err := st.Journal.Append(topology.Event{Time: now.Add(time.Duration(i) * time.Millisecond), Kind: "errors",
			Component: "dimm:A1", Message: strings.Repeat("x", 200)}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	return dir
}

// TestFaultDamagedJournal: a journal cut short (which made every command
// die of SIGBUS), with random bytes in a page (a bbolt panic), or with a
// bad header is moved aside when the folder is opened, said once, and a
// fresh journal takes the events that follow. Nothing crashes.
func TestFaultDamagedJournal(t *testing.T) {
	for name, damage := range map[string]func(path string){
		"truncated": func(path string) {
			fi, _ := os.Stat(path)
			os.Truncate(path, fi.Size()/2)
		},
		"random bytes in a page": func(path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			defer f.Close()
			f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", 512)), 3*4096)
		},
		"bad headers": func(path string) { // both meta pages: with one, bbolt reads the other
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			defer f.Close()
			f.WriteAt([]byte(strings.Repeat("not a bbolt file at all ", 100)), 0)
			f.WriteAt([]byte(strings.Repeat("not a bbolt file at all ", 100)), int64(os.Getpagesize()))
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := journalWithEvents(t, 200)
			damage(filepath.Join(dir, journalFile))
			st, err := Open(dir)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer st.Close()
			d := st.TakeDamage()
			if len(d) != 1 || d[0].File != journalFile || d[0].MovedTo == "" {
				t.Fatalf("damage %+v", d)
			}
			var de *DamageError
			if !errors.As(d[0].Err, &de) {
				t.Errorf("damage error %v is not a DamageError", d[0].Err)
			}
			if _, err := os.Stat(d[0].MovedTo); err != nil {
				t.Errorf("the damaged journal is not kept aside: %v", err)
			}
			if err := st.Journal.Append(topology.Event{Time: time.Now(), Kind: "removed", Component: "pci:0000:01:00.0"}); err != nil {
				t.Fatal(err)
			}
			if es, err := st.Journal.Query(time.Time{}, ""); err != nil || len(es) != 1 {
				t.Errorf("the fresh journal holds %d events, %v", len(es), err)
			}
		})
	}
}

// TestFaultJournalTruncatedWhileOpen: a journal cut short under a running
// agent is an error on the next read, not a fault that kills it.
func TestFaultJournalTruncatedWhileOpen(t *testing.T) {
	dir := journalWithEvents(t, 300)
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fi, _ := os.Stat(filepath.Join(dir, journalFile))
	os.Truncate(filepath.Join(dir, journalFile), fi.Size()/3)
	if _, err := st.Journal.Query(time.Time{}, ""); err == nil {
		t.Error("a truncated journal read without error")
	}
	// Record moves it aside and carries on.
	g := topology.Build(&topology.Fragment{Components: []*topology.Component{{ID: "numa:0", Kind: topology.KindNUMANode}}})
	g.Events = []topology.Event{{Time: time.Now(), Kind: "errors", Component: "numa:0"}}
	if err := st.Record(g, nil, time.Now()); err != nil {
		t.Fatalf("record after the journal broke: %v", err)
	}
	if d := st.TakeDamage(); len(d) == 0 || d[len(d)-1].File != journalFile {
		t.Errorf("damage %+v", d)
	}
}

// TestDamagedLastAndBaseline: with last.json damaged, a device gone since
// the baseline is still missing with a removed event; with the baseline
// damaged, it is rebuilt from the last scan, so a device gone since then
// is still missing.
func TestDamagedLastAndBaseline(t *testing.T) {
	nic := &topology.Component{ID: "pci:0000:3b:00.0", Kind: topology.KindNIC}
	dimm := &topology.Component{ID: "dimm:A1", Kind: topology.KindDIMM}
	for _, file := range []string{lastFile, baselineFile} {
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			st, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			first := graph(nic, dimm)
			if err := st.Record(first, nil, time.Now()); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, file), []byte(`{"schema":1,"host":{"id":"host","kind":"host"},"components":[null]}`), 0o600)
			last, _ := st.Last()
			second := graph(nic) // the DIMM is gone
			if err := st.Record(second, last, time.Now()); err != nil {
				t.Fatal(err)
			}
			c, ok := second.Component("dimm:A1")
			if !ok || c.Health.State != topology.StateMissing {
				t.Errorf("the DIMM: %+v", c)
			}
			removed := false
			for _, e := range second.Events {
				removed = removed || e.Kind == topology.EventRemoved && e.Component == "dimm:A1"
			}
			if !removed {
				t.Errorf("events %+v lack the removal", second.Events)
			}
			if d := st.TakeDamage(); len(d) != 1 || d[0].File != file {
				t.Errorf("damage %+v", d)
			}
			if base, _ := st.Baseline(); base == nil {
				t.Error("no baseline after the damage")
			}
		})
	}
}

// TestReadersBesideTheWriter: while one process writes a state folder, a
// second writer is refused with the holder's PID, and a reader reads the
// journal the writer appends to.
func TestReadersBesideTheWriter(t *testing.T) {
	dir := journalWithEvents(t, 3)
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var locked *ErrLocked
	if _, err := Open(dir); !errors.As(err, &locked) || locked.PID != os.Getpid() ||
		!strings.Contains(err.Error(), "locked by hwgraph pid") {
		t.Errorf("second writer: %v", err)
	}
	r, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Journal.Append(topology.Event{Time: time.Now(), Kind: "removed", Component: "numa:1"})
	es, err := r.Journal.Query(time.Time{}, "")
	if err != nil || len(es) != 4 {
		t.Errorf("reader sees %d events, %v", len(es), err)
	}
	if err := r.WriteState("kmsg-cursor", []byte("x")); err == nil {
		t.Error("a reader wrote")
	}
	w.Close()
	if w2, err := Open(dir); err != nil {
		t.Errorf("after the writer closed: %v", err)
	} else {
		w2.Close()
	}
	if _, err := OpenReadOnly(filepath.Join(dir, "typo")); err == nil {
		t.Error("a folder that is not there opened read-only")
	}
	if _, err := os.Stat(filepath.Join(dir, "typo")); err == nil {
		t.Error("reading a folder that is not there created it")
	}
}

// TestFaultStateFileNotARegularFile: a last.json or baseline.json that is
// a FIFO (which would hang the scan), a link to /dev/zero (which never
// ends) or a sparse file past 64 MiB (which would be read into memory) is
// damage: read as none, moved aside and reported, at once.
func TestFaultStateFileNotARegularFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path string) error
		want string
	}{
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o600) }, "not a regular file"},
		{"dev-zero", func(p string) error { return os.Symlink("/dev/zero", p) }, "not a regular file"},
		{"huge", func(p string) error {
			if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
				return err
			}
			return os.Truncate(p, maxStateFile+1)
		}, "past the"},
	} {
		for _, file := range []string{lastFile, baselineFile} {
			t.Run(tc.name+"/"+file, func(t *testing.T) {
				dir := t.TempDir()
				st, err := Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				if err := tc.make(filepath.Join(dir, file)); err != nil {
					t.Fatal(err)
				}
				read := st.Last
				if file == baselineFile {
					read = st.Baseline
				}
				if g, err := read(); g != nil || err != nil {
					t.Errorf("read as %v, %v", g, err)
				}
				d := st.TakeDamage()
				if len(d) != 1 || d[0].File != file || !strings.Contains(d[0].Err.Error(), tc.want) || d[0].MovedTo == "" {
					t.Errorf("damage %+v, want %s moved aside: %s", d, file, tc.want)
				}
				if _, err := os.Lstat(filepath.Join(dir, file)); err == nil {
					t.Errorf("%s stays in place", file)
				}
			})
		}
	}
}
