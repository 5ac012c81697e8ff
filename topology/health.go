package topology

import "slices"

// State is the health of a component or link.
type State string

// The health states, from best to worst by Severity.
const (
	StateOK       State = "ok"
	StateUnknown  State = "unknown"
	StateDegraded State = "degraded"
	StateMissing  State = "missing"
	StateFailed   State = "failed"
)

// States lists every state in order of severity, best first.
var States = []State{StateOK, StateUnknown, StateDegraded, StateMissing, StateFailed}

// Severity orders states so the worst of two can be kept when sources
// disagree. Unknown ranks above ok so a part we could not read is never
// shown as healthy, and below degraded because a real fault says more.
func (s State) Severity() int {
	switch s {
	case StateOK, "":
		return 0
	case StateUnknown:
		return 1
	case StateDegraded:
		return 2
	case StateMissing:
		return 3
	case StateFailed:
		return 4
	}
	return 1
}

// Health is a state with the short, human reasons behind it.
type Health struct {
	State   State    `json:"state"`
	Reasons []string `json:"reasons,omitempty"`
}

// Mark lowers h to at least state s and records why. A reason already
// present is not repeated.
func (h *Health) Mark(s State, reason string) {
	if s.Severity() > h.State.Severity() || h.State == "" {
		h.State = s
	}
	if reason != "" && !slices.Contains(h.Reasons, reason) {
		h.Reasons = append(h.Reasons, reason)
	}
}

// merge folds other into h: the worse state wins, reasons are united.
func (h *Health) merge(other Health) {
	if other.State == "" && len(other.Reasons) == 0 {
		return
	}
	st := other.State
	if st == "" {
		st = StateOK
	}
	if h.State == "" {
		h.State = StateOK
	}
	if st.Severity() > h.State.Severity() {
		h.State = st
	}
	for _, r := range other.Reasons {
		if !slices.Contains(h.Reasons, r) {
			h.Reasons = append(h.Reasons, r)
		}
	}
}
