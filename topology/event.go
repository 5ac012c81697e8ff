package topology

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Severity of an event, as alerting tools spell it.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Event is something that happened to a component or link: it appeared,
// vanished, degraded, or counted errors.
type Event struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	Component string    `json:"component,omitempty"`
	Link      string    `json:"link,omitempty"`
	Severity  string    `json:"severity"`
	Message   string    `json:"message"`
	Source    string    `json:"source"`
	// Count, First and Last fold a storm: repeats of one kind on one
	// component or link within a window are one event, Time the first's,
	// Count how many (0 or 1: this one alone), Last the latest's time.
	Count int       `json:"count,omitempty"`
	Last  time.Time `json:"last,omitzero"`
}

// FoldedSuffix is how a folded event says what it stands for: " (1204
// times, the last at 2026-12-07T01:02:03Z)"; "" for one occurrence.
func (e Event) FoldedSuffix() string {
	if e.N() < 2 {
		return ""
	}
	return fmt.Sprintf(" (%d times, the last at %s)", e.N(), e.Last.UTC().Format(time.RFC3339))
}

// Subject is what the event is about: its component, else its link.
func (e Event) Subject() string { return cmp.Or(e.Component, e.Link) }

// N is how many occurrences the event stands for: Count, at least 1.
func (e Event) N() int { return max(e.Count, 1) }

// foldKey is what makes two events repeats of one another.
type foldKey struct{ kind, component, link string }

func (e Event) foldKey() foldKey { return foldKey{e.Kind, e.Component, e.Link} }

// Folds reports whether e is a repeat that fold, an event of the same
// kind on the same part whose first occurrence is less than window
// before e, takes in.
func (e Event) Folds(fold Event, window time.Duration) bool {
	return window > 0 && e.foldKey() == fold.foldKey() && !e.Time.Before(fold.Time) && e.Time.Sub(fold.Time) < window
}

// Absorb folds e into fold: the count grows by e's, the last time and
// the worst severity are kept; the message stays the first's.
func (fold *Event) Absorb(e Event) {
	fold.Count = fold.N() + e.N()
	last := e.Last
	if last.IsZero() {
		last = e.Time
	}
	if last.After(fold.Last) {
		fold.Last = last
	}
	if severityRank(e.Severity) > severityRank(fold.Severity) {
		fold.Severity = e.Severity
	}
}

func severityRank(s string) int {
	switch s {
	case SeverityCritical:
		return 2
	case SeverityWarning:
		return 1
	}
	return 0
}

// FoldEvents folds the repeats among events (oldest first, as a scan
// gives them): the first of each kind on each part opens a fold that
// takes in its repeats for window after it. window 0 folds nothing.
func FoldEvents(events []Event, window time.Duration) []Event {
	if window <= 0 || len(events) < 2 {
		return events
	}
	out := events[:0:0]
	open := map[foldKey]int{} // the fold's place in out
	for _, e := range events {
		if i, ok := open[e.foldKey()]; ok && e.Folds(out[i], window) {
			out[i].Absorb(e)
			continue
		}
		open[e.foldKey()] = len(out)
		out = append(out, e)
	}
	return out
}

// Matches reports whether the event happened at or after since (zero:
// any time) and concerns id, a component or link ("": any).
func (e Event) Matches(since time.Time, id string) bool {
	return !e.Time.Before(since) && (id == "" || e.Component == id || e.Link == id)
}

// ErrBadCursor is a page cursor that the source of the events did not
// give: the caller's mistake, not the source's.
var ErrBadCursor = errors.New("not a cursor of these events")

// EventQuery asks for a page of events, newest first.
type EventQuery struct {
	// Since: only events at or after it; zero for all.
	Since time.Time
	// ID: only events of this component or link; "" for all.
	ID string
	// Limit: at most this many.
	Limit int
	// Cursor: only events older than the last of the page this came
	// with (EventPage.Next); "" to start from the newest.
	Cursor string
}

// EventPage is a page of events, newest first.
type EventPage struct {
	Events []Event
	// Next is the cursor of the page after this one, "" when there is
	// none.
	Next string
}

// ParseSince reads a "since" as the CLI's flag and the API take it: a
// duration back from now ("90s", "1h", "7d"; a day is 24 h) or an RFC 3339
// time. "" is zero: since always. A negative or empty duration, or a
// time in the future, is an error rather than a silent empty answer.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		if t.After(now) {
			return time.Time{}, fmt.Errorf("since %q: in the future", s)
		}
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok && err != nil {
		var n float64
		if n, err = strconv.ParseFloat(days, 64); err == nil {
			d = time.Duration(n * float64(24*time.Hour))
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("since %q: not a duration (1h, 7d) or an RFC 3339 time", s)
	}
	if d <= 0 {
		return time.Time{}, fmt.Errorf("since %q: not a positive duration", s)
	}
	return now.Add(-d), nil
}
