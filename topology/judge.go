package topology

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// uncorrectableCounters are link counters that mean data was lost or a
// transaction failed: any count degrades the link, even in a first scan.
var uncorrectableCounters = []string{"aer_nonfatal", "aer_fatal"}

// Rules are the thresholds of the health rules.
type Rules struct {
	// CorrectedErrors is how many new corrected memory errors between two
	// scans degrade a DIMM, controller or memory channel. A few corrected
	// errors a day are normal on a big fleet; a steady stream is a DIMM
	// about to fail. 0 means 1.
	CorrectedErrors uint64
}

// Judge applies the health rules of DESIGN.md with the default thresholds.
func Judge(g, prev *Graph) { Rules{}.Judge(g, prev) }

// Judge applies the health rules of DESIGN.md to g: a link that trained
// below its maximum width is degraded; below its maximum speed it is
// degraded unless its device saves power (judgeSpeed); width 0 is down;
// a link or component whose error counters grew since prev (which may be
// nil) is degraded; uncorrectable errors degrade a link even without a
// previous scan. A component in prev that g lacks is added back as
// missing — or unknown when a collector failed this time, since then its
// absence proves nothing.
func (r Rules) Judge(g, prev *Graph) {
	for _, l := range g.Links {
		judgeTraining(l, g.byID[l.To])
		var before map[string]uint64
		if prev != nil {
			if b, ok := prev.Link(l.ID); ok {
				before = b.Counters
			}
		}
		r.judgeCounters(&l.Health, l.Counters, before)
		for _, k := range uncorrectableCounters {
			if v := l.Counters[k]; v > 0 {
				l.Health.Mark(StateDegraded, fmt.Sprintf("%d %s errors since boot", v, k))
			}
		}
	}
	if prev == nil {
		return
	}
	for _, c := range g.Components {
		if b, ok := prev.Component(c.ID); ok {
			r.judgeCounters(&c.Health, c.Counters, b.Counters)
		}
	}
	judgeMissing(g, prev)
}

// MarkMissing carries the components of baseline (the accepted
// inventory) that g lacks into g, as missing: how a device that left
// while the agent was down still shows after a restart.
func MarkMissing(g, baseline *Graph) {
	if baseline != nil {
		judgeMissing(g, baseline)
	}
}

// judgeMissing carries components of prev that g lacks into g.
func judgeMissing(g, prev *Graph) {
	var failed []string
	for _, st := range g.Collectors {
		if !st.Success() {
			failed = append(failed, st.Name)
		}
	}
	added := false
	for _, old := range prev.Components {
		if _, ok := g.byID[old.ID]; ok {
			continue
		}
		c := *old
		c.Attrs, c.Counters = cloneMap(old.Attrs), cloneCounters(old.Counters)
		if old.Health.State == StateMissing {
			// Still gone: keep the reason from when it went.
			c.Health = Health{State: StateMissing, Reasons: append([]string(nil), old.Health.Reasons...)}
		} else if len(failed) > 0 {
			c.Health = Health{State: StateUnknown, Reasons: []string{"not seen this scan; collectors failed: " + strings.Join(failed, ", ")}}
		} else {
			c.Health = Health{State: StateMissing, Reasons: []string{"present in the previous scan, gone now"}}
		}
		g.byID[c.ID] = &c
		g.Components = append(g.Components, &c)
		added = true
	}
	if !added {
		return
	}
	for _, c := range g.Components {
		if _, ok := g.byID[c.Parent]; !ok {
			c.Parent = HostID
		}
	}
	g.index()
}

func judgeTraining(l *Link, dev *Component) {
	if w, ok := Number(l.Attrs, AttrWidth); ok && w == 0 {
		l.Health.Mark(StateFailed, "link down (width x0)")
		return
	}
	if s, ok := Number(l.Attrs, AttrSpeedGTs); ok {
		if m, ok := Number(l.Attrs, AttrMaxSpeedGTs); ok && s < m {
			judgeSpeed(l, dev, fmt.Sprintf("%s GT/s of %s GT/s", fmtNum(s), fmtNum(m)))
		}
	}
	if w, ok := Number(l.Attrs, AttrWidth); ok {
		if m, ok := Number(l.Attrs, AttrMaxWidth); ok && w < m {
			l.Health.Mark(StateDegraded, fmt.Sprintf("x%s of x%s", fmtNum(w), fmtNum(m)))
		}
	}
}

// judgeSpeed judges a link trained below its maximum speed. GPUs retrain
// to Gen1 when idle and back under load: the link of an idle one (or of
// one whose load nothing reports, a captured tree) is ok, marked
// power-managed; of a busy one degraded. Where the load could not be
// read, and for every other device (bridges, HBAs, NICs and drives keep
// their speed), it is degraded, as before power management was judged.
func judgeSpeed(l *Link, dev *Component, trained string) {
	load := ""
	if dev != nil {
		load = String(dev.Attrs, AttrLoad)
	}
	switch {
	case dev != nil && dev.Kind == KindGPU && (load == "idle" || load == ""):
		l.SetAttr(AttrPowerManaged, true)
	case load == "busy":
		l.Health.Mark(StateDegraded, trained+" while busy")
	case strings.HasPrefix(load, "unknown"):
		l.Health.Mark(StateDegraded, fmt.Sprintf("%s (the device's load is %s: judged as a fault)", trained, load))
	default:
		l.Health.Mark(StateDegraded, trained)
	}
}

// judgeCounters degrades health for every counter that grew since before:
// memory corrected errors by at least the threshold, anything else at all.
// New uncorrected memory errors fail it: data was lost.
func (r Rules) judgeCounters(h *Health, now, before map[string]uint64) {
	if before == nil {
		return
	}
	names := slices.Sorted(maps.Keys(now))
	threshold := max(r.CorrectedErrors, 1)
	for _, k := range names {
		old, ok := before[k]
		if !ok || now[k] <= old || strings.HasPrefix(k, CounterXidPrefix) {
			continue
		}
		grew := now[k] - old
		switch k {
		case CounterUncorrected:
			h.Mark(StateFailed, fmt.Sprintf("%d new uncorrected memory errors", grew))
		case CounterCorrected, CounterCorrectedNoInfo:
			if grew >= threshold {
				h.Mark(StateDegraded, fmt.Sprintf("%d new corrected memory errors", grew))
			}
		case CounterDiskIOErrors:
			h.Mark(StateDegraded, fmt.Sprintf("%d new I/O errors", grew))
		case CounterDiskIOTimeouts:
			h.Mark(StateDegraded, fmt.Sprintf("%d new I/O timeouts", grew))
		case CounterNVMeMediaErrors:
			h.Mark(StateDegraded, fmt.Sprintf("%d new media and data integrity errors", grew))
		case CounterThrottlePackage, CounterThrottleCore:
			which := strings.TrimPrefix(k, "thermal_throttle_")
			h.Mark(StateDegraded, fmt.Sprintf("thermal throttling: %d new %s events", grew, which))
		default:
			h.Mark(StateDegraded, fmt.Sprintf("%d new %s errors", grew, k))
		}
	}
}

// fmtNum prints 8 as "8" and 2.5 as "2.5".
func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
