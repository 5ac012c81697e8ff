package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Status is a resource's Status: its State (Enabled, Absent, …) and
// Health (OK, Warning, Critical).
type Status struct {
	State        string `json:"State"`
	Health       string `json:"Health"`
	HealthRollup string `json:"HealthRollup"`
	// Conditions say why a resource's health is what it is, in the
	// BMC's words (Resource 1.14 on).
	Conditions []struct {
		Message  string `json:"Message"`
		Severity string `json:"Severity"`
	} `json:"Conditions"`
}

// Manager is a BMC.
type Manager struct {
	ID              string `json:"Id"`
	Name            string `json:"Name"`
	Model           string `json:"Model"`
	FirmwareVersion string `json:"FirmwareVersion"`
	ManagerType     string `json:"ManagerType"`
	UUID            string `json:"UUID"`
	Status          Status `json:"Status"`
	// LogsLink is the BMC's own logs: where iDRAC keeps the SEL, iLO its
	// event log.
	LogsLink Link `json:"LogServices"`
}

// System is a computer system and what it holds.
type System struct {
	ID           string `json:"Id"`
	Manufacturer string `json:"Manufacturer"`
	Model        string `json:"Model"`
	SerialNumber string `json:"SerialNumber"`
	BiosVersion  string `json:"BiosVersion"`
	Status       Status `json:"Status"`
	MemoryLink   Link   `json:"Memory"`
	LogsLink     Link   `json:"LogServices"`
	// The links below lead to the system's parts, read into the fields
	// after them.
	ProcessorsLink    Link `json:"Processors"`
	StorageLink       Link `json:"Storage"`
	SimpleStorageLink Link `json:"SimpleStorage"`
	EthernetLink      Link `json:"EthernetInterfaces"`
	GraphicsLink      Link `json:"GraphicsControllers"`
	Memory            []Memory
	Processors        []Processor
	Storage           []Storage
	SimpleStorage     []SimpleStorage
	Ethernet          []EthernetInterface
	Graphics          []GraphicsController
}

// Part is what the resource of every part says of itself.
type Part struct {
	Path         string `json:"@odata.id"`
	ID           string `json:"Id"`
	Name         string `json:"Name"`
	Manufacturer string `json:"Manufacturer"`
	Model        string `json:"Model"`
	SerialNumber string `json:"SerialNumber"`
	Status       Status `json:"Status"`
}

// Processor is one socket's processor (or an accelerator the service
// lists among processors).
type Processor struct {
	Part
	Socket        string `json:"Socket"`
	ProcessorType string `json:"ProcessorType"` // CPU, GPU, FPGA, …
	TotalCores    *int   `json:"TotalCores"`
	MaxSpeedMHz   *int   `json:"MaxSpeedMHz"`
}

// Storage is a storage subsystem: its controllers and the drives behind
// them.
type Storage struct {
	Path        string              `json:"@odata.id"`
	ID          string              `json:"Id"`
	Name        string              `json:"Name"`
	Status      Status              `json:"Status"`
	Controllers []StorageController `json:"StorageControllers"`
	DriveLinks  []Link              `json:"Drives"`
	Drives      []Drive             `json:"-"`
}

// StorageController is one controller of a storage subsystem.
type StorageController struct {
	Part
	FirmwareVersion string `json:"FirmwareVersion"`
}

// Drive is one disk or SSD.
type Drive struct {
	Part
	Revision      string `json:"Revision"` // the drive's firmware
	Protocol      string `json:"Protocol"`
	MediaType     string `json:"MediaType"`
	CapacityBytes *int64 `json:"CapacityBytes"`
	// PredictedMediaLifeLeftPercent is the SSD's wear as the drive
	// predicts it.
	PredictedMediaLifeLeftPercent *float64 `json:"PredictedMediaLifeLeftPercent"`
	FailurePredicted              *bool    `json:"FailurePredicted"`
}

// SimpleStorage is a controller that lists its devices inline, as older
// services and simple SATA ports do.
type SimpleStorage struct {
	Part
	Devices []SimpleStorageDevice `json:"Devices"`
}

// SimpleStorageDevice is one device of a SimpleStorage controller.
type SimpleStorageDevice struct {
	Part                 // no resource of its own: no path
	CapacityBytes *int64 `json:"CapacityBytes"`
}

