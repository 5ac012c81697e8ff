package collectors

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/redfish"
	"github.com/hwgraph/hwgraph/topology"
)

// Redfish reads the BMC's Redfish service and puts what it says on the
// components it names: the BMC (bmc:0) with its firmware, each DIMM on
// its dimm: component (by the slot's locator), power supplies as psu:N,
// temperatures and fans as sensors of the host, PSU output as a sensor
// of its PSU, the firmware inventory on the BMC. A part whose Health is
// Warning is degraded, Critical failed, with the BMC's word for it.
type Redfish struct {
	Target RedfishTarget
	// State keeps the logs' cursors across runs, so an entry is an event
	// once; nil keeps them in memory.
	State State
	// PartsMaxAge is how long the parts read from the BMC (processors,
	// memory, storage, network, GPUs, firmware) are kept between scans
	// while the systems' and chassis' health stays the same and the logs
	// say nothing new; 0 reads them every scan.
	PartsMaxAge time.Duration
	// Background reads the parts apart from the scans, in a read of its
	// own bounded by PartsTimeout, so that a slow BMC (hundreds of
	// requests at a fraction of a second each) never holds a scan past
	// its deadline; a scan uses the parts last read. For agents; a
	// one-shot run reads them within its scan.
	Background   bool
	PartsTimeout time.Duration // 0 is 5 minutes

	refresh      sync.WaitGroup // the background read, while it runs
	mu           sync.Mutex
	refreshing   bool
	refreshedAt  time.Time                 // when the last background read started
	refreshError error                     // the last background read's failure, said once
	cursors      map[string]redfish.Cursor // by log service path
	loaded       bool
	// loadProblems are the state file's, said by the next newEntries.
	loadProblems []error
	kept         *redfish.Inventory // the last reading of the parts
	keptAt       time.Time
}

// Invalidate implements Invalidator: the next scan reads the parts.
func (r *Redfish) Invalidate() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kept = nil
}

// wantParts says whether a scan reads the parts again: they are old, a
// system's or chassis' health changed (a part's health rolls up into
// theirs), or a log has entries the last scan did not see (a part
// pulled or failed is logged).
func (r *Redfish) wantParts(inv *redfish.Inventory) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.PartsMaxAge <= 0 || r.kept == nil || time.Since(r.keptAt) > r.PartsMaxAge || healthOf(inv) != healthOf(r.kept) {
		return true
	}
	for _, l := range inv.Logs {
		if n := len(l.Entries); n > 0 {
			if cur, ok := r.cursors[l.Path]; !ok || cur.ID != l.Entries[n-1].ID || cur.Created != l.Entries[n-1].Created {
				return true
			}
		}
	}
	return false
}

// healthOf sums up the systems' and chassis' Status, which their parts'
// health rolls up into.
func healthOf(inv *redfish.Inventory) string {
	var b strings.Builder
	for _, s := range inv.Systems {
		fmt.Fprintf(&b, "system %s %s %s %s\n", s.ID, s.Status.State, s.Status.Health, s.Status.HealthRollup)
	}
	for _, ch := range inv.Chassis {
		fmt.Fprintf(&b, "chassis %s %s %s %s\n", ch.ID, ch.Status.State, ch.Status.Health, ch.Status.HealthRollup)
	}
	return b.String()
}

// keepParts remembers a reading with its parts, or gives a reading
// without them the parts last read.
func (r *Redfish) keepParts(inv *redfish.Inventory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if inv.Parts {
		r.kept, r.keptAt = inv, time.Now()
		return
	}
	if r.kept == nil {
		return
	}
	for i := range inv.Systems {
		for _, k := range r.kept.Systems {
			if k.ID == inv.Systems[i].ID {
				s := &inv.Systems[i]
				s.Memory, s.Processors, s.Storage, s.SimpleStorage, s.Ethernet, s.Graphics = k.Memory, k.Processors, k.Storage, k.SimpleStorage, k.Ethernet, k.Graphics
			}
		}
	}
	for i := range inv.Chassis {
		for _, k := range r.kept.Chassis {
			if k.ID == inv.Chassis[i].ID {
				inv.Chassis[i].Network = k.Network
			}
		}
	}
	inv.Firmware = r.kept.Firmware
}

