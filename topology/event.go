package topology

import (
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
