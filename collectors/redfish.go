package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/redfish"
	"github.com/hwgraph/hwgraph/topology"
)

// RedfishTarget is a BMC reached over Redfish.
type RedfishTarget struct {
	// URL is the service's scheme and host: https://bmc.example.org,
	// or http:// for a plain-HTTP service (test servers, some labs).
	URL, User string
	// Password comes from a file or the environment, never argv.
	Password string
	// HTTP carries the TLS settings (a CA file, or the system pool);
	// nil is http.DefaultClient.
	HTTP *http.Client
}

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

	mu      sync.Mutex
	cursors map[string]logCursor // by log service path
	loaded  bool
}

// logCursor is the last entry of a log reported: its Id and creation time
// (an Id alone repeats once a wrapping log overwrites itself).
type logCursor struct {
	ID      string `json:"id"`
	Created string `json:"created"`
}

// redfishLogStateFile keeps the cursors in the state folder.
const redfishLogStateFile = "redfish-logs.json"

// Name implements Collector.
func (*Redfish) Name() string { return "redfish" }

// Reads implements Collector: a network service, not files.
func (*Redfish) Reads() []capture.Read { return nil }

// Collect implements Collector.
func (r *Redfish) Collect(ctx context.Context, env Env) (*topology.Fragment, error) {
	if r.Target.URL == "" {
		return nil, ErrAbsent
	}
	c := &redfish.Client{Base: r.Target.URL, User: r.Target.User, Password: r.Target.Password, HTTP: r.Target.HTTP, Timeout: 10 * time.Second,
		Session: true}
	inv, err := redfish.Read(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("redfish %s: %w", r.Target.URL, err)
	}
	f := &topology.Fragment{}
	for _, e := range inv.Problems {
		f.Problem(e.Error())
	}
	for i, m := range inv.Managers {
		if m.ManagerType != "" && m.ManagerType != "BMC" || i > 0 {
			continue // one BMC: bmc:0
		}
		b := f.Add(&topology.Component{ID: topology.BMCID, Kind: topology.KindBMC, Name: "BMC", Parent: topology.HostID,
			Model: m.Model, Firmware: m.FirmwareVersion})
		b.SetAttr("redfish_url", r.Target.URL)
		judgeRedfish(b, m.Status)
	}
	for _, s := range inv.Systems {
		host := f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
		if s.BiosVersion != "" {
			host.SetAttr("bios_version", s.BiosVersion)
		}
		judgeRedfish(host, s.Status)
		for _, m := range s.Memory {
			if m.Status.State == "Absent" {
				continue // an empty slot: the memory collector's to show
			}
			loc := m.DeviceLocator
			if loc == "" {
				loc = m.ID
			}
			d := f.Add(&topology.Component{ID: topology.DIMMID(loc), Kind: topology.KindDIMM, Name: loc, Parent: topology.HostID,
				Vendor: m.Manufacturer, Model: m.PartNumber, Serial: m.SerialNumber})
			if m.CapacityMiB != nil {
				d.SetAttr("redfish_size_bytes", *m.CapacityMiB<<20)
			}
			if m.MemoryDeviceType != "" {
				d.SetAttr("redfish_type", m.MemoryDeviceType)
			}
			judgeRedfish(d, m.Status)
		}
	}
	for _, ch := range inv.Chassis {
		for i, p := range ch.Power.PowerSupplies {
			if p.Status.State == "Absent" {
				continue
			}
			n := i + 1
			if id, err := strconv.Atoi(p.MemberID); err == nil {
				n = id + 1 // MemberId counts from 0; IPMI's entity instances, psu:N, from 1
			}
			psu := f.Add(&topology.Component{ID: topology.PSUID(n), Kind: "psu", Name: p.Name, Parent: topology.BMCID,
				Vendor: p.Manufacturer, Model: p.Model, Serial: p.SerialNumber, Firmware: p.FirmwareVersion})
			if p.LastPowerOutputWatts != nil {
				setSensor(psu, "Output", *p.LastPowerOutputWatts, "Watts", nil)
			}
			if p.PowerCapacityWatts != nil {
				psu.SetAttr("capacity_watts", *p.PowerCapacityWatts)
			}
			judgeRedfish(psu, p.Status)
		}
		host := f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
		for _, t := range ch.Thermal.Temperatures {
			if t.ReadingCelsius != nil && t.Status.State != "Absent" && t.Status.State != "Disabled" {
				setSensor(host, t.Name, *t.ReadingCelsius, "degrees C", t.UpperThresholdCritical)
			}
		}
		for _, fan := range ch.Thermal.Fans {
			if fan.Reading != nil && fan.Status.State != "Absent" && fan.Status.State != "Disabled" {
				setSensor(host, fan.Name, *fan.Reading, fanUnit(fan.ReadingUnits), nil)
			}
		}
	}
	// Each firmware entry on the part its RelatedItem names, where hwgraph
	// has that part; the rest on the BMC, which reported them.
	parts := map[string]string{} // Redfish path → component ID
	for i, m := range inv.Managers {
		if i == 0 {
			parts["/redfish/v1/Managers/"+m.ID] = topology.BMCID
		}
	}
	for _, s := range inv.Systems {
		parts["/redfish/v1/Systems/"+s.ID] = topology.HostID
	}
	for _, fw := range inv.Firmware {
		if fw.Version == "" {
			continue
		}
		on := topology.BMCID
		for _, rel := range fw.RelatedItem {
			if id, ok := parts[rel.ID]; ok {
				on = id
				break
			}
		}
		c := f.Add(&topology.Component{ID: on})
		if on == topology.BMCID {
			c.Kind, c.Name, c.Parent = topology.KindBMC, "BMC", topology.HostID
		} else {
			c.Kind = topology.KindHost
		}
		c.SetAttr("firmware:"+strings.ReplaceAll(fw.Name, ":", " "), fw.Version)
	}
	if len(f.Components) == 0 {
		return nil, errors.New("redfish: the service named no manager, system or chassis")
	}
	events, problems := r.newEntries(inv.Logs)
	f.Events = append(f.Events, events...)
	for _, p := range problems {
		f.Problem(p.Error())
	}
	return f, nil
}