// redfishLogStateFile keeps the cursors in the state folder.
const redfishLogStateFile = "redfish-logs.json"

func init() {
	register("redfish", func(o Options) Collector {
		return &Redfish{Target: o.Redfish, State: o.State, PartsMaxAge: o.fullScanInterval(), Background: o.Agent}
	})
}

// Name implements Collector.
func (*Redfish) Name() string { return "redfish" }

// Reads implements Collector: a network service, not files.
func (*Redfish) Reads() []capture.Read { return nil }

// Collect implements Collector.
func (r *Redfish) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	if r.Target.URL == "" {
		return nil, ErrAbsent
	}
	c := r.client()
	background := r.Background && r.PartsMaxAge > 0
	want := false
	inv, err := redfish.ReadWith(ctx, c, redfish.ReadOptions{Logs: r.logCursors(), Parts: func(inv *redfish.Inventory) bool {
		want = r.wantParts(inv)
		return want && !background
	}})
	if err != nil {
		return nil, fmt.Errorf("redfish %s: %w", r.Target.URL, err)
	}
	if background && want {
		r.refreshParts()
	}
	r.keepParts(inv)
	f, parts := redfishParts(inv, r.Target.URL)
	for _, e := range inv.Problems {
		f.Problem(e.Error())
	}
	r.mu.Lock()
	if r.refreshError != nil {
		f.Problem(r.refreshError.Error())
		r.refreshError = nil
	}
	r.mu.Unlock()
	if len(f.Components) == 0 && len(f.Joins) == 0 {
		return nil, errors.New("redfish: the service named no manager, system or chassis")
	}
	events, problems := r.newEntries(inv.Logs, parts)
	f.Events = append(f.Events, events...)
	for _, p := range problems {
		f.Problem(p.Error())
	}
	return f, nil
}

// refreshAgain is how long after a background read of the parts began
// the next may begin: a BMC that fails them is not asked without pause.
const refreshAgain = time.Minute

// refreshParts reads the parts in the background unless a read is under
// way or began less than refreshAgain ago.
func (r *Redfish) refreshParts() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refreshing || time.Since(r.refreshedAt) < refreshAgain {
		return
	}
	r.refreshing, r.refreshedAt = true, time.Now()
	r.refresh.Add(1)
	go func() {
		defer r.refresh.Done()
		ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(r.PartsTimeout, 5*time.Minute))
		defer cancel()
		inv, err := redfish.ReadWith(ctx, r.client(), redfish.ReadOptions{PartsOnly: true})
		r.mu.Lock()
		defer r.mu.Unlock()
		r.refreshing = false
		switch {
		case err != nil:
			r.refreshError = fmt.Errorf("redfish %s: reading the parts: %w", r.Target.URL, err)
		case len(inv.Problems) > 0:
			r.refreshError = fmt.Errorf("redfish %s: reading the parts: %w", r.Target.URL, errors.Join(inv.Problems...))
			fallthrough
		default:
			r.kept, r.keptAt = inv, time.Now()
		}
	}()
}

// client is a client of the target, with its own session.
func (r *Redfish) client() *redfish.Client {
	return &redfish.Client{Base: r.Target.URL, User: r.Target.User, Password: r.Target.Password, HTTP: r.Target.HTTP, Timeout: 10 * time.Second,
		Session: true}
}

