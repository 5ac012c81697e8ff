package cluster

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/topology"
)

// TestFetchHostileAgents: agents that answer what no agent should (a
// null component, which made cluster die with SIGSEGV; an endless
// answer; not a graph) are unreachable with the reason, and the healthy
// agent beside them is merged as usual.
func TestFetchHostileAgents(t *testing.T) {
	good := captureGraphs(t)[0]
	serve := func(h http.HandlerFunc) Target {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		ts, _ := ParseTargets(srv.URL)
		return ts[0]
	}
	targets := []Target{
		serve(func(w http.ResponseWriter, _ *http.Request) { topology.WriteJSON(w, good) }),
		serve(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"schema":1,"host":{"id":"host","kind":"host"},"components":[null]}`)
		}),
		serve(func(w http.ResponseWriter, r *http.Request) { // a component array without end
			io.WriteString(w, `{"schema":1,"host":{"id":"host","kind":"host"},"components":[`)
			c := `{"id":"pci:0000:01:00.0","kind":"nic"},`
			for r.Context().Err() == nil {
				if _, err := io.WriteString(w, strings.Repeat(c, 1000)); err != nil {
					return
				}
			}
		}),
		serve(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "<html>502 Bad Gateway</html>") }),
	}
	lim := topology.DefaultLimits
	lim.MaxBytes = 1 << 20
	start := time.Now()
	res := Fetch(context.Background(), http.DefaultClient, targets, 10*time.Second, 4, lim)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("fetch took %v: the endless answer was read past its limit", el)
	}
	for i, want := range []string{"", "components[0]: null", "larger than 1048576 bytes", "invalid character"} {
		switch {
		case want == "" && (res[i].Err != nil || res[i].Graph == nil):
			t.Errorf("agent %d: %v", i, res[i].Err)
		case want != "" && (res[i].Err == nil || !strings.Contains(res[i].Err.Error(), want) || !strings.Contains(res[i].Err.Error(), res[i].Target.URL)):
			t.Errorf("agent %d: %v, want an error naming it and %q", i, res[i].Err, want)
		}
	}
	g := Merge(res)
	if s := Summary(g); s["unreachable"] != 3 || len(s) != 2 {
		t.Errorf("summary %v", s)
	}
}

// TestReadTargetsFileBounded: a targets file that never ends is an error,
// not a read of all memory.
func TestReadTargetsFileBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	if _, err := ReadTargetsFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("/dev/zero: %v", err)
	}
}
