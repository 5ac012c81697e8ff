package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hwgraph/hwgraph/cluster"
	"github.com/hwgraph/hwgraph/history"
	"github.com/hwgraph/hwgraph/topology"
)

func init() { commands["check"] = runCheck }

// condition is one node-problem-detector condition: the parts that make
// it, and the collectors without which nothing can be said of them.
type condition struct {
	kinds, links, collectors []string
}

// conditions are `hwgraph check --condition`'s, one for each of
// deploy/node-problem-detector/hwgraph-plugin.json's condition types.
var conditions = map[string]condition{
	"memory": {kinds: []string{topology.KindDIMM, topology.KindMemoryController}, links: []string{topology.LinkMemoryChannel}, collectors: []string{"memory"}},
	"pcie": {kinds: []string{topology.KindPCIRoot, topology.KindPCIBridge, topology.KindPCIFunction}, links: []string{topology.LinkPCIe},
		collectors: []string{"pcie"}},
	"gpu": {kinds: []string{topology.KindGPU, topology.KindNVSwitch}, links: []string{topology.LinkNVLink}, collectors: []string{"gpu", "pcie"}},
	"storage": {kinds: []string{topology.KindNVMe, topology.KindNVMeSubsystem, topology.KindStorage, topology.KindBlock, topology.KindDisk, topology.KindSASExpander},
		links: []string{topology.LinkNVMePath}, collectors: []string{"nvme", "disk"}},
	"bmc": {kinds: []string{topology.KindBMC, "psu", topology.KindFan}, links: []string{topology.LinkKCS}, collectors: []string{"bmc", "redfish"}},
	"i2c": {kinds: []string{topology.KindI2CAdapter, topology.KindI2CDevice}, links: []string{topology.LinkSMBus}, collectors: []string{"i2c"}},
}

// Exit codes of node-problem-detector's custom-plugin protocol.
const (
	checkOK      = 0
	checkProblem = 1
	checkUnknown = 2
)

// runCheck is `hwgraph check --condition C`: a node-problem-detector
// custom plugin. It asks the local agent for its last graph (no rescan)
// and scans once, judging against the state folder without writing it,
// when no agent answers; it prints one line and exits 0 (OK), 1 (a part
// of the condition is degraded, failed or missing) or 2 (unknown).
func runCheck(args []string, stdout, stderr io.Writer) int {
	c := newCLI("hwgraph check", "A node-problem-detector custom plugin: exits 0 when the condition's parts are healthy, 1 with the first problem on stdout, 2 when it cannot tell.", stdout, stderr)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range conditions {
			if !yield(k) {
				return
			}
		}
	})
	cond := c.Flag("condition", "The condition to check: "+strings.Join(names, ", ")+".").Required().Enum(names...)
	agent := c.Flag("agent", "The local agent (hwgraph serve) to ask first; \"\" scans without asking.").Default("http://127.0.0.1:9877").Envar("HWGRAPH_AGENT").String()
	agentTimeout := c.Flag("agent.timeout", "How long to wait for the agent before scanning instead.").Default("2s").Duration()
	sc := addScanFlags(c.Application)
	if code, done := c.parse(args); done {
		if code != 0 {
			return checkUnknown // a usage error says nothing of the hardware
		}
		return code
	}
	g, how, err := checkGraph(*agent, *agentTimeout, sc, stderr)
	if err != nil {
		fmt.Fprintf(stdout, "unknown: %v\n", err)
		return checkUnknown
	}
	fmt.Fprintf(stderr, "hwgraph check: %s\n", how)
	code, line := judgeCondition(g, conditions[*cond])
	fmt.Fprintln(stdout, topology.Printable(line))
	return code
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

// judgeCondition is the plugin's answer for g: the first part of the
// condition that is degraded, failed or missing, worst first; unknown
// when every collector that reads those parts failed.
func judgeCondition(g *topology.Graph, c condition) (int, string) {
	var failed []string
	read := false
	for _, st := range g.Collectors {
		if !slices.Contains(c.collectors, st.Name) {
			continue
		}
		if st.Success() {
			read = true
		} else {
			failed = append(failed, fmt.Sprintf("the %s collector: %s %s", st.Name, st.State, st.Error))
		}
	}
	if !read {
		if len(failed) == 0 {
			return checkUnknown, "unknown: none of its collectors ran"
		}
		return checkUnknown, "unknown: " + strings.Join(failed, "; ")
	}
	type problem struct {
		rank int
		line string
	}
	var problems []problem
	note := func(id string, h topology.Health) {
		if h.State == topology.StateDegraded || h.State == topology.StateFailed || h.State == topology.StateMissing {
			problems = append(problems, problem{slices.Index(topology.States, h.State), fmt.Sprintf("%s: %s", id, strings.Join(append([]string{string(h.State)}, h.Reasons...), ", "))})
		}
	}
	for _, comp := range g.Components {
		if slices.Contains(c.kinds, comp.Kind) {
			note(comp.ID, comp.Health)
		}
	}
	for _, l := range g.Links {
		if slices.Contains(c.links, l.Kind) {
			note(l.ID, l.Health)
		}
	}
	if len(problems) == 0 {
		return checkOK, "ok"
	}
	slices.SortStableFunc(problems, func(a, b problem) int { return b.rank - a.rank })
	line := problems[0].line
	if n := len(problems) - 1; n > 0 {
		line += fmt.Sprintf(" (and %d more)", n)
	}
	return checkProblem, line
}