// loadCursors reads the logs' cursors from the state folder the first
// time; r.mu is held. A damaged file is reported (by the next
// newEntries) and the logs read from their start.
func (r *Redfish) loadCursors() {
	if !r.loaded {
		r.loaded = true
		if r.State != nil {
			data, err := r.State.ReadState(redfishLogStateFile)
			switch {
			case err == nil:
				if jerr := json.Unmarshal(data, &r.cursors); jerr != nil {
					damage := fmt.Errorf("redfish log cursors %s: %w; reading the logs from their start", redfishLogStateFile, jerr)
					r.State.ReportDamage(redfishLogStateFile, damage)
					r.loadProblems = append(r.loadProblems, damage)
					r.cursors = nil
				}
			case !errors.Is(err, fs.ErrNotExist):
				r.loadProblems = append(r.loadProblems, fmt.Errorf("redfish log cursors: %w", err))
			}
		}
	}
	if r.cursors == nil {
		r.cursors = map[string]redfish.Cursor{}
	}
}

// logCursors are the cursors for a read, which starts each log at its
// cursor where the service can skip.
func (r *Redfish) logCursors() map[string]redfish.Cursor {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.loadCursors()
	return maps.Clone(r.cursors)
}

// newEntries turns the log entries after each log's cursor into events
// and moves the cursors. An entry is on the part its OriginOfCondition
// names (parts: Redfish path → component), else on the BMC. A log whose
// cursor entry is gone (cleared, or overwritten) reports what was
// created since the cursor's time. Logs are never cleared.
func (r *Redfish) newEntries(logs []redfish.Log, parts map[string]*topology.Component) ([]topology.Event, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.loadCursors()
	problems := r.loadProblems
	r.loadProblems = nil
	var out []topology.Event
	moved := false
	for _, l := range logs {
		start := 0
		if cur, ok := r.cursors[l.Path]; ok {
			start = -1
			for i, e := range l.Entries {
				if e.ID == cur.ID && e.Created == cur.Created {
					start = i + 1
				}
			}
			if start < 0 {
				start = len(l.Entries)
				for i, e := range l.Entries {
					if e.Created >= cur.Created { // RFC 3339 in one zone sorts as text
						start = i
						break
					}
				}
			}
		}
		for _, e := range l.Entries[start:] {
			t, err := time.Parse(time.RFC3339, e.Created)
			if err != nil {
				t = time.Now().UTC()
			}
			sev := topology.SeverityInfo
			switch e.Severity {
			case "Critical":
				sev = topology.SeverityCritical
			case "Warning":
				sev = topology.SeverityWarning
			}
			msg := fmt.Sprintf("%s %s: %s", logName(l), e.ID, e.Message)
			if e.MessageID != "" {
				msg += " (" + e.MessageID + ")"
			}
			on := topology.BMCID
			if c := parts[e.Links.OriginOfCondition.ID]; c != nil {
				on = c.ID
			}
			out = append(out, topology.Event{Time: t, Kind: "bmc-log", Component: on, Severity: sev, Message: msg, Source: "redfish"})
		}
		if n := len(l.Entries); n > 0 {
			last := redfish.Cursor{ID: l.Entries[n-1].ID, Created: l.Entries[n-1].Created, Index: l.Offset + n - 1}
			if l.Reversed {
				last.Index = 0 // its place moves with every new entry
			}
			if r.cursors[l.Path] != last {
				r.cursors[l.Path], moved = last, true
			}
		}
	}
	if moved && r.State != nil {
		data, _ := json.Marshal(r.cursors)
		if err := r.State.WriteState(redfishLogStateFile, data); err != nil {
			problems = append(problems, fmt.Errorf("redfish log cursors: %w", err))
		}
	}
	return out, problems
}

// logOwners name the resources a Redfish log service hangs under.
var logOwners = map[string]string{"Managers": "manager", "Systems": "system", "Chassis": "chassis"}

// logName is a log's Name with what it is the log of, "System Log
// Service (manager BMC)": services often share a name (DMTF's mockups
// call both the BMC's log and the system's "System Log Service"), and an
// event must say which one it came from.
func logName(l redfish.Log) string {
	parts := strings.Split(strings.Trim(l.Path, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if owner, ok := logOwners[parts[i]]; ok && i > 0 && parts[i-1] == "v1" {
			return fmt.Sprintf("%s (%s %s)", l.Name, owner, parts[i+1])
		}
	}
	return l.Name
}
