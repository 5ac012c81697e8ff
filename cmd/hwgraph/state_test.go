package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// startServe runs `hwgraph serve` on root with the state folder and
// returns its address and a function that stops it and returns its
// stderr.
func startServe(t *testing.T, root, state string) (addr string, stop func() string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	var errs syncBuffer
	done := make(chan int)
	go func() {
		done <- run([]string{"serve", "--root", root, "--state-dir", state, "--web.listen-address", addr, "--scan.interval", "1h"}, io.Discard, &errs)
	}()
	waitFor(t, "serve to answer", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	return addr, func() string {
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		<-done
		return errs.String()
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestStateFolderBesideServe: while serve writes a state folder, the
// operator reads its events and runs hwgraph on it (judged against the
// folder, not recorded); a second writer is refused with serve's PID; a
// typo's folder is not created.
func TestStateFolderBesideServe(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	state := t.TempDir()
	_, stop := startServe(t, root, state)
	defer stop()
	if code, _, errs := hwgraph(t, "events", "--state-dir", state); code != 0 {
		t.Errorf("events beside serve: exit %d: %s", code, errs)
	}
	code, out, errs := hwgraph(t, "--root", root, "--state-dir", state, "--format", "text")
	if code != 0 || out == "" || !strings.Contains(errs, "locked by hwgraph pid "+strconv.Itoa(os.Getpid())) ||
		!strings.Contains(errs, "not recording") {
		t.Errorf("hwgraph beside serve: exit %d: %s", code, errs)
	}
	if code, _, errs := hwgraph(t, "watch", "--root", root, "--state-dir", state, "--scans", "1"); code != 1 ||
		!strings.Contains(errs, "locked by hwgraph pid") {
		t.Errorf("a second writer: exit %d: %s", code, errs)
	}
	typo := filepath.Join(t.TempDir(), "typo")
	if code, _, errs := hwgraph(t, "events", "--state-dir", typo); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("events --state-dir TYPO: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(typo); err == nil {
		t.Error("events created the typo's folder")
	}
}

// TestServeWithDamagedJournal: a journal cut short (every command died of
// SIGBUS on it) is moved aside once at start; serve answers, /healthz
// says degraded and why, hwgraph_state_errors_total counts it, and the
// log says it once.
func TestServeWithDamagedJournal(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	state := t.TempDir()
	if code, _, errs := hwgraph(t, "--root", root, "--state-dir", state); code != 0 {
		t.Fatalf("first run: %s", errs)
	}
	db := filepath.Join(state, "events.db")
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	os.Truncate(db, fi.Size()/3)
	addr, stop := startServe(t, root, state)
	health := get(t, "http://"+addr+"/healthz")
	metrics := get(t, "http://"+addr+"/metrics")
	logged := stop()
	if !strings.HasPrefix(health, "degraded: state events.db damaged") {
		t.Errorf("healthz: %q", health)
	}
	if !strings.Contains(metrics, `hwgraph_state_errors_total{file="events.db"} 1`) ||
		!strings.Contains(metrics, `hwgraph_state_errors_total{file="last.json"} 0`) {
		t.Errorf("metrics lack the state errors")
	}
	if strings.Count(logged, "state file damaged") != 1 {
		t.Errorf("log: %s", logged)
	}
	if aside, _ := filepath.Glob(db + ".damaged-*"); len(aside) != 1 {
		t.Errorf("aside: %v", aside)
	}
}

// TestEventsSince: --since is read as the API reads since; what it cannot
// mean is a usage error, not all events or none.
func TestEventsSince(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	state := t.TempDir()
	if code, _, errs := hwgraph(t, "--root", root, "--state-dir", state); code != 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct {
		since string
		code  int
	}{{"1h", 0}, {"7d", 0}, {"2026-01-01T00:00:00Z", 0}, {"-1h", 2}, {"garbage", 2}} {
		if code, _, errs := hwgraph(t, "events", "--state-dir", state, "--since", tc.since); code != tc.code {
			t.Errorf("--since %s: exit %d, want %d: %s", tc.since, code, tc.code, errs)
		}
	}
}

// TestKmsgFileRestarts: with a state folder, a saved kernel log is not
// replayed by every run (ten restarts turned 400 lines into 2,200
// journal events): each matching line is one event, lines appended later
// are read on the next run, and a replaced (rotated) file from its start.
func TestKmsgFileRestarts(t *testing.T) {
	root := fixture.Root(t, "node_exporter/sys.tar.gz")
	state := t.TempDir()
	log := filepath.Join(t.TempDir(), "dmesg.txt")
	aer := "[  200.000002] nvme 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)\n"
	if err := os.WriteFile(log, []byte(strings.Repeat(aer, 40)), 0o644); err != nil {
		t.Fatal(err)
	}
	runs := func(n int) {
		t.Helper()
		for range n {
			if code, _, errs := hwgraph(t, "--root", root, "--state-dir", state, "--kmsg", log, "--collectors", "pcie,kmsg"); code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
		}
	}
	// What the journal holds for the AER lines, storms folded: their
	// count, and how many events stand for them.
	var folded int
	aerEvents := func() int {
		_, out, _ := hwgraph(t, "events", "--state-dir", state, "--format", "json")
		var events []topology.Event
		if err := json.Unmarshal([]byte(out), &events); err != nil {
			t.Fatalf("events --format json: %v\n%s", err, out)
		}
		n := 0
		folded = 0
		for _, e := range events {
			if e.Kind == "aer" {
				n += e.N()
				folded++
			}
		}
		return n
	}
	runs(10)
	if n := aerEvents(); n != 40 || folded != 1 {
		t.Errorf("10 runs over 40 lines: %d in %d events, want 40 in one (a storm, folded)", n, folded)
	}
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(aer + aer)
	f.Close()
	runs(2)
	if n := aerEvents(); n != 42 {
		t.Errorf("after 2 lines appended: %d events, want 42", n)
	}
	os.Remove(log) // rotated: a new file, another inode
	os.WriteFile(log, []byte(aer), 0o644)
	runs(1)
	if n := aerEvents(); n != 43 {
		t.Errorf("after rotation: %d events, want 43", n)
	}
}
