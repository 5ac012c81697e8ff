package eventlog

import (
	"errors"
	"strconv"
	"time"

	"github.com/coreos/go-systemd/v22/journal"

	"github.com/hwgraph/hwgraph/topology"
)

// Journald is the --log.events value that sends events to the systemd
// journal, each with its fields, so that `journalctl HWGRAPH_COMPONENT=…`
// or a shipper's journald input finds them without parsing a message.
const Journald = "journal"

// Fields are an event's journal fields: MESSAGE as the CLI prints an
// event, PRIORITY from its severity, and every field of the event's
// schema as HWGRAPH_*, from which Decode gives the event back.
func Fields(e topology.Event) (message string, pri journal.Priority, vars map[string]string) {
	message = e.Message + e.FoldedSuffix()
	if id := e.Subject(); id != "" {
		message = id + ": " + message
	}
	vars = map[string]string{
		"SYSLOG_IDENTIFIER": "hwgraph",
		"HWGRAPH_TIME":      e.Time.Format(time.RFC3339Nano),
		"HWGRAPH_KIND":      e.Kind,
		"HWGRAPH_SEVERITY":  e.Severity,
		"HWGRAPH_MESSAGE":   e.Message,
		"HWGRAPH_SOURCE":    e.Source,
	}
	if e.Component != "" {
		vars["HWGRAPH_COMPONENT"] = e.Component
	}
	if e.Link != "" {
		vars["HWGRAPH_LINK"] = e.Link
	}
	if e.Count != 0 {
		vars["HWGRAPH_COUNT"] = strconv.Itoa(e.Count)
	}
	if !e.Last.IsZero() {
		vars["HWGRAPH_LAST"] = e.Last.Format(time.RFC3339Nano)
	}
	return message, priorityOf(e.Severity), vars
}

// Decode is the event a journal entry's HWGRAPH_* fields hold.
func Decode(fields map[string]string) (topology.Event, error) {
	e := topology.Event{
		Kind:      fields["HWGRAPH_KIND"],
		Component: fields["HWGRAPH_COMPONENT"],
		Link:      fields["HWGRAPH_LINK"],
		Severity:  fields["HWGRAPH_SEVERITY"],
		Message:   fields["HWGRAPH_MESSAGE"],
		Source:    fields["HWGRAPH_SOURCE"],
	}
	var err error
	if e.Time, err = time.Parse(time.RFC3339Nano, fields["HWGRAPH_TIME"]); err != nil {
		return e, errors.New("no HWGRAPH_TIME: not an hwgraph event")
	}
	if s, ok := fields["HWGRAPH_COUNT"]; ok {
		if e.Count, err = strconv.Atoi(s); err != nil {
			return e, err
		}
	}
	if s, ok := fields["HWGRAPH_LAST"]; ok {
		if e.Last, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return e, err
		}
	}
	return e, nil
}

// priorityOf is syslog's for a severity: critical is crit, warning
// warning, the rest (info, a state back to ok) notice, so that
// `journalctl -p warning` lists what needs a look.
func priorityOf(severity string) journal.Priority {
	switch severity {
	case topology.SeverityCritical:
		return journal.PriCrit
	case topology.SeverityWarning:
		return journal.PriWarning
	}
	return journal.PriNotice
}

// sendJournal sends each event as one journal entry, through journald's
// native socket; the first failure ends the batch (journald is gone or
// refusing, the rest would fail too).
func sendJournal(events []topology.Event) error {
	for _, e := range events {
		msg, pri, vars := Fields(e)
		if err := journal.Send(msg, pri, vars); err != nil {
			return err
		}
	}
	return nil
}
