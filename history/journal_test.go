package history

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

func TestAppendQueryCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	j, err := OpenJournal(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	err = j.Append(
		topology.Event{Time: now.Add(-2 * time.Hour), Kind: "errors", Component: "dimm:A1", Message: "expired"},
		topology.Event{Time: now.Add(-time.Minute), Kind: "errors", Component: "dimm:A1", Message: "1 new memory_corrected errors"},
		topology.Event{Time: now, Kind: "removed", Component: "pci:0000:3b:00.0", Message: "gone"},
	)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	// Reopen: what was appended is there; the expired event is not.
	j, err = OpenJournal(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	all, err := j.Query(time.Time{}, "")
	if err != nil || len(all) != 2 || all[0].Component != "dimm:A1" || all[1].Kind != "removed" {
		t.Fatalf("all events %+v, %v", all, err)
	}
	if got, _ := j.Query(now.Add(-30*time.Second), ""); len(got) != 1 || got[0].Kind != "removed" {
		t.Errorf("since 30s: %+v", got)
	}
	if got, _ := j.Query(time.Time{}, "dimm:A1"); len(got) != 1 {
		t.Errorf("for dimm:A1: %+v", got)
	}
	counts, err := j.Counts()
	if err != nil || counts["errors"] != 2 || counts["removed"] != 1 {
		t.Errorf("counts %v, %v (the expired event still counts)", counts, err)
	}
}

// TestMain lets the test binary act as the writer process that
// TestSIGKILLDuringWrites kills.
func TestMain(m *testing.M) {
	if path := os.Getenv("HWGRAPH_JOURNAL_WRITER"); path != "" {
		writer(path)
		return
	}
	if dir := os.Getenv("HWGRAPH_KILL_AT"); dir != "" {
		recordAndDie(dir, os.Getenv("HWGRAPH_KILL_STEP"))
		return
	}
	os.Exit(m.Run())
}

// writer appends events as fast as it can and prints each sequence
// number once its Append returned.
func writer(path string) {
	j, err := OpenJournal(path, 0)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		e := topology.Event{Time: time.Now().UTC(), Kind: "errors", Component: "dimm:A1", Message: strconv.Itoa(i)}
		if err := j.Append(e); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(i)
	}
}

// TestSIGKILLDuringWrites kills a writer in the middle of its appends: the
// journal opens again and holds every event the writer reported.
func TestSIGKILLDuringWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HWGRAPH_JOURNAL_WRITER="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	last := -1
	deadline := time.Now().Add(500 * time.Millisecond)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("writer: %s", sc.Text())
		}
		last = n
		if time.Now().After(deadline) && last >= 20 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if last < 20 {
		t.Fatalf("the writer wrote only %d events", last+1)
	}
	j, err := OpenJournal(path, 0)
	if err != nil {
		t.Fatalf("journal after SIGKILL: %v", err)
	}
	defer j.Close()
	events, err := j.Query(time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) < last+1 {
		t.Fatalf("%d events in the journal, the writer reported %d written", len(events), last+1)
	}
	for i := 0; i <= last; i++ {
		if events[i].Message != strconv.Itoa(i) {
			t.Fatalf("event %d is %q", i, events[i].Message)
		}
	}
	t.Logf("killed after %d reported writes; %d in the journal", last+1, len(events))
}

// TestPage: a journal read page by page, newest first, gives each event
// once; since and the ID filter hold across pages; a cursor from
// elsewhere is an error.
func TestPage(t *testing.T) {
	j, err := OpenJournal(filepath.Join(t.TempDir(), "events.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var all []topology.Event
	for i := range 1234 {
		id := "dimm:A1"
		if i%3 == 0 {
			id = "pci:0000:3b:00.0"
		}
		all = append(all, topology.Event{Time: now.Add(time.Duration(i-1234) * time.Second), Kind: "errors", Component: id, Message: strconv.Itoa(i)})
	}
	if err := j.Append(all...); err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{readChunk, 7} { // as readers read, and across many holds of the file
		defer func(n int) { readChunk = n }(readChunk)
		readChunk = chunk
		if got, err := j.Query(now.Add(-100*time.Second), ""); err != nil || len(got) != 100 || got[0].Message != "1134" || got[99].Message != "1233" {
			t.Errorf("chunks of %d: the last 100 s: %d events, %v", chunk, len(got), err)
		}
		testPages(t, j, all, now)
	}
	if _, err := j.Page(topology.EventQuery{Cursor: "zz", Limit: 1}); !errors.Is(err, topology.ErrBadCursor) {
		t.Errorf("a garbage cursor: %v", err)
	}
}

// TestReaderLetsWriterIn: a reader of a journal larger than a chunk
// decodes and filters with the file let go: while it reads, a writer
// takes the file at once (before, one Query held it for its whole
// reading, and a writer timed out behind it).
func TestReaderLetsWriterIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	j, err := OpenJournal(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { readChunk = n }(readChunk)
	readChunk = 10
	now := time.Now().UTC()
	var es []topology.Event
	for i := range 35 {
		es = append(es, topology.Event{Time: now.Add(time.Duration(i) * time.Millisecond), Kind: "errors", Component: "dimm:A1", Message: strconv.Itoa(i)})
	}
	if err := j.Append(es...); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	err = j.each(nil, true, false, func(_, _ []byte) (bool, error) {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			t.Fatalf("event %d: a writer cannot take the file while the reader reads: %v", n, err)
		}
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		n++
		return false, nil
	})
	if err != nil || n != 35 {
		t.Errorf("read %d events, %v", n, err)
	}
}

func testPages(t *testing.T, j *Journal, all []topology.Event, now time.Time) {
	for _, tc := range []struct {
		name string
		q    topology.EventQuery
		want int
	}{
		{"all", topology.EventQuery{Limit: 500}, 1234},
		{"one component", topology.EventQuery{ID: "pci:0000:3b:00.0", Limit: 100}, 412},
		{"the last 10 minutes", topology.EventQuery{Since: now.Add(-10 * time.Minute), Limit: 250}, 600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			q, pages, last := tc.q, 0, ""
			for {
				p, err := j.Page(q)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if len(p.Events) > q.Limit {
					t.Fatalf("page of %d, limit %d", len(p.Events), q.Limit)
				}
				for _, e := range p.Events {
					if seen[e.Message] {
						t.Fatalf("event %s twice", e.Message)
					}
					if last != "" && e.Time.After(all[mustAtoi(t, last)].Time) {
						t.Fatalf("event %s after %s: not newest first", e.Message, last)
					}
					seen[e.Message], last = true, e.Message
				}
				if p.Next == "" {
					break
				}
				q.Cursor = p.Next
			}
			if len(seen) != tc.want || pages != (tc.want+tc.q.Limit-1)/tc.q.Limit {
				t.Errorf("%d events in %d pages, want %d", len(seen), pages, tc.want)
			}
		})
	}
}

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
