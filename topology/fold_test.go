package topology

import (
	"testing"
	"time"
)

func TestFoldEvents(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	ev := func(s int, kind, comp, sev string) Event {
		return Event{Time: t0.Add(time.Duration(s) * time.Second), Kind: kind, Component: comp, Severity: sev, Message: kind}
	}
	for _, tc := range []struct {
		name   string
		in     []Event
		window time.Duration
		want   []int // the count of each event out
	}{
		{"off", []Event{ev(0, "aer", "a", "info"), ev(1, "aer", "a", "info")}, 0, []int{1, 1}},
		{"a storm", []Event{ev(0, "aer", "a", "info"), ev(1, "aer", "a", "info"), ev(2, "aer", "a", "info")}, time.Minute, []int{3}},
		{"two parts", []Event{ev(0, "aer", "a", "info"), ev(1, "aer", "b", "info"), ev(2, "aer", "a", "info")}, time.Minute, []int{2, 1}},
		{"two kinds", []Event{ev(0, "aer", "a", "info"), ev(1, "xid", "a", "info")}, time.Minute, []int{1, 1}},
		{"past the window", []Event{ev(0, "aer", "a", "info"), ev(59, "aer", "a", "info"), ev(60, "aer", "a", "info"), ev(61, "aer", "a", "info")}, time.Minute, []int{2, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := FoldEvents(tc.in, tc.window)
			var got []int
			total := 0
			for _, e := range out {
				got = append(got, e.N())
				total += e.N()
			}
			if len(got) != len(tc.want) || total != len(tc.in) {
				t.Fatalf("counts %v, want %v (and %d in all)", got, tc.want, len(tc.in))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("counts %v, want %v", got, tc.want)
				}
			}
		})
	}
	// The worst severity and the last time are kept; the first's message.
	out := FoldEvents([]Event{ev(0, "xid", "g", "warning"), ev(5, "xid", "g", "critical"), ev(9, "xid", "g", "info")}, time.Minute)
	if len(out) != 1 || out[0].Severity != SeverityCritical || !out[0].Last.Equal(t0.Add(9*time.Second)) || !out[0].Time.Equal(t0) ||
		out[0].FoldedSuffix() != " (3 times, the last at 2026-12-07T01:00:09Z)" {
		t.Errorf("folded %+v %q", out, out[0].FoldedSuffix())
	}
}
