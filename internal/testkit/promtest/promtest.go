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

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// Server is a running Prometheus.
type Server struct {
	Addr string
	log  *strings.Builder
}

// Start runs Prometheus scraping targets (host:port) as job "hwgraph",
// and waits until each was scraped at least scrapes times.
func Start(tb testing.TB, targets []string, scrapes int) *Server {
	return StartJobs(tb, []Job{{Name: "hwgraph", Targets: targets}}, scrapes)
}

// Job is a scrape job: its targets (host:port) with labels of their
// own ("instance" replaces the address, as a site's relabelling does).
type Job struct {
	Name    string
	Targets []string
	Labels  map[string]string
}

// StartJobs runs Prometheus scraping the jobs, and waits until each
// target was scraped at least scrapes times.
func StartJobs(tb testing.TB, jobs []Job, scrapes int) *Server {
	tb.Helper()
	var cfg strings.Builder
	total := 0
	for _, j := range jobs {
		quoted := make([]string, len(j.Targets))
		for i, t := range j.Targets {
			quoted[i] = fmt.Sprintf("%q", t)
		}
		total += len(j.Targets)
		fmt.Fprintf(&cfg, "  - job_name: %q\n    static_configs:\n      - targets: [%s]\n", j.Name, strings.Join(quoted, ", "))
		if len(j.Labels) > 0 {
			cfg.WriteString("        labels:\n")
			for k, v := range j.Labels {
				fmt.Fprintf(&cfg, "          %s: %q\n", k, v)
			}
		}
	}
	return StartConfig(tb, cfg.String(), total, scrapes)
}

// StartConfig runs Prometheus with scrapeConfigs (the YAML list under
// scrape_configs:, indented by two spaces), and waits until its targets
// (as many as given) were each scraped at least scrapes times.
func StartConfig(tb testing.TB, scrapeConfigs string, targets, scrapes int) *Server {
	tb.Helper()
	bin := fixture.Tool(tb, "prometheus", "prometheus")
	dir := tb.TempDir()
	cfg := "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n" + scrapeConfigs
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
	want := fmt.Sprintf(`count(count_over_time(up[1m]) >= %d) == %d`, scrapes, targets)
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

// Series runs an instant query and returns the label sets of its result.
func (s *Server) Series(q string) ([]map[string]string, error) {
	resp, err := http.Get(s.URL() + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Status, Error string
		Data          struct {
			Result []struct{ Metric map[string]string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s", r.Error)
	}
	out := make([]map[string]string, len(r.Data.Result))
	for i, m := range r.Data.Result {
		out[i] = m.Metric
	}
	return out, nil
}

// NodeExporter runs Debian's node_exporter with args on a free loopback
// port, and returns its address once it answers.
func NodeExporter(tb testing.TB, args ...string) string {
	tb.Helper()
	bin := fixture.Tool(tb, "prometheus-node-exporter", "prometheus-node-exporter")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var log strings.Builder
	cmd := exec.Command(bin, append(args, "--web.listen-address="+addr)...)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			resp.Body.Close()
			return addr
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("node_exporter did not answer:\n%s", log.String())
	return ""
}