// newEntries turns the log entries after each log's cursor into events
// on the BMC and moves the cursors. A log whose cursor entry is gone
// (cleared, or overwritten) reports what was created since the cursor's
// time. Logs are never cleared.
func (r *Redfish) newEntries(logs []redfish.Log) ([]topology.Event, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var problems []error
	if !r.loaded {
		r.loaded = true
		if r.State != nil {
			data, err := r.State.ReadState(redfishLogStateFile)
			switch {
			case err == nil:
				if jerr := json.Unmarshal(data, &r.cursors); jerr != nil {
					damage := fmt.Errorf("redfish log cursors %s: %w; reading the logs from their start", redfishLogStateFile, jerr)
					r.State.ReportDamage(redfishLogStateFile, damage)
					problems = append(problems, damage)
					r.cursors = nil
				}
			case !errors.Is(err, fs.ErrNotExist):
				problems = append(problems, fmt.Errorf("redfish log cursors: %w", err))
			}
		}
	}
	if r.cursors == nil {
		r.cursors = map[string]logCursor{}
	}
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
			msg := fmt.Sprintf("%s %s: %s", l.Name, e.ID, e.Message)
			if e.MessageID != "" {
				msg += " (" + e.MessageID + ")"
			}
			out = append(out, topology.Event{Time: t, Kind: "bmc-log", Component: topology.BMCID, Severity: sev, Message: msg, Source: "redfish"})
		}
		if n := len(l.Entries); n > 0 {
			last := logCursor{ID: l.Entries[n-1].ID, Created: l.Entries[n-1].Created}
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

// setSensor sets a sensor attribute, as the IPMI and hwmon collectors do.
func setSensor(c *topology.Component, name string, v float64, unit string, crit *float64) {
	key := "sensor:" + strings.ReplaceAll(name, ":", " ")
	c.SetAttr(key, v)
	c.SetAttr(key+":unit", unit)
	if crit != nil {
		c.SetAttr(key+":critical", *crit)
		if v >= *crit {
			c.Health.Mark(topology.StateFailed, fmt.Sprintf("%s at %g %s, at or past its critical %g", name, v, unit, *crit))
		}
	}
}

func fanUnit(u string) string {
	if u == "Percent" {
		return "percent"
	}
	return "RPM"
}

// judgeRedfish marks a component by its Redfish Status.
func judgeRedfish(c *topology.Component, st redfish.Status) {
	switch st.Health {
	case "Warning":
		c.Health.Mark(topology.StateDegraded, "Redfish: Health Warning")
	case "Critical":
		c.Health.Mark(topology.StateFailed, "Redfish: Health Critical")
	}
}