// EthernetInterface is one of the system's network interfaces as the BMC
// sees it.
type EthernetInterface struct {
	Part
	Description         string `json:"Description"`
	MACAddress          string `json:"MACAddress"`
	PermanentMACAddress string `json:"PermanentMACAddress"`
	LinkStatus          string `json:"LinkStatus"`
	SpeedMbps           *int   `json:"SpeedMbps"`
}

// GraphicsController is a GPU as the BMC sees it.
type GraphicsController struct {
	Part
	PartNumber  string `json:"PartNumber"`
	BiosVersion string `json:"BiosVersion"`
}

// NetworkAdapter is a network card in a chassis.
type NetworkAdapter struct {
	Part
	PartNumber  string `json:"PartNumber"`
	Controllers []struct {
		FirmwarePackageVersion string `json:"FirmwarePackageVersion"`
	} `json:"Controllers"`
}

// Memory is one DIMM slot.
type Memory struct {
	Part
	DeviceLocator     string `json:"DeviceLocator"`
	CapacityMiB       *int   `json:"CapacityMiB"`
	PartNumber        string `json:"PartNumber"` // what hwgraph calls a DIMM's model, as SMBIOS does
	MemoryDeviceType  string `json:"MemoryDeviceType"`
	OperatingSpeedMhz *int   `json:"OperatingSpeedMhz"`
}

// Chassis is an enclosure with its power and cooling: PowerSubsystem and
// ThermalSubsystem where the service has them, else the deprecated Power
// and Thermal.
type Chassis struct {
	ID           string `json:"Id"`
	Manufacturer string `json:"Manufacturer"`
	Model        string `json:"Model"`
	SerialNumber string `json:"SerialNumber"`
	Status       Status `json:"Status"`
	PowerLink    Link   `json:"Power"`
	ThermalLink  Link   `json:"Thermal"`
	NetworkLink  Link   `json:"NetworkAdapters"`
	// The newer resources for the same (DSP0268 2020.4 on): read first.
	PowerSubsystemLink   Link `json:"PowerSubsystem"`
	ThermalSubsystemLink Link `json:"ThermalSubsystem"`
	Power                Power
	Thermal              Thermal
	Network              []NetworkAdapter
}

// Power is a chassis' power supplies, what the chassis draws and its
// voltage rails.
type Power struct {
	PowerSupplies []PowerSupply `json:"PowerSupplies"`
	PowerControl  []struct {
		Name               string   `json:"Name"`
		PowerConsumedWatts *float64 `json:"PowerConsumedWatts"`
		Status             Status   `json:"Status"`
	} `json:"PowerControl"`
	Voltages []Voltage `json:"Voltages"`
}

// Voltage is one voltage sensor with its critical thresholds.
type Voltage struct {
	Name                   string   `json:"Name"`
	ReadingVolts           *float64 `json:"ReadingVolts"`
	UpperThresholdCritical *float64 `json:"UpperThresholdCritical"`
	LowerThresholdCritical *float64 `json:"LowerThresholdCritical"`
	Status                 Status   `json:"Status"`
}

// PowerSupply is one PSU.
type PowerSupply struct {
	MemberID             string   `json:"MemberId"`
	Name                 string   `json:"Name"`
	Model                string   `json:"Model"`
	Manufacturer         string   `json:"Manufacturer"`
	SerialNumber         string   `json:"SerialNumber"`
	FirmwareVersion      string   `json:"FirmwareVersion"`
	PowerCapacityWatts   *float64 `json:"PowerCapacityWatts"`
	LastPowerOutputWatts *float64 `json:"LastPowerOutputWatts"`
	Status               Status   `json:"Status"`
}

// Thermal is a chassis' temperatures and fans.
type Thermal struct {
	Temperatures []Temperature `json:"Temperatures"`
	Fans         []Fan         `json:"Fans"`
}

// Temperature is one temperature sensor.
type Temperature struct {
	Name                   string   `json:"Name"`
	ReadingCelsius         *float64 `json:"ReadingCelsius"`
	UpperThresholdCritical *float64 `json:"UpperThresholdCritical"`
	PhysicalContext        string   `json:"PhysicalContext"`
	Status                 Status   `json:"Status"`
}

// Fan is one fan.
type Fan struct {
	Name                   string   `json:"Name"`
	Reading                *float64 `json:"Reading"`
	ReadingUnits           string   `json:"ReadingUnits"`
	LowerThresholdCritical *float64 `json:"LowerThresholdCritical"`
	Status                 Status   `json:"Status"`
}

