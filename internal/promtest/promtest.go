// Package promtest runs a real Prometheus (Debian's) on loopback for
// tests: it scrapes the given targets every second and answers queries.
package promtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/internal/fixture"
)

// Server is a running Prometheus.
type Server struct {
	Addr string
	log  *strings.Builder
}

// Start runs Prometheus scraping targets (host:port) as job "hwgraph",
// and waits until each was scraped at least scrapes times.
func Start(tb testing.TB, targets []string, scrapes int) *Server {
	tb.Helper()
	bin := fixture.Tool(tb, "prometheus", "prometheus")
	dir := tb.TempDir()
	quoted := make([]string, len(targets))
	for i, t := range targets {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: hwgraph\n    static_configs:\n      - targets: [%s]\n", strings.Join(quoted, ", "))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: l.Addr().String(), log: &strings.Builder{}}
	l.Close()
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+s.Addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	want := fmt.Sprintf(`count(count_over_time(up{job="hwgraph"}[1m]) >= %d) == %d`, scrapes, len(targets))
	for {
		if n, err := s.Query(want); err == nil && n == 1 {
			return s
		}
		if time.Now().After(deadline) {
			tb.Fatalf("Prometheus did not scrape every target:\n%s", s.log.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr }

// Query runs an instant query and returns how many series it gave, or
// the error Prometheus reported (a query that does not parse).
func (s *Server) Query(q string) (int, error) {
	resp, err := http.Get(s.URL() + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Status, Error string
		Data          struct{ Result []json.RawMessage }
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, err
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("%s", r.Error)
	}
	return len(r.Data.Result), nil
}
