package topology

import "time"

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