// Firmware is one entry of the firmware inventory.
type Firmware struct {
	ID          string `json:"Id"`
	Name        string `json:"Name"`
	Version     string `json:"Version"`
	RelatedItem []Link `json:"RelatedItem"`
	Status      Status `json:"Status"`
}

// Log is one log service (the SEL, an event log) with its entries, oldest
// first.
type Log struct {
	// Path is the service's resource, its name among the host's logs.
	Path string
	Name string
	// Entries are the log's entries from the Offset-th on: all of them,
	// or, where a reader's Cursor let it skip, from the cursor's entry.
	Entries []LogEntry
	Offset  int
	// Reversed says the service lists the log newest first; Entries are
	// oldest first all the same, and the log cannot be read from an
	// offset.
	Reversed bool
}

// Cursor is where a reader of a log got to: the entry it saw last, by its
// Id and creation time (an Id alone repeats once a wrapping log
// overwrites itself), and that entry's place in the log. Where the
// service can skip ($skip), the next read starts at that place and
// checks the entry is still there. Readers keep cursors as this JSON.
type Cursor struct {
	ID      string `json:"id"`
	Created string `json:"created"`
	Index   int    `json:"index,omitempty"`
}

// ReadOptions say what ReadWith reads.
type ReadOptions struct {
	// Parts, shown the inventory read so far, says whether to read the
	// parts; nil reads them.
	Parts func(*Inventory) bool
	// Logs are the cursors of the logs read before, by log path.
	Logs map[string]Cursor
	// PartsOnly reads the managers, systems and chassis and their parts,
	// not the logs or readings: an agent's refresh of its parts, apart
	// from its scans.
	PartsOnly bool
}

// LogEntry is one entry of a log.
type LogEntry struct {
	ID        string `json:"Id"`
	EntryType string `json:"EntryType"`
	Severity  string `json:"Severity"` // OK, Warning, Critical
	Created   string `json:"Created"`
	Message   string `json:"Message"`
	MessageID string `json:"MessageId"`
	Links     struct {
		// OriginOfCondition is the resource the entry is about: a drive,
		// a PSU, a chassis' thermal.
		OriginOfCondition Link `json:"OriginOfCondition"`
	} `json:"Links"`
}

// Inventory is what Read found. Problems are the resources that could
// not be read; the rest still count.
type Inventory struct {
	// Parts says whether the systems' and chassis' parts and the firmware
	// inventory were read (ReadIf).
	Parts    bool
	Managers []Manager
	Systems  []System
	Chassis  []Chassis
	Firmware []Firmware
	Logs     []Log
	Problems []error
}

// serviceRoot is the part of /redfish/v1 read here.
type serviceRoot struct {
	Systems        Link `json:"Systems"`
	Chassis        Link `json:"Chassis"`
	Managers       Link `json:"Managers"`
	UpdateService  Link `json:"UpdateService"`
	RedfishVersion string
	Features       struct {
		Expand struct {
			Levels  bool `json:"Levels"`
			NoLinks bool `json:"NoLinks"`
		} `json:"ExpandQuery"`
		TopSkip bool `json:"TopSkipQuery"`
	} `json:"ProtocolFeaturesSupported"`
}

// Read reads the service: its managers, systems with their processors,
// memory, storage, network interfaces, GPUs and logs, chassis with power,
// thermal and network adapters, and the firmware inventory. The service
// root failing (or refusing the credentials) is an error; any other
// resource failing is a problem of the inventory.
func Read(ctx context.Context, c *Client) (*Inventory, error) {
	return ReadWith(ctx, c, ReadOptions{})
}

