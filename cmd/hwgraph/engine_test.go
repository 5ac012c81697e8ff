package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// syncBuffer is a Buffer a command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// removeNode1 deletes NUMA node 1 from a capture of the R910 (four
// nodes), as a node that drops out between two scans.
func removeNode1(t *testing.T, root string) {
	t.Helper()
	// One rename, not a removal file by file: a scan running meanwhile
	// sees the node whole or gone, never half read (which is a
	// state change of its own).
	if err := os.Rename(filepath.Join(root, "sys/devices/system/node/node1"), filepath.Join(root, "node1.removed")); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestWatchAndServeReportTheSameEvents: without a state folder, watch and
// serve both judge a scan against the one before, in memory, and report
// the same events for the same sequence of trees — a NUMA node deleted
// between two scans is "removed numa:1" from both. (watch printed nothing
// before they shared one engine.)
func TestWatchAndServeReportTheSameEvents(t *testing.T) {
	const capture = "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2"
	events := map[string][]string{}

	// watch: rescans every 100 ms; node1 goes once it has scanned.
	root := fixture.Root(t, capture)
	var out, errs syncBuffer
	done := make(chan int)
	go func() {
		done <- run([]string{"watch", "--root", root, "--state-dir", "", "--interval", "100ms", "--scans", "40"}, &out, &errs)
	}()
	time.Sleep(300 * time.Millisecond)
	removeNode1(t, root)
	waitFor(t, "watch to report the removal", func() bool { return strings.Contains(out.String(), "numa:1") })
	if code := <-done; code != 0 {
		t.Fatalf("watch exit %d: %s", code, errs.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		f := strings.Fields(line) // time, severity, kind, id, message
		events["watch"] = append(events["watch"], f[2]+" "+f[3])
	}

	// serve: the same, read from /api/v1/events.
	root = fixture.Root(t, capture)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	served := make(chan int)
	go func() {
		served <- run([]string{"serve", "--root", root, "--state-dir", "", "--scan.interval", "100ms", "--web.listen-address", addr,
			"--log.level", "error"}, io.Discard, io.Discard)
	}()
	get := func() []topology.Event {
		resp, err := http.Get("http://" + addr + "/api/v1/events")
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		var es []topology.Event
		json.NewDecoder(resp.Body).Decode(&es)
		return es
	}
	waitFor(t, "serve to answer", func() bool { return get() != nil })
	time.Sleep(300 * time.Millisecond)
	removeNode1(t, root)
	var got []topology.Event
	waitFor(t, "serve to report the removal", func() bool {
		got = get()
		return slices.ContainsFunc(got, func(e topology.Event) bool { return e.Component == "numa:1" })
	})
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	<-served
	for _, e := range got {
		events["serve"] = append(events["serve"], e.Kind+" "+e.Component+e.Link)
	}

	if !slices.Contains(events["watch"], "removed numa:1") {
		t.Errorf("watch reported %q, no removed numa:1", events["watch"])
	}
	slices.Sort(events["watch"])
	slices.Sort(events["serve"])
	if !slices.Equal(events["watch"], events["serve"]) {
		t.Errorf("watch reported %q\nserve reported %q", events["watch"], events["serve"])
	}
	t.Logf("both reported %q", events["watch"])
}
