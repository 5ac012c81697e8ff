package eventlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// childEnv names the file of events a re-run of this test binary sends
// to a journald of its own.
const childEnv = "HWGRAPH_TEST_JOURNALD_EVENTS"

// noJournald starts what the child says when journald cannot run.
const noJournald = "journald cannot run here"

// TestJournaldGivesBackTheEvents: an agent's events (node_exporter's
// capture with kernel-log lines), a folded storm and a 20,000-byte
// message, sent with --log.events journal to a real systemd-journald
// (run in a mount namespace of its own, so the machine's journal is not
// touched) and read back with `journalctl -o json`, are the events sent,
// exactly, with PRIORITY from their severity and MESSAGE as the CLI
// prints them.
func TestJournaldGivesBackTheEvents(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		journaldChild(t, path)
		return
	}
	journald := findJournald()
	for _, p := range []string{journald, "journalctl", "unshare"} {
		if _, err := exec.LookPath(p); p == "" || err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("systemd-journald, journalctl and unshare are needed (Debian: systemd, util-linux): %q missing", p)
			}
			t.Skipf("%q missing", p)
		}
	}
	// A mount namespace of our own, as root of a user namespace where
	// not root: where neither is allowed (a locked-down container) the
	// test cannot run, whatever is installed.
	if out, err := exec.Command("unshare", "-rm", "true").CombinedOutput(); err != nil {
		t.Skipf("no mount namespace can be made here: %v: %s", err, out)
	}

	events := agentEvents(t, nil)
	at := time.Date(2026, 12, 7, 6, 0, 0, 123456789, time.UTC)
	events = append(events,
		topology.Event{Time: at, Kind: "xid", Component: "gpu:0000:3b:00.0", Severity: topology.SeverityCritical, Message: "Xid 79: GPU has fallen off the bus", Source: "nvml", Count: 1000, Last: at.Add(4 * time.Minute)},
		topology.Event{Time: at.Add(time.Second), Kind: "bmc-log", Component: "bmc:0", Severity: topology.SeverityWarning, Message: strings.Repeat("é", 10000), Source: "redfish"},
	)
	file := filepath.Join(t.TempDir(), "events.json")
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "-rm", os.Args[0], "-test.run=^TestJournaldGivesBackTheEvents$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+file, "JOURNALD_PATH="+journald)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in its own namespace: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte(noJournald)) {
		t.Skipf("%s", out)
	}
	if !bytes.Contains(out, []byte("journald gave back")) {
		t.Fatalf("the child did not check the journal:\n%s", out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}

func findJournald() string {
	for _, p := range []string{"/usr/lib/systemd/systemd-journald", "/lib/systemd/systemd-journald"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// journaldChild runs in the namespace: journald's folders on fresh
// tmpfs, journald started, the events sent through Writer, the journal
// synced and read back.
func journaldChild(t *testing.T, file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var want []topology.Event
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"/run", "/var/log/journal"} {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "mode=0755"); err != nil {
			t.Fatalf("tmpfs on %s: %v", dir, err)
		}
	}
	var jlog bytes.Buffer
	jd := exec.Command(os.Getenv("JOURNALD_PATH"))
	jd.Stdout, jd.Stderr = &jlog, &jlog
	if err := jd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		jd.Process.Signal(syscall.SIGTERM)
		jd.Wait()
	}()
	const socket = "/run/systemd/journal/socket"
	for i := 0; ; i++ {
		if _, err := os.Stat(socket); err == nil {
			break
		}
		if i == 100 {
			// journald that cannot start here (no machine ID, a
			// container's limits) is the machine, not hwgraph.
			t.Skipf("%s: journald made no %s in 10 s:\n%s", noJournald, socket, jlog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var logged bytes.Buffer
	w := New(Journald, slog.New(slog.NewTextHandler(&logged, nil)))
	w.Write(want)
	if out, err := exec.Command("journalctl", "--sync").CombinedOutput(); err != nil {
		t.Fatalf("journalctl --sync: %v: %s", err, out)
	}
	jd.Process.Signal(syscall.SIGTERM)
	jd.Wait()

	var entries []map[string]string
	for _, dir := range []string{"/run/log/journal", "/var/log/journal"} {
		out, err := exec.Command("journalctl", "-D", dir, "-a", "-o", "json", "--no-pager", "SYSLOG_IDENTIFIER=hwgraph").Output()
		if err != nil {
			continue // no journal files there
		}
		entries = append(entries, decodeEntries(t, out)...)
	}
	var got []topology.Event
	for _, f := range entries {
		e, err := Decode(f)
		if err != nil {
			t.Fatalf("entry %v: %v", f, err)
		}
		got = append(got, e)
		msg := e.Message + e.FoldedSuffix()
		if id := e.Subject(); id != "" {
			msg = id + ": " + msg
		}
		if f["MESSAGE"] != msg {
			t.Errorf("MESSAGE %.80q, want %.80q", f["MESSAGE"], msg)
		}
		if p := map[string]string{"critical": "2", "warning": "4", "info": "5"}[e.Severity]; f["PRIORITY"] != p {
			t.Errorf("%s event: PRIORITY %s, want %s", e.Severity, f["PRIORITY"], p)
		}
	}
	slices.SortStableFunc(got, func(a, b topology.Event) int { return a.Time.Compare(b.Time) })
	slices.SortStableFunc(want, func(a, b topology.Event) int { return a.Time.Compare(b.Time) })
	sameEvents(t, got, want)
	if logged.Len() > 0 {
		t.Errorf("the writer said: %s", logged.String())
	}
	fmt.Printf("journald gave back %d events\n", len(got))
}

// decodeEntries decodes journalctl's JSON lines; a field journalctl
// writes as an array of bytes (not UTF-8 or not printable) is its bytes.
func decodeEntries(t *testing.T, out []byte) []map[string]string {
	t.Helper()
	var entries []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("journalctl's line %q: %v", sc.Text(), err)
		}
		f := map[string]string{}
		for k, v := range raw {
			var s string
			var bs []int
			if json.Unmarshal(v, &s) == nil {
				f[k] = s
			} else if json.Unmarshal(v, &bs) == nil {
				b := make([]byte, len(bs))
				for i, c := range bs {
					b[i] = byte(c)
				}
				f[k] = string(b)
			}
		}
		entries = append(entries, f)
	}
	return entries
}