// ReadWith reads what changes from scan to scan — the managers, systems
// and chassis with their health, power, thermal readings and logs — and
// then the parts (processors, memory, storage, network, GPUs, the
// firmware inventory; Inventory.Parts) only when o.Parts says so: a BMC
// answers a request at a time, slowly, and an agent scanning every 30 s
// need not walk hundreds of resources whose health the systems' and
// chassis' HealthRollup already sums up. A log with a cursor in o.Logs is
// read from the cursor's entry on where the service can skip.
func ReadWith(ctx context.Context, c *Client, o ReadOptions) (*Inventory, error) {
	if err := c.Login(ctx); err != nil {
		return nil, err
	}
	defer c.Logout(context.WithoutCancel(ctx)) // a session is the BMC's to keep: give it back
	var root serviceRoot
	if err := c.Get(ctx, "/redfish/v1", &root); err != nil {
		return nil, err
	}
	r := &reader{ctx: ctx, c: c, inv: &Inventory{}, cursors: o.Logs, skip: root.Features.TopSkip}
	// A service that expands a collection's members in its answer saves
	// a request per member: a BMC answers slowly, one request at a time.
	r.expand = root.Features.Expand.Levels && root.Features.Expand.NoLinks
	r.inv.Managers = readAll[Manager](r, root.Managers)
	r.inv.Systems = readAll[System](r, root.Systems)
	r.inv.Chassis = readAll[Chassis](r, root.Chassis)
	if !o.PartsOnly {
		r.readings()
	}
	if r.unauthorized() {
		return nil, ErrUnauthorized
	}
	if !o.PartsOnly && o.Parts != nil && !o.Parts(r.inv) {
		return r.inv, nil
	}
	r.inv.Parts = true
	for i := range r.inv.Systems {
		s := &r.inv.Systems[i]
		s.Memory = readAll[Memory](r, s.MemoryLink)
		s.Processors = readAll[Processor](r, s.ProcessorsLink)
		s.Storage = readAll[Storage](r, s.StorageLink)
		for i := range s.Storage {
			s.Storage[i].Drives = readEach[Drive](r, s.Storage[i].DriveLinks)
		}
		s.SimpleStorage = readAll[SimpleStorage](r, s.SimpleStorageLink)
		s.Ethernet = readAll[EthernetInterface](r, s.EthernetLink)
		s.Graphics = readAll[GraphicsController](r, s.GraphicsLink)
	}
	for i := range r.inv.Chassis {
		r.inv.Chassis[i].Network = readAll[NetworkAdapter](r, r.inv.Chassis[i].NetworkLink)
	}
	if root.UpdateService.ID != "" {
		var us struct {
			FirmwareInventory Link `json:"FirmwareInventory"`
		}
		if err := c.Get(ctx, root.UpdateService.ID, &us); err != nil {
			r.problem(err)
		} else {
			r.inv.Firmware = readAll[Firmware](r, us.FirmwareInventory)
		}
	}
	if r.unauthorized() {
		return nil, ErrUnauthorized
	}
	return r.inv, nil
}

// readings reads what changes between two scans: the managers' and
// systems' logs, and each chassis' power and thermal readings.
func (r *reader) readings() {
	for _, m := range r.inv.Managers {
		r.logs(m.LogsLink)
	}
	for _, s := range r.inv.Systems {
		r.logs(s.LogsLink)
	}
	for i := range r.inv.Chassis {
		ch := &r.inv.Chassis[i]
		// The newer resources first: where a service keeps both, the
		// deprecated ones may be stale (DMTF's own mockup gives other
		// serials there). What the newer ones hold only in Sensors, a
		// request a sensor — the chassis' draw, its voltage rails, the
		// temperatures' thresholds — is still taken from the old ones,
		// one request each, where they are offered.
		switch {
		case ch.PowerSubsystemLink.ID != "":
			ch.Power = r.powerSubsystem(ch.PowerSubsystemLink)
			if ch.PowerLink.ID != "" {
				var old Power
				r.problem(r.c.Get(r.ctx, ch.PowerLink.ID, &old))
				ch.Power.PowerControl, ch.Power.Voltages = old.PowerControl, old.Voltages
			}
		case ch.PowerLink.ID != "":
			r.problem(r.c.Get(r.ctx, ch.PowerLink.ID, &ch.Power))
		}
		switch {
		case ch.ThermalSubsystemLink.ID != "":
			ch.Thermal = r.thermalSubsystem(ch.ThermalSubsystemLink)
			if ch.ThermalLink.ID != "" {
				var old Thermal
				r.problem(r.c.Get(r.ctx, ch.ThermalLink.ID, &old))
				ch.Thermal.Temperatures = old.Temperatures
			}
		case ch.ThermalLink.ID != "":
			r.problem(r.c.Get(r.ctx, ch.ThermalLink.ID, &ch.Thermal))
		}
	}
}

