package topology

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Event kinds Diff reports.
const (
	EventAppeared        = "appeared"
	EventRemoved         = "removed"
	EventStateChanged    = "state-changed"
	EventLinkDegraded    = "link-degraded"
	EventLinkRestored    = "link-restored"
	EventErrors          = "errors"
	EventFirmwareChanged = "firmware-changed"
)

// Diff compares two graphs of one machine and returns what changed, as
// events stamped with now: components that appeared or were removed (or
// went missing), health that changed, links that trained down or came
// back, counters that grew (with the delta), firmware that changed.
func Diff(old, cur *Graph, now time.Time) []Event {
	var out []Event
	add := func(kind, comp, link, sev, msg string) {
		out = append(out, Event{Time: now, Kind: kind, Component: comp, Link: link, Severity: sev, Message: msg, Source: "diff"})
	}
	for _, c := range cur.Components {
		o, ok := old.Component(c.ID)
		switch {
		case !ok && c.Health.State != StateMissing:
			add(EventAppeared, c.ID, "", SeverityInfo, fmt.Sprintf("%s %s appeared", c.Kind, describe(c)))
			continue
		case !ok:
			continue
		}
		if c.Health.State == StateMissing && o.Health.State != StateMissing {
			add(EventRemoved, c.ID, "", SeverityCritical, fmt.Sprintf("%s %s is gone", c.Kind, describe(c)))
			continue
		}
		if c.Health.State != o.Health.State {
			add(EventStateChanged, c.ID, "", stateSeverity(c.Health.State),
				fmt.Sprintf("%s → %s%s", o.Health.State, c.Health.State, reasonSuffix(c.Health)))
		}
		if o.Firmware != "" && c.Firmware != "" && o.Firmware != c.Firmware {
			add(EventFirmwareChanged, c.ID, "", SeverityInfo, fmt.Sprintf("firmware %s → %s", o.Firmware, c.Firmware))
		}
		out = append(out, counterEvents(now, c.ID, "", o.Counters, c.Counters)...)
	}
	for _, o := range old.Components {
		if _, ok := cur.Component(o.ID); !ok && o.Health.State != StateMissing {
			add(EventRemoved, o.ID, "", SeverityCritical, fmt.Sprintf("%s %s is gone", o.Kind, describe(o)))
		}
	}
	for _, l := range cur.Links {
		o, ok := old.Link(l.ID)
		if !ok {
			continue
		}
		was, is := o.Health.State.Severity() > StateOK.Severity(), l.Health.State.Severity() > StateOK.Severity()
		switch {
		case is && (!was || linkSummary(l) != linkSummary(o)):
			add(EventLinkDegraded, "", l.ID, stateSeverity(l.Health.State),
				fmt.Sprintf("%s link %s%s", l.Kind, linkSummary(l), reasonSuffix(l.Health)))
		case was && !is:
			add(EventLinkRestored, "", l.ID, SeverityInfo, fmt.Sprintf("%s link %s", l.Kind, linkSummary(l)))
		}
		out = append(out, counterEvents(now, "", l.ID, o.Counters, l.Counters)...)
	}
	return out
}

func counterEvents(now time.Time, comp, link string, old, cur map[string]uint64) []Event {
	grew := false
	for k, v := range cur {
		if before, ok := old[k]; ok && v > before {
			grew = true
			break
		}
	}
	if !grew {
		return nil // the usual scan: nothing to sort
	}
	names := slices.Sorted(maps.Keys(cur))
	var out []Event
	for _, k := range names {
		before, ok := old[k]
		if !ok || cur[k] <= before {
			continue
		}
		sev := SeverityWarning
		if k == CounterUncorrected || k == "aer_fatal" || k == "aer_nonfatal" {
			sev = SeverityCritical
		}
		out = append(out, Event{Time: now, Kind: EventErrors, Component: comp, Link: link, Severity: sev,
			Message: fmt.Sprintf("%d new %s errors (%d in all)", cur[k]-before, k, cur[k]), Source: "diff"})
	}
	return out
}

func describe(c *Component) string {
	if c.Name != "" && c.Name != c.ID {
		return c.ID + " (" + c.Name + ")"
	}
	return c.ID
}

func reasonSuffix(h Health) string {
	if len(h.Reasons) == 0 {
		return ""
	}
	return ": " + h.Reasons[0]
}

func stateSeverity(s State) string {
	switch s {
	case StateFailed, StateMissing:
		return SeverityCritical
	case StateDegraded, StateUnknown:
		return SeverityWarning
	}
	return SeverityInfo
}
