// Package nfd writes node-feature-discovery's local feature file, so
// Kubernetes nodes carry labels about their hardware's health
// (feature.node.kubernetes.io/hwgraph.*) and pods can avoid sick machines
// with ordinary node affinity.
//
// Format (NFD "local" feature source, features.d): one "name=value" a
// line, each name with its prefix written out (NFD adds none when its
// DisableAutoPrefix feature gate is on); "# +expiry-time=RFC3339" makes
// NFD drop the labels when the agent stops refreshing them. NFD also
// offers the labels to NodeFeatureRules as the local.label feature:
// deploy/hwgraph-nfd-rule.yaml taints the nodes whose health is failed.
package nfd

import (
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/internal/atomicfile"
	"github.com/hwgraph/hwgraph/topology"
)

// Prefix is the namespace of every label: NFD's own, which it allows
// without configuration.
const Prefix = "feature.node.kubernetes.io/"

// Labels derives the node labels from a graph, their names prefixed.
func Labels(g *topology.Graph) map[string]string {
	out := map[string]string{}
	worst := topology.StateOK
	mark := func(s topology.State) {
		if s == topology.StateUnknown {
			return // not knowing is not sickness
		}
		if s == topology.StateMissing {
			s = topology.StateFailed
		}
		if s.Severity() > worst.Severity() {
			worst = s
		}
	}
	gpus, nvme, nvmeBad, dimms, dimmErr := 0, 0, 0, 0, false
	models := map[string]bool{}
	for _, c := range g.Components {
		mark(c.Health.State)
		switch c.Kind {
		case topology.KindGPU:
			gpus++
			if c.Model != "" {
				models[c.Model] = true
			}
		case topology.KindNVMe:
			nvme++
			if c.Health.State != topology.StateOK {
				nvmeBad++
			}
		case topology.KindDIMM:
			dimms++
			if c.Counters[topology.CounterUncorrected] > 0 || c.Health.State != topology.StateOK {
				dimmErr = true
			}
		}
	}
	nvlinks, nvlinkBad, pcieBad := 0, 0, 0
	for _, l := range g.Links {
		mark(l.Health.State)
		switch l.Kind {
		case topology.LinkNVLink:
			nvlinks++
			if l.Health.State != topology.StateOK {
				nvlinkBad++
			}
		case topology.LinkPCIe:
			if l.Health.State == topology.StateDegraded || l.Health.State == topology.StateFailed {
				pcieBad++
			}
		}
	}
	out["hwgraph.health"] = string(worst)
	out["hwgraph.gpu.count"] = strconv.Itoa(gpus)
	if len(models) == 1 {
		for m := range models {
			out["hwgraph.gpu.model"] = value(m)
		}
	}
	if nvlinks > 0 {
		out["hwgraph.nvlink.healthy"] = strconv.FormatBool(nvlinkBad == 0)
	}
	out["hwgraph.nvme.count"] = strconv.Itoa(nvme)
	out["hwgraph.nvme.healthy"] = strconv.FormatBool(nvmeBad == 0)
	out["hwgraph.dimm.count"] = strconv.Itoa(dimms)
	out["hwgraph.dimm.errors"] = strconv.FormatBool(dimmErr)
	out["hwgraph.pcie.degraded-links"] = strconv.Itoa(pcieBad)
	prefixed := make(map[string]string, len(out))
	for k, v := range out {
		prefixed[Prefix+k] = v
	}
	return prefixed
}

var notValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9_.-]+`) })

// value makes a Kubernetes label value: at most 63 characters of
// [A-Za-z0-9_.-], starting and ending with a letter or digit.
func value(s string) string {
	v := strings.Trim(notValue().ReplaceAllString(s, "-"), "-_.")
	if len(v) > 63 {
		v = strings.TrimRight(v[:63], "-_.")
	}
	return v
}

// Format renders the feature file; ttl > 0 adds the expiry comment.
func Format(labels map[string]string, now time.Time, ttl time.Duration) string {
	var b strings.Builder
	if ttl > 0 {
		fmt.Fprintf(&b, "# +expiry-time=%s\n", now.Add(ttl).UTC().Format(time.RFC3339))
	}
	names := slices.Sorted(maps.Keys(labels))
	for _, k := range names {
		fmt.Fprintf(&b, "%s=%s\n", k, labels[k])
	}
	return b.String()
}

// WriteFile replaces the feature file atomically: NFD watches the folder
// and must never read half a file.
func WriteFile(path string, content string) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := io.WriteString(w, content); return err }); err != nil {
		return fmt.Errorf("nfd feature file: %w", err)
	}
	return nil
}