// reader reads one inventory, keeping the problems it meets.
type reader struct {
	ctx     context.Context
	c       *Client
	inv     *Inventory
	expand  bool // collections are read with $expand=.($levels=1)
	skip    bool // collections can be read from an offset ($skip)
	cursors map[string]Cursor
}

// unauthorized says whether the service refused the credentials.
func (r *reader) unauthorized() bool {
	return len(r.inv.Problems) > 0 && errors.Is(r.inv.Problems[0], ErrUnauthorized)
}

func (r *reader) problem(err error) {
	if err != nil {
		r.inv.Problems = append(r.inv.Problems, err)
	}
}

// stop says whether reading should end: the context is done, the
// service refused the credentials (every further request would be too),
// or the read reached its bound of requests.
func (r *reader) stop() bool {
	if err := r.ctx.Err(); err != nil {
		r.problem(err)
		return true
	}
	n := len(r.inv.Problems)
	return n > 0 && (errors.Is(r.inv.Problems[n-1], ErrUnauthorized) || errors.Is(r.inv.Problems[n-1], ErrTooManyRequests))
}

// readAll reads every member of a collection; an absent link is an
// empty collection. Members the service expanded in its answer are taken
// from it; the rest are read one by one.
func readAll[T any](r *reader, coll Link) []T {
	if coll.ID == "" || r.stop() {
		return nil
	}
	if !r.expand {
		members, err := r.c.Members(r.ctx, coll.ID)
		r.problem(err)
		return readEach[T](r, members)
	}
	var out []T
	var refs []Link
	err := r.c.pages(r.ctx, coll.ID+"?$expand=.($levels=1)", func(raw json.RawMessage) error {
		var m struct {
			Link
			Type string `json:"@odata.type"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		if m.Type == "" { // a reference: not expanded
			refs = append(refs, m.Link)
			return nil
		}
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("redfish %s: %w", m.ID, err)
		}
		out = append(out, v)
		return nil
	})
	r.problem(err)
	return append(out, readEach[T](r, refs)...)
}

// readEach reads the resources the links name, each once.
func readEach[T any](r *reader, links []Link) []T {
	var out []T
	seen := map[string]bool{}
	for _, m := range links {
		if seen[m.ID] || m.ID == "" {
			continue
		}
		seen[m.ID] = true
		if r.stop() {
			return out
		}
		var v T
		if err := r.c.Get(r.ctx, m.ID, &v); err != nil {
			r.problem(err)
			continue
		}
		out = append(out, v)
	}
	return out
}

// logs reads log services with their entries: all of them, or those
// from a log's cursor on where the service can skip to it and the entry
// there is still the cursor's (a log cleared or wrapped is read whole).
func (r *reader) logs(coll Link) {
	type service struct {
		Path    string `json:"@odata.id"`
		Name    string `json:"Name"`
		Entries Link   `json:"Entries"`
	}
	for _, svc := range readAll[service](r, coll) {
		l := Log{Path: svc.Path, Name: svc.Name}
		if svc.Entries.ID != "" {
			if cur, ok := r.cursors[svc.Path]; ok && r.skip && cur.Index > 0 {
				tail, err := r.entries(fmt.Sprintf("%s?$skip=%d", svc.Entries.ID, cur.Index))
				if err == nil && len(tail) > 0 && tail[0].ID == cur.ID && tail[0].Created == cur.Created {
					l.Entries, l.Offset = tail, cur.Index
					r.inv.Logs = append(r.inv.Logs, l)
					continue
				}
			}
			var err error
			l.Entries, err = r.entries(svc.Entries.ID)
			r.problem(err)
			l.Reversed = newestFirst(l.Entries)
			if l.Reversed {
				slices.Reverse(l.Entries)
			}
		}
		r.inv.Logs = append(r.inv.Logs, l)
	}
}

// newestFirst says whether a log lists its entries newest first, as some
// BMCs list their SEL: its first entry was created after its last.
func newestFirst(entries []LogEntry) bool {
	if len(entries) < 2 {
		return false
	}
	first, err1 := time.Parse(time.RFC3339, entries[0].Created)
	last, err2 := time.Parse(time.RFC3339, entries[len(entries)-1].Created)
	return err1 == nil && err2 == nil && first.After(last)
}

// entries reads a log's entries, page after page, from path.
func (r *reader) entries(path string) ([]LogEntry, error) {
	return decodePages[LogEntry](r.ctx, r.c, path)
}
