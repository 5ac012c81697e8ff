// Package eventlog writes hwgraph's events for log pipelines (Fluent Bit,
// Vector, Loki's promtail, an OpenTelemetry collector's filelog
// receiver): one JSON object a line, in the journal's schema, to a file
// or standard output, or to the systemd journal with a field for each.
package eventlog

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/hwgraph/hwgraph/topology"
)

// MaxLine bounds a line, newline included: log shippers cut longer ones
// (Docker's json-file and CRI at 16 KiB), and a half line is no JSON.
const MaxLine = 16 << 10

// cutMark ends a message cut to fit MaxLine.
const cutMark = " …[cut]"

// Writer appends events to a sink. A sink that cannot be written is
// said once, when it starts failing, and once when it works again; the
// events it missed are still in the journal.
type Writer struct {
	path   string // "-" is standard output
	logger *slog.Logger

	mu      sync.Mutex
	out     io.Writer
	failing bool
}

// New writes to path, "-" for standard output, Journald for the systemd
// journal; the file is created owner-only and appended to (a shipper
// follows it; logrotate's copytruncate rotates it).
func New(path string, logger *slog.Logger) *Writer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Writer{path: path, logger: logger}
	if path == "-" {
		w.out = os.Stdout
	}
	return w
}

// Write writes each event as one line. It never blocks the scan on a
// sink that is gone: a file that cannot be opened or written is tried
// again at the next call.
func (w *Writer) Write(events []topology.Event) {
	if len(events) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.write(events)
	switch {
	case err != nil && !w.failing:
		w.logger.Error("writing events to --log.events; they are still in the journal", "path", w.path, "err", err)
		w.failing = true
	case err == nil && w.failing:
		w.logger.Info("writing events to --log.events again", "path", w.path)
		w.failing = false
	}
}

func (w *Writer) write(events []topology.Event) error {
	if w.path == Journald {
		return sendJournal(events)
	}
	var b []byte
	for _, e := range events {
		b = append(b, Line(e)...)
	}
	if w.out != nil {
		_, err := w.out.Write(b)
		return err
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Line is one event as a JSON line of at most MaxLine bytes: a message
// too long for it is cut to the longest start that fits (escaping makes
// its length in the line unknown until encoded) and ends with cutMark.
func Line(e topology.Event) []byte {
	b := marshal(e)
	if len(b) <= MaxLine {
		return b
	}
	msg := []rune(e.Message)
	fits := func(n int) []byte {
		e.Message = string(msg[:n]) + cutMark
		if b := marshal(e); len(b) <= MaxLine {
			return b
		}
		return nil
	}
	lo, hi := 0, len(msg) // fits(lo) holds unless the rest of the event is too long
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) != nil {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if b := fits(lo); b != nil {
		return b
	}
	return marshal(topology.Event{Time: e.Time, Kind: e.Kind, Severity: e.Severity, Source: e.Source, Message: "event too long to log" + cutMark})
}

func marshal(e topology.Event) []byte {
	b, err := json.Marshal(e)
	if err != nil { // an Event always encodes; keep the line a line
		b = fmt.Appendf(nil, `{"kind":%q,"message":"unencodable event"}`, e.Kind)
	}
	return append(b, '\n')
}
