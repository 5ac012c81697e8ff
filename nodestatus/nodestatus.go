// Package nodestatus sets hwgraph's hardware conditions on the
// Kubernetes node the agent runs on, and posts a Kubernetes Event on the
// node for each hardware event of warning or worse: for clusters without
// node-problem-detector, whose remediation controllers (Medik8s Node
// Healthcheck, draino) act on node conditions.
package nodestatus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/condition"
	"github.com/hwgraph/hwgraph/topology"
)

// Permission is one thing the reporter asks the API server to do; the
// agent's RBAC (deploy/hwgraph-node-conditions.yaml) grants these and no
// more.
type Permission struct{ Resource, Verb string }

// Permissions are every call the reporter makes.
var Permissions = []Permission{{"nodes/status", "patch"}, {"events", "create"}}

// maxPendingEvents bounds the events kept while the API server does not
// take them; the journal keeps them all.
const maxPendingEvents = 100

// maxBackoff bounds the wait between tries of an API server that fails.
const maxBackoff = time.Minute

// Reporter reports scans to the API server from its own goroutine: a
// scan hands its graph over and never waits for the API server.
type Reporter struct {
	API    cluster.Kubernetes // the Kubeconfig (cluster.InCluster in a pod)
	Node   string             // the node's name (the downward API's spec.nodeName)
	Logger *slog.Logger
	// Timeout bounds one send (the patch and the events): an API server
	// that hangs is a failure, retried.
	Timeout time.Duration

	now          func() time.Time
	firstBackoff time.Duration
	graph        chan *topology.Graph

	mu      sync.Mutex
	pending []topology.Event
	since   map[string]sent // by condition type: what was sent last
	failing bool
}

// sent is a condition as last sent, for lastTransitionTime.
type sent struct {
	status string
	since  time.Time
}

// New returns a reporter for node through api.
func New(api cluster.Kubernetes, node string, logger *slog.Logger) *Reporter {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Reporter{API: api, Node: node, Logger: logger, Timeout: 10 * time.Second, now: time.Now, firstBackoff: time.Second,
		graph: make(chan *topology.Graph, 1), since: map[string]sent{}}
}

// Report hands a scan over: its conditions replace what waits, its
// hardware events of warning or worse join the events that wait.
func (r *Reporter) Report(g *topology.Graph) {
	r.mu.Lock()
	for _, e := range g.Events {
		if e.Severity == topology.SeverityWarning || e.Severity == topology.SeverityCritical {
			r.pending = append(r.pending, e)
		}
	}
	if n := len(r.pending) - maxPendingEvents; n > 0 {
		r.pending = r.pending[n:]
	}
	r.mu.Unlock()
	for {
		select {
		case r.graph <- g:
			return
		default:
			select { // an older graph waits: the newer one replaces it
			case <-r.graph:
			default:
			}
		}
	}
}

// Run sends what scans handed over until ctx ends, retrying a failed
// send with a backoff that doubles to maxBackoff; a failure is logged
// when sending starts to fail, and the recovery once.
func (r *Reporter) Run(ctx context.Context) {
	var g *topology.Graph
	backoff := time.Duration(0)
	for {
		var retry <-chan time.Time
		if backoff > 0 {
			retry = time.After(backoff)
		}
		select {
		case <-ctx.Done():
			return
		case g = <-r.graph:
		case <-retry:
		}
		if g == nil {
			continue
		}
		sendCtx, cancel := context.WithTimeout(ctx, r.Timeout)
		err := r.send(sendCtx, g)
		cancel()
		r.mu.Lock()
		switch {
		case err != nil && !r.failing:
			r.Logger.Error("setting the node's hardware conditions; retrying", "node", r.Node, "err", err)
			r.failing = true
		case err == nil && r.failing:
			r.Logger.Info("the node's hardware conditions are set again", "node", r.Node)
			r.failing = false
		}
		r.mu.Unlock()
		if err != nil {
			backoff = min(max(2*backoff, r.firstBackoff), maxBackoff)
		} else {
			backoff = 0
		}
	}
}

