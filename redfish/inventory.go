package redfish

import (
	"context"
	"encoding/json"
	"errors"
)

// Status is a resource's Status: its State (Enabled, Absent, …) and
// Health (OK, Warning, Critical).
type Status struct {
	State        string `json:"State"`
	Health       string `json:"Health"`
	HealthRollup string `json:"HealthRollup"`
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
	Memory       []Memory
}

// Memory is one DIMM slot.
type Memory struct {
	ID                string `json:"Id"`
	Name              string `json:"Name"`
	DeviceLocator     string `json:"DeviceLocator"`
	CapacityMiB       *int   `json:"CapacityMiB"`
	Manufacturer      string `json:"Manufacturer"`
	SerialNumber      string `json:"SerialNumber"`
	PartNumber        string `json:"PartNumber"`
	MemoryDeviceType  string `json:"MemoryDeviceType"`
	OperatingSpeedMhz *int   `json:"OperatingSpeedMhz"`
	Status            Status `json:"Status"`
}

// Chassis is an enclosure with its power and cooling (the Power and
// Thermal resources, which every service of the mockups still offers).
type Chassis struct {
	ID           string `json:"Id"`
	Manufacturer string `json:"Manufacturer"`
	Model        string `json:"Model"`
	SerialNumber string `json:"SerialNumber"`
	Status       Status `json:"Status"`
	PowerLink    Link   `json:"Power"`
	ThermalLink  Link   `json:"Thermal"`
	Power        Power
	Thermal      Thermal
}

// Power is a chassis' power supplies.
type Power struct {
	PowerSupplies []PowerSupply `json:"PowerSupplies"`
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
	Name         string   `json:"Name"`
	Reading      *float64 `json:"Reading"`
	ReadingUnits string   `json:"ReadingUnits"`
	Status       Status   `json:"Status"`
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
// first as services keep them.
type Log struct {
	// Path is the service's resource, its name among the host's logs.
	Path    string
	Name    string
	Entries []LogEntry
}

// LogEntry is one entry of a log.
type LogEntry struct {
	ID        string `json:"Id"`
	EntryType string `json:"EntryType"`
	Severity  string `json:"Severity"` // OK, Warning, Critical
	Created   string `json:"Created"`
	Message   string `json:"Message"`
	MessageID string `json:"MessageId"`
}

// Inventory is what Read found. Problems are the resources that could
// not be read; the rest still count.
type Inventory struct {
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
}

// Read reads the service: its managers, systems with their memory,
// chassis with power and thermal, and the firmware inventory. The service
// root failing (or refusing the credentials) is an error; any other
// resource failing is a problem of the inventory.
func Read(ctx context.Context, c *Client) (*Inventory, error) {
	if err := c.Login(ctx); err != nil {
		return nil, err
	}
	defer c.Logout(context.WithoutCancel(ctx)) // a session is the BMC's to keep: give it back
	var root serviceRoot
	if err := c.Get(ctx, "/redfish/v1", &root); err != nil {
		return nil, err
	}
	inv := &Inventory{}
	problem := func(err error) {
		if err != nil {
			inv.Problems = append(inv.Problems, err)
		}
	}
	each := func(coll Link, read func(path string) error) {
		if coll.ID == "" {
			return
		}
		members, err := c.Members(ctx, coll.ID)
		problem(err)
		if errors.Is(err, ErrUnauthorized) {
			return
		}
		for _, m := range members {
			if ctx.Err() != nil {
				problem(ctx.Err())
				return
			}
			problem(read(m.ID))
		}
	}
	each(root.Managers, func(p string) error {
		var m Manager
		err := c.Get(ctx, p, &m)
		if err == nil {
			inv.Managers = append(inv.Managers, m)
		}
		return err
	})
	each(root.Systems, func(p string) error {
		var s System
		if err := c.Get(ctx, p, &s); err != nil {
			return err
		}
		each(s.MemoryLink, func(p string) error {
			var m Memory
			err := c.Get(ctx, p, &m)
			if err == nil {
				s.Memory = append(s.Memory, m)
			}
			return err
		})
		each(s.LogsLink, func(p string) error {
			var svc struct {
				Name    string `json:"Name"`
				Entries Link   `json:"Entries"`
			}
			if err := c.Get(ctx, p, &svc); err != nil {
				return err
			}
			l := Log{Path: p, Name: svc.Name}
			if svc.Entries.ID != "" {
				err := c.pages(ctx, svc.Entries.ID, func(raw json.RawMessage) error {
					var e LogEntry
					if err := json.Unmarshal(raw, &e); err != nil {
						return err
					}
					l.Entries = append(l.Entries, e)
					return nil
				})
				problem(err)
			}
			inv.Logs = append(inv.Logs, l)
			return nil
		})
		inv.Systems = append(inv.Systems, s)
		return nil
	})
	each(root.Chassis, func(p string) error {
		var ch Chassis
		if err := c.Get(ctx, p, &ch); err != nil {
			return err
		}
		if ch.PowerLink.ID != "" {
			problem(c.Get(ctx, ch.PowerLink.ID, &ch.Power))
		}
		if ch.ThermalLink.ID != "" {
			problem(c.Get(ctx, ch.ThermalLink.ID, &ch.Thermal))
		}
		inv.Chassis = append(inv.Chassis, ch)
		return nil
	})
	if root.UpdateService.ID != "" {
		var us struct {
			FirmwareInventory Link `json:"FirmwareInventory"`
		}
		if err := c.Get(ctx, root.UpdateService.ID, &us); err != nil {
			problem(err)
		} else {
			each(us.FirmwareInventory, func(p string) error {
				var f Firmware
				err := c.Get(ctx, p, &f)
				if err == nil {
					inv.Firmware = append(inv.Firmware, f)
				}
				return err
			})
		}
	}
	if len(inv.Problems) > 0 && errors.Is(inv.Problems[0], ErrUnauthorized) {
		return nil, ErrUnauthorized
	}
	return inv, nil
}
