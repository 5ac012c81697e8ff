// Package cluster gathers the graphs of many hwgraph agents and merges
// them into one topology: a host:NAME node per machine holding its
// components. Agents are found from a static list, or from Prometheus,
// which already scrapes every one of them.
package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Target is one agent: its name (the Prometheus instance) and the base
// URL of its `hwgraph serve`.
type Target struct {
	Name string
	URL  string
	// Labels are what Prometheus knows of the target beyond its job and
	// instance (a zone, a rack): the fleet page groups hosts by them.
	Labels map[string]string
}

// ParseTargets reads "host:port" or URLs, comma or newline separated;
// "#" starts a comment (a targets file).
func ParseTargets(s string) ([]Target, error) {
	var out []Target
	sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(s, ",", "\n")))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		u := line
		if !strings.Contains(u, "://") {
			u = "http://" + u
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" {
			return nil, fmt.Errorf("target %q: not host:port or a URL", line)
		}
		out = append(out, Target{Name: pu.Host, URL: strings.TrimSuffix(strings.TrimSuffix(u, "/metrics"), "/")})
	}
	return out, nil
}

// maxTargetsFile bounds a targets file: a million agents' addresses.
const maxTargetsFile = 64 << 20

// ReadTargetsFile reads a targets file.
func ReadTargetsFile(path string) ([]Target, error) {
	b, err := sysfsattr.ReadFile(path, maxTargetsFile)
	if err != nil {
		return nil, fmt.Errorf("targets file: %w", err)
	}
	return ParseTargets(string(b))
}

// maxAPIAnswer bounds what Prometheus' or Kubernetes' API may answer.
const maxAPIAnswer = 256 << 20

// FromPrometheus lists the active targets of a scrape job from
// Prometheus' /api/v1/targets: every agent Prometheus knows, healthy or
// not, named by its instance label as the dashboards name it.
func FromPrometheus(ctx context.Context, client *http.Client, promURL, job string) ([]Target, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(promURL, "/")+"/api/v1/targets?state=active", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("prometheus targets: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Data   struct {
			ActiveTargets []struct {
				ScrapePool string            `json:"scrapePool"`
				ScrapeURL  string            `json:"scrapeUrl"`
				Labels     map[string]string `json:"labels"`
			} `json:"activeTargets"`
		}
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAPIAnswer)).Decode(&r); err != nil {
		return nil, fmt.Errorf("prometheus targets: %w", err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("prometheus targets: status %q", r.Status)
	}
	var out []Target
	for _, t := range r.Data.ActiveTargets {
		if job != "" && t.Labels["job"] != job {
			continue
		}
		base := strings.TrimSuffix(t.ScrapeURL, "/metrics")
		if i := strings.Index(base, "?"); i >= 0 {
			base = base[:i]
		}
		labels := map[string]string{}
		for k, v := range t.Labels {
			if k != "job" && k != "instance" && !strings.HasPrefix(k, "__") {
				labels[k] = v
			}
		}
		out = append(out, Target{Name: t.Labels["instance"], URL: base, Labels: labels})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