// send patches the conditions and posts the waiting events.
func (r *Reporter) send(ctx context.Context, g *topology.Graph) error {
	client, server, token, err := r.API.Client()
	if err != nil {
		return err
	}
	now := r.now().UTC()
	patch, sentNow := r.conditions(g, now)
	if err := call(ctx, client, token, http.MethodPatch, server+"/api/v1/nodes/"+url.PathEscape(r.Node)+"/status", "application/strategic-merge-patch+json", patch); err != nil {
		return fmt.Errorf("patch node %s status: %w", r.Node, err)
	}
	r.mu.Lock()
	for k, v := range sentNow {
		r.since[k] = v
	}
	events := r.pending
	r.mu.Unlock()
	for i, e := range events {
		if err := call(ctx, client, token, http.MethodPost, server+"/api/v1/namespaces/default/events", "application/json", r.event(e)); err != nil {
			r.mu.Lock()
			r.pending = r.pending[i:] // those after it still wait
			r.mu.Unlock()
			return fmt.Errorf("post an event on node %s: %w", r.Node, err)
		}
	}
	r.mu.Lock()
	r.pending = r.pending[len(events):]
	r.mu.Unlock()
	return nil
}

// nodeCondition is core/v1's NodeCondition.
type nodeCondition struct {
	Type               string    `json:"type"`
	Status             string    `json:"status"`
	Reason             string    `json:"reason"`
	Message            string    `json:"message"`
	LastHeartbeatTime  time.Time `json:"lastHeartbeatTime"`
	LastTransitionTime time.Time `json:"lastTransitionTime"`
}

// conditions is the status patch for g: every condition, its transition
// time kept while its status stays.
func (r *Reporter) conditions(g *topology.Graph, now time.Time) ([]byte, map[string]sent) {
	var conds []nodeCondition
	out := map[string]sent{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range condition.All {
		status, line := c.Judge(g)
		reason := c.Healthy
		if status != condition.OK {
			reason = c.Failing
		}
		s := sent{status: status.Kubernetes(), since: now}
		if before, ok := r.since[c.Type]; ok && before.status == s.status {
			s.since = before.since
		}
		out[c.Type] = s
		conds = append(conds, nodeCondition{Type: c.Type, Status: s.status, Reason: reason, Message: "hwgraph: " + topology.Printable(line),
			LastHeartbeatTime: now.Truncate(time.Second), LastTransitionTime: s.since.Truncate(time.Second)})
	}
	b, _ := json.Marshal(map[string]any{"status": map[string]any{"conditions": conds}})
	return b, out
}

// event is a core/v1 Event on the node for e.
func (r *Reporter) event(e topology.Event) []byte {
	last := e.Last
	if last.IsZero() {
		last = e.Time
	}
	msg := topology.Printable(fmt.Sprintf("%s: %s%s", e.Subject(), e.Message, e.FoldedSuffix()))
	if len(msg) > 1024 { // the API server refuses longer event messages
		msg = msg[:1020] + " …"
	}
	b, _ := json.Marshal(map[string]any{
		"metadata":           map[string]any{"generateName": r.Node + ".hwgraph-", "namespace": "default"},
		"involvedObject":     map[string]any{"apiVersion": "v1", "kind": "Node", "name": r.Node, "uid": r.Node},
		"reason":             reason(e.Kind),
		"message":            msg,
		"type":               "Warning",
		"source":             map[string]any{"component": "hwgraph", "host": r.Node},
		"firstTimestamp":     e.Time.UTC().Truncate(time.Second),
		"lastTimestamp":      last.UTC().Truncate(time.Second),
		"count":              e.N(),
		"reportingComponent": "hwgraph",
		"reportingInstance":  r.Node,
	})
	return b
}

// reason is an event kind as Kubernetes spells reasons: "link-degraded"
// is "HardwareLinkDegraded".
func reason(kind string) string {
	var b strings.Builder
	b.WriteString("Hardware")
	for _, w := range strings.FieldsFunc(kind, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// call sends one request and reads its answer (bounded), which must be
// 2xx.
func call(ctx context.Context, client *http.Client, token, method, u, contentType string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(answer)))
	}
	if !json.Valid(answer) {
		return fmt.Errorf("%s: the answer is not JSON", resp.Status)
	}
	return nil
}
