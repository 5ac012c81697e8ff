package nodestatus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/topology"
)

// apiServer records what the reporter sends, answering as the API
// server does, or as fail says for the n-th request.
type apiServer struct {
	mu       sync.Mutex
	requests []request
	fail     func(n int) (code int, body string, hang bool)
}

type request struct {
	Method, Path, ContentType, Auth string
	Body                            map[string]any
}

func (a *apiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	json.Unmarshal(b, &body)
	a.mu.Lock()
	n := len(a.requests)
	a.requests = append(a.requests, request{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), body})
	fail := a.fail
	a.mu.Unlock()
	if fail != nil {
		if code, answer, hang := fail(n); hang {
			<-r.Context().Done()
			return
		} else if code != 0 {
			w.WriteHeader(code)
			io.WriteString(w, answer)
			return
		}
	}
	io.WriteString(w, `{"kind":"Node"}`)
}

func (a *apiServer) sent() []request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]request(nil), a.requests...)
}

// kubeconfig points at srv with a token, as a kubeconfig file does.
func kubeconfig(t *testing.T, srv *httptest.Server) cluster.Kubernetes {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf("current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: %q}}]\nusers: [{name: u, user: {token: s3cret}}]\n", srv.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return cluster.Kubernetes{Kubeconfig: path}
}

func scanOf(t *testing.T, capture string) *topology.Graph {
	t.Helper()
	return collectors.New(collectors.Options{}).Scan(context.Background(), collectors.Env{Root: fixture.Root(t, capture)}, nil)
}

// running is a reporter for node-1 whose clock stands at now, sending
// to a recorded API server, until the test ends.
func running(t *testing.T, now time.Time) (*Reporter, *apiServer) {
	t.Helper()
	api := &apiServer{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	r := New(kubeconfig(t, srv), "node-1", nil)
	r.now = func() time.Time { return now }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go r.Run(ctx)
	return r, api
}

// wait waits until the server has n requests.
func wait(t *testing.T, a *apiServer, n int) []request {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if got := a.sent(); len(got) >= n {
			return got
		}
	}
	t.Fatalf("the API server got %d requests, want %d", len(a.sent()), n)
	return nil
}

// TestConditionsAndEvents: node_exporter's capture (uncorrected ECC
// errors, an NVMe path dead) sets HardwareMemoryProblem and
// StorageProblem True with the part and reason, the four others False,
// in one strategic-merge patch of the node's status with the service
// account's token; the next scan keeps each lastTransitionTime; a
// warning event is posted on the node as a Kubernetes Event, an info
// one is not.
func TestConditionsAndEvents(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	r, api := running(t, t0)
	g := scanOf(t, "node_exporter/sys.tar.gz")
	g.Events = []topology.Event{
		{Time: t0, Kind: "link-degraded", Link: "pci:0000:00:02.1~pci:0000:01:00.0", Severity: topology.SeverityWarning, Message: "pcie link x8 of x16", Source: "diff", Count: 3, Last: t0.Add(time.Minute)},
		{Time: t0, Kind: "appeared", Component: "dimm:A1", Severity: topology.SeverityInfo, Message: "appeared", Source: "diff"},
	}
	r.Report(g)
	got := wait(t, api, 2)
	patch := got[0]
	if patch.Method != "PATCH" || patch.Path != "/api/v1/nodes/node-1/status" || patch.ContentType != "application/strategic-merge-patch+json" || patch.Auth != "Bearer s3cret" {
		t.Fatalf("the first request: %+v", patch)
	}
	conds := map[string]map[string]any{}
	for _, c := range patch.Body["status"].(map[string]any)["conditions"].([]any) {
		m := c.(map[string]any)
		conds[m["type"].(string)] = m
	}
	for typ, want := range map[string]string{"HardwareMemoryProblem": "True", "StorageProblem": "True", "PCIeLinkProblem": "False",
		"GPUProblem": "False", "BMCProblem": "False", "I2CBusProblem": "False"} {
		c := conds[typ]
		if c["status"] != want || c["lastTransitionTime"] != "2026-12-07T02:00:00Z" {
			t.Errorf("%s: %v, want status %s", typ, c, want)
		}
	}
	if m := conds["HardwareMemoryProblem"]; m["reason"] != "MemoryFailing" || !strings.HasPrefix(m["message"].(string), "hwgraph: dimm:MC0CSROW0CHANNEL0: failed, 2 uncorrected ECC errors") {
		t.Errorf("memory: %v", m)
	}
	ev := got[1]
	if ev.Method != "POST" || ev.Path != "/api/v1/namespaces/default/events" || ev.Body["reason"] != "HardwareLinkDegraded" || ev.Body["type"] != "Warning" ||
		ev.Body["count"] != float64(3) || ev.Body["involvedObject"].(map[string]any)["name"] != "node-1" || ev.Body["lastTimestamp"] != "2026-12-07T02:01:00Z" {
		t.Errorf("the event: %+v", ev)
	}
	r.now = func() time.Time { return t0.Add(time.Minute) }
	g2 := scanOf(t, "node_exporter/sys.tar.gz")
	r.Report(g2)
	got = wait(t, api, 3)
	if len(got) != 3 {
		t.Fatalf("%d requests after the second scan (its info events are not posted)", len(got))
	}
	for _, c := range got[2].Body["status"].(map[string]any)["conditions"].([]any) {
		m := c.(map[string]any)
		if m["lastTransitionTime"] != "2026-12-07T02:00:00Z" || m["lastHeartbeatTime"] != "2026-12-07T02:01:00Z" {
			t.Errorf("second scan, %s: %v", m["type"], m)
		}
	}
}

// TestFaultAPIServer: an API server that refuses (500), answers garbage,
// then hangs, is retried with a backoff and said once in the log; no
// Report waits for it; when it answers again that is said once, and the
// conditions are set.
func TestFaultAPIServer(t *testing.T) {
	api := &apiServer{fail: func(n int) (int, string, bool) {
		switch n {
		case 0:
			return 500, `{"message":"etcd is down"}`, false
		case 1:
			return 200, "<html>a proxy</html>", false
		case 2:
			return 0, "", true
		}
		return 0, "", false
	}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	var logged bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), nil))
	r := New(kubeconfig(t, srv), "node-1", logger)
	r.Timeout, r.firstBackoff = 300*time.Millisecond, 10*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	g := scanOf(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")
	start := time.Now()
	for range 50 {
		r.Report(g)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("50 reports took %v while the API server fails", d)
	}
	got := wait(t, api, 4) // 500, garbage, the hang (past Timeout), then set
	last := got[3]
	if last.Method != "PATCH" {
		t.Errorf("after the failures: %+v", last)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logged.String(), "level=ERROR"); n != 1 || !strings.Contains(logged.String(), "set again") {
		t.Errorf("%d errors logged for three failures, recovery said: %v\n%s", n, strings.Contains(logged.String(), "set again"), logged.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
