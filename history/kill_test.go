package history

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// The two scans of the kill tests: a DIMM in the first is gone from the
// second, one removed event.
func killScans() (first, second *topology.Graph) {
	nic := &topology.Component{ID: "pci:0000:3b:00.0", Kind: topology.KindNIC}
	dimm := &topology.Component{ID: "dimm:A1", Kind: topology.KindDIMM}
	return graph(nic, dimm), graph(nic)
}

// recordAndDie is the process TestFaultKillAtEachWriteStep kills: it
// records the second scan against the folder's last one and SIGKILLs
// itself after step.
func recordAndDie(dir, at string) {
	st, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	afterStep = func(s string) {
		if s == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal lands
		}
	}
	last, err := st.Last()
	if err != nil || last == nil {
		fmt.Println("error: no last scan", err)
		os.Exit(1)
	}
	_, second := killScans()
	if err := st.Record(second, last, time.Now()); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	os.Exit(0) // the step was never reached
}

// TestFaultKillAtEachWriteStep: a writer killed (SIGKILL) after each
// step of recording a scan — staged, appended, renamed — and the same
// scan recorded again by the next process: the journal holds its event
// once, counted once, and last.json is that scan. Before, a kill between
// the append and the rename made the rerun append the event again.
func TestFaultKillAtEachWriteStep(t *testing.T) {
	for _, step := range []string{"staged", "appended", "renamed"} {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			st, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			first, second := killScans()
			if err := st.Record(first, nil, time.Now()); err != nil {
				t.Fatal(err)
			}
			st.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "HWGRAPH_KILL_AT="+dir, "HWGRAPH_KILL_STEP="+step)
			out, err := cmd.CombinedOutput()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the writer was not killed at %s: %v %s", step, err, out)
			}

			st, err = Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			last, err := st.Last()
			if err != nil || last == nil {
				t.Fatalf("last.json after the kill: %v", err)
			}
			if err := st.Record(second, last, time.Now()); err != nil {
				t.Fatal(err)
			}
			events, err := st.Journal.Query(time.Time{}, "dimm:A1")
			if err != nil || len(events) != 1 || events[0].Kind != topology.EventRemoved {
				t.Errorf("the journal holds %+v (%v), want the removal once", events, err)
			}
			if c, _ := st.Journal.Counts(); c[topology.EventRemoved] != 1 {
				t.Errorf("counts %v, want 1 removed", c)
			}
			if g, _ := st.Last(); g == nil || len(g.Components) != len(second.Components) {
				t.Errorf("last.json is not the second scan")
			}
			if _, err := os.Stat(filepath.Join(dir, nextFile)); err == nil {
				t.Errorf("%s stays", nextFile)
			}
		})
	}
}

// TestFaultJournalRolledBack: a journal that went back to an earlier
// state (what bbolt does with a damaged meta page: it opens the one
// before, and the last appends are gone) is reported when the folder is
// opened, and kept; one that did not is not reported.
func TestFaultJournalRolledBack(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, second := killScans()
	if err := st.Record(first, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, journalFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Record(second, first, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = Open(dir); err != nil {
		t.Fatal(err)
	} else if d := st.TakeDamage(); len(d) != 0 {
		t.Errorf("a journal that kept every event reported: %+v", d)
	}
	st.Close()

	if err := os.WriteFile(filepath.Join(dir, journalFile), before, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := st.TakeDamage()
	if len(d) != 1 || d[0].File != journalFile || !strings.Contains(d[0].String(), "rolled back") || !d[0].Kept {
		t.Errorf("damage %+v, want the journal reported rolled back and kept", d)
	}
	if st.DamageCounts()[journalFile] != 1 {
		t.Errorf("counts %v", st.DamageCounts())
	}
}
