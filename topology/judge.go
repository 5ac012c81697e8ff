package topology

import (
	"fmt"
	"sort"
	"strconv"
)

// uncorrectableCounters are link counters that mean data was lost or a
// transaction failed: any count degrades the link, even in a first scan.
var uncorrectableCounters = []string{"aer_nonfatal", "aer_fatal"}

// Judge applies the link health rules of DESIGN.md to g: a link that trained
// below its maximum speed or width is degraded; a link with width 0 is down;
// a link whose error counters grew since prev (which may be nil) is
// degraded; uncorrectable errors degrade a link even without a previous scan.
func Judge(g, prev *Graph) {
	for _, l := range g.Links {
		judgeTraining(l)
		judgeCounters(l, prev)
	}
}

func judgeTraining(l *Link) {
	if w, ok := Number(l.Attrs, AttrWidth); ok && w == 0 {
		l.Health.Mark(StateFailed, "link down (width x0)")
		return
	}
	if s, ok := Number(l.Attrs, AttrSpeedGTs); ok {
		if m, ok := Number(l.Attrs, AttrMaxSpeedGTs); ok && s < m {
			l.Health.Mark(StateDegraded, fmt.Sprintf("%s GT/s of %s GT/s", fmtNum(s), fmtNum(m)))
		}
	}
	if w, ok := Number(l.Attrs, AttrWidth); ok {
		if m, ok := Number(l.Attrs, AttrMaxWidth); ok && w < m {
			l.Health.Mark(StateDegraded, fmt.Sprintf("x%s of x%s", fmtNum(w), fmtNum(m)))
		}
	}
}

func judgeCounters(l *Link, prev *Graph) {
	var before *Link
	if prev != nil {
		before, _ = prev.Link(l.ID)
	}
	names := make([]string, 0, len(l.Counters))
	for k := range l.Counters {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := l.Counters[k]
		if before != nil {
			if old, ok := before.Counters[k]; ok && v > old {
				l.Health.Mark(StateDegraded, fmt.Sprintf("%d new %s errors", v-old, k))
			}
		}
	}
	for _, k := range uncorrectableCounters {
		if v := l.Counters[k]; v > 0 {
			l.Health.Mark(StateDegraded, fmt.Sprintf("%d %s errors since boot", v, k))
		}
	}
}

// fmtNum prints 8 as "8" and 2.5 as "2.5".
func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
