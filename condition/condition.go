// Package condition holds the node conditions hwgraph reports to
// Kubernetes — through node-problem-detector (`hwgraph check`) or set on
// the node by the agent — and judges each from a graph: which parts make
// it, and what their health says of it.
package condition

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hwgraph/hwgraph/topology"
)

// Condition is one node condition: the parts that make it, and the
// collectors without which nothing can be said of them.
type Condition struct {
	Name string // hwgraph check --condition
	// Type is the NodeCondition type; Healthy and Failing its reasons.
	Type, Healthy, Failing   string
	kinds, links, collectors []string
}

// All are the conditions, in the order of
// deploy/node-problem-detector/hwgraph-plugin.json.
var All = []Condition{
	{Name: "memory", Type: "HardwareMemoryProblem", Healthy: "MemoryIsHealthy", Failing: "MemoryFailing",
		kinds: []string{topology.KindDIMM, topology.KindMemoryController}, links: []string{topology.LinkMemoryChannel}, collectors: []string{"memory"}},
	{Name: "pcie", Type: "PCIeLinkProblem", Healthy: "PCIeIsHealthy", Failing: "PCIeLinkFailing",
		kinds: []string{topology.KindPCIRoot, topology.KindPCIBridge, topology.KindPCIFunction}, links: []string{topology.LinkPCIe}, collectors: []string{"pcie"}},
	{Name: "gpu", Type: "GPUProblem", Healthy: "GPUIsHealthy", Failing: "GPUFailing",
		kinds: []string{topology.KindGPU, topology.KindNVSwitch}, links: []string{topology.LinkNVLink}, collectors: []string{"gpu", "pcie"}},
	{Name: "storage", Type: "StorageProblem", Healthy: "StorageIsHealthy", Failing: "StorageFailing",
		kinds: []string{topology.KindNVMe, topology.KindNVMeSubsystem, topology.KindStorage, topology.KindBlock, topology.KindDisk, topology.KindSASExpander},
		links: []string{topology.LinkNVMePath}, collectors: []string{"nvme", "disk"}},
	{Name: "bmc", Type: "BMCProblem", Healthy: "BMCIsHealthy", Failing: "BMCFailing",
		kinds: []string{topology.KindBMC, "psu", topology.KindFan}, links: []string{topology.LinkKCS}, collectors: []string{"bmc", "redfish"}},
	{Name: "i2c", Type: "I2CBusProblem", Healthy: "I2CIsHealthy", Failing: "I2CBusFailing",
		kinds: []string{topology.KindI2CAdapter, topology.KindI2CDevice}, links: []string{topology.LinkSMBus}, collectors: []string{"i2c"}},
}

// Named is the condition of that name.
func Named(name string) (Condition, bool) {
	i := slices.IndexFunc(All, func(c Condition) bool { return c.Name == name })
	if i < 0 {
		return Condition{}, false
	}
	return All[i], true
}

// Names are the conditions' names, sorted.
func Names() []string {
	var out []string
	for _, c := range All {
		out = append(out, c.Name)
	}
	slices.Sort(out)
	return out
}

// Status is a condition's state on a node, as node-problem-detector's
// plugins answer it (their exit codes) and as Kubernetes writes it.
type Status int

// The statuses, numbered as node-problem-detector's exit codes.
const (
	OK      Status = 0 // NodeCondition status False: no problem
	Problem Status = 1 // True
	Unknown Status = 2 // Unknown
)

// Kubernetes is the NodeCondition status: "False", "True" or "Unknown".
func (s Status) Kubernetes() string {
	switch s {
	case OK:
		return "False"
	case Problem:
		return "True"
	}
	return "Unknown"
}

// Judge is c's status on g and one line saying why: the worst part of c
// that is degraded, failed or missing; unknown when every collector
// that reads those parts failed.
func (c Condition) Judge(g *topology.Graph) (Status, string) {
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
			return Unknown, "unknown: none of its collectors ran"
		}
		return Unknown, "unknown: " + strings.Join(failed, "; ")
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
		return OK, "ok"
	}
	slices.SortStableFunc(problems, func(a, b problem) int { return b.rank - a.rank })
	line := problems[0].line
	if n := len(problems) - 1; n > 0 {
		line += fmt.Sprintf(" (and %d more)", n)
	}
	return Problem, line
}
