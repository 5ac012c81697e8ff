package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/condition"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/topology"
)

// checkCommand is `hwgraph check --condition C`: a node-problem-detector
// custom plugin. It asks the local agent for its last graph (no rescan)
// and scans once, judging against the state folder without writing it,
// when no agent answers; it prints one line and exits 0 (OK), 1 (a part
// of the condition is degraded, failed or missing) or 2 (unknown).
func checkCommand(app *cli) {
	c := app.command(nil, "check", "A node-problem-detector custom plugin: exits 0 when the condition's parts are healthy, 1 with the first problem on stdout, 2 when it cannot tell.")
	names := condition.Names()
	cond := c.Flag("condition", "The condition to check: "+strings.Join(names, ", ")+".").Required().Enum(names...)
	agent := c.Flag("agent", "The local agent (hwgraph serve) to ask first; \"\" scans without asking.").Default("http://127.0.0.1:9877").Envar("HWGRAPH_AGENT").String()
	agentTimeout := c.Flag("agent.timeout", "How long to wait for the agent before scanning instead.").Default("2s").Duration()
	sc := addScanFlags(c)
	c.run = func() int {
		stdout, stderr := app.stdout, app.stderr
		g, how, err := checkGraph(*agent, *agentTimeout, sc, stderr)
		if err != nil {
			fmt.Fprintf(stdout, "unknown: %v\n", err)
			return int(condition.Unknown)
		}
		fmt.Fprintf(stderr, "hwgraph check: %s\n", how)
		cnd, _ := condition.Named(*cond)
		status, line := cnd.Judge(g)
		fmt.Fprintln(stdout, topology.Printable(line))
		return int(status)
	}
}

// checkGraph is the agent's last graph, else one scan of this machine.
func checkGraph(agent string, timeout time.Duration, sc *scanConfig, stderr io.Writer) (*topology.Graph, string, error) {
	if agent != "" {
		g, err := agentGraph(agent, timeout)
		if err == nil {
			return g, "asked the agent at " + agent, nil
		}
		fmt.Fprintf(stderr, "hwgraph check: no answer from the agent at %s (%v): scanning\n", agent, err)
	}
	// Judged against the state folder where there is one, never written:
	// a plugin run every minute must not change what the agent keeps.
	dir := sc.stateDir
	sc.stateDir = ""
	e, done, _ := sc.engine(cliLogger(io.Discard), stderr, true)
	if e == nil {
		return nil, "", errors.New("cannot scan this machine (see stderr)")
	}
	defer done()
	if fi, err := os.Stat(dir); dir != "" && err == nil && fi.IsDir() {
		if st, err := history.OpenReadOnly(dir); err == nil {
			defer st.Close()
			e.Store = st
		}
	}
	return e.Scan(context.Background()), "scanned this machine", nil
}

// agentGraph fetches the agent's /api/v1/graph, bounded as the fleet's
// fetches are.
func agentGraph(agent string, timeout time.Duration) (*topology.Graph, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(agent, "/")+"/api/v1/graph", nil)
	if err != nil {
		return nil, err
	}
	resp, err := cluster.NewClient(timeout).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return topology.ReadJSON(resp.Body)
}
