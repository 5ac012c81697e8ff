package collectors

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/redfish"
	"github.com/hwgraph/hwgraph/topology"
)

// redfishParts turns what the BMC reported into a fragment. The BMC, the
// host, power supplies and fans have IDs of their own; every other part is
// joined by identity (topology.Join) to the component the operating
// system's collectors made of it — a DIMM by serial, else by its slot; a
// drive, storage controller, GPU or network adapter by serial; an
// Ethernet interface by MAC address; a processor by serial, else by its
// socket's name — and what matches nothing stays below the BMC under its
// Redfish resource, saying why.
//
// It returns too the component each Redfish resource became, by path, so
// that a log entry about a resource lands on its part.
func redfishParts(inv *redfish.Inventory, url string) (*topology.Fragment, map[string]*topology.Component) {
	f := &topology.Fragment{}
	// Redfish path → the component made of it, for the firmware inventory.
	parts := map[string]*topology.Component{}
	for i, m := range inv.Managers {
		if m.ManagerType != "" && m.ManagerType != "BMC" || i > 0 {
			continue // one BMC: bmc:0
		}
		b := f.Add(&topology.Component{ID: topology.BMCID, Kind: topology.KindBMC, Name: "BMC", Parent: topology.HostID,
			Model: m.Model, Firmware: m.FirmwareVersion})
		b.SetAttr("redfish_url", url)
		judgeRedfish(b, m.Status)
		parts["/redfish/v1/Managers/"+m.ID] = b
	}
	for _, s := range inv.Systems {
		host := f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
		if s.BiosVersion != "" {
			host.SetAttr("bios_version", s.BiosVersion)
		}
		judgeRedfish(host, s.Status)
		parts["/redfish/v1/Systems/"+s.ID] = host
		addRedfishSystem(f, s, parts)
	}
	for _, ch := range inv.Chassis {
		addRedfishChassis(f, ch, parts)
	}
	// Each firmware entry on the part its RelatedItem names; the rest on
	// the BMC, which reported them.
	for _, fw := range inv.Firmware {
		if fw.Version == "" {
			continue
		}
		var on *topology.Component
		for _, rel := range fw.RelatedItem {
			if on = parts[rel.ID]; on != nil {
				break
			}
		}
		if on == nil {
			on = f.Add(&topology.Component{ID: topology.BMCID, Kind: topology.KindBMC, Name: "BMC", Parent: topology.HostID})
		}
		on.SetAttr("firmware:"+strings.ReplaceAll(fw.Name, ":", " "), fw.Version)
	}
	return f, parts
}

// redfishPart is a part the BMC reports, with its vendor, model and
// serial, to be joined by identity: it stays below the BMC under its
// Redfish resource (p.Path) when nothing matches.
func redfishPart(f *topology.Fragment, p redfish.Part, kind, name string, by ...topology.Key) *topology.Component {
	if name == "" {
		name = p.Path[strings.LastIndex(p.Path, "/")+1:] // services may leave Name out of a drive
	}
	c := f.Join(&topology.Component{ID: topology.RedfishID(p.Path), Kind: kind, Name: name, Parent: topology.BMCID,
		Vendor: p.Manufacturer, Model: p.Model, Serial: p.SerialNumber}, joinsKinds[kind], by...)
	c.SetAttr("redfish_path", p.Path)
	if p.Status.State != "" {
		c.SetAttr("redfish_state", p.Status.State)
	}
	judgeRedfish(c, p.Status)
	return c
}

// joinsKinds are the kinds of the operating system's components that a
// part of each kind the BMC reports may be: a drive is a disk or an NVMe
// controller (not the NVMe subsystem, which reports the same serial), a
// storage controller or a NIC a PCI function of that kind or one no
// driver named yet.
var joinsKinds = map[string][]string{
	topology.KindDisk:       {topology.KindDisk, topology.KindNVMe},
	topology.KindStorage:    {topology.KindStorage, topology.KindNVMe, topology.KindPCIFunction},
	topology.KindNIC:        {topology.KindNIC, topology.KindPCIFunction},
	topology.KindGPU:        {topology.KindGPU, topology.KindAccelerator, topology.KindPCIFunction},
	topology.KindCPUPackage: {topology.KindCPUPackage},
	topology.KindDIMM:       {topology.KindDIMM},
}

func bySerial(s string) topology.Key { return topology.Key{Field: "serial", Value: s} }

func addRedfishSystem(f *topology.Fragment, s redfish.System, parts map[string]*topology.Component) {
	for _, m := range s.Memory {
		if m.Status.State == "Absent" {
			continue // an empty slot: the memory collector's to show
		}
		loc := m.DeviceLocator
		if loc == "" {
			loc = m.ID
		}
		d := f.Join(&topology.Component{ID: topology.DIMMID(loc), Kind: topology.KindDIMM, Name: loc, Parent: topology.HostID,
			Vendor: m.Manufacturer, Model: m.PartNumber, Serial: m.SerialNumber}, joinsKinds[topology.KindDIMM], bySerial(m.SerialNumber))
		if m.CapacityMiB != nil {
			d.SetAttr("redfish_size_bytes", *m.CapacityMiB<<20)
		}
		if m.MemoryDeviceType != "" {
			d.SetAttr("redfish_type", m.MemoryDeviceType)
		}
		judgeRedfish(d, m.Status)
		parts[m.Path] = d
	}
	gpus := len(s.Graphics) > 0
	for _, p := range s.Processors {
		if p.Status.State == "Absent" || p.ProcessorType == "GPU" && gpus {
			continue // an empty socket; a GPU its graphics controller reports
		}
		kind := topology.KindAccelerator
		switch p.ProcessorType {
		case "CPU", "":
			kind = topology.KindCPUPackage
		case "GPU":
			kind = topology.KindGPU
		}
		c := redfishPart(f, p.Part, kind, p.Socket, bySerial(p.SerialNumber), topology.Key{Field: "socket", Value: p.Socket})
		if p.TotalCores != nil {
			c.SetAttr("redfish_cores", *p.TotalCores)
		}
		parts[p.Path] = c
	}
	for _, st := range s.Storage {
		ctrls := make([]*topology.Component, 0, len(st.Controllers))
		for i, sc := range st.Controllers {
			part := sc.Part
			part.Path = st.Path + "#/StorageControllers/" + strconv.Itoa(i)
			c := redfishPart(f, part, topology.KindStorage, sc.Name, bySerial(sc.SerialNumber))
			c.Firmware = sc.FirmwareVersion
			ctrls = append(ctrls, c)
		}
		for _, d := range st.Drives {
			if d.Status.State == "Absent" {
				continue
			}
			c := redfishPart(f, d.Part, topology.KindDisk, d.Name, bySerial(d.SerialNumber))
			c.Firmware = d.Revision
			if len(ctrls) == 1 {
				c.Parent = ctrls[0].ID
			}
			judgeDrive(c, d)
			parts[d.Path] = c
		}
		if len(ctrls) == 1 {
			parts[st.Path] = ctrls[0]
		}
	}
	for _, ss := range s.SimpleStorage {
		// No serials here: the controller and its devices stay below the BMC.
		ctrl := redfishPart(f, ss.Part, topology.KindStorage, ss.Name)
		parts[ss.Path] = ctrl
		for i, d := range ss.Devices {
			if d.Status.State == "Absent" {
				continue
			}
			part := d.Part
			part.Path = fmt.Sprintf("%s#/Devices/%d", ss.Path, i)
			c := redfishPart(f, part, topology.KindDisk, d.Name)
			c.Parent = ctrl.ID
			if d.CapacityBytes != nil {
				c.SetAttr("redfish_size_bytes", *d.CapacityBytes)
			}
		}
	}
	for _, e := range s.Ethernet {
		if e.Status.State == "Absent" {
			continue
		}
		name := e.Description
		if name == "" {
			name = e.Name
		}
		c := redfishPart(f, e.Part, topology.KindNIC, name,
			topology.Key{Field: "mac", Value: e.MACAddress}, topology.Key{Field: "mac", Value: e.PermanentMACAddress})
		c.SetAttr("redfish_mac", e.MACAddress)
		if e.LinkStatus != "" {
			c.SetAttr("redfish_link_status", e.LinkStatus)
		}
		if e.SpeedMbps != nil {
			c.SetAttr("redfish_speed_mbps", *e.SpeedMbps)
		}
	}
	for _, g := range s.Graphics {
		if g.Status.State == "Absent" {
			continue
		}
		c := redfishPart(f, g.Part, topology.KindGPU, g.Name, bySerial(g.SerialNumber))
		c.Firmware = g.BiosVersion
		parts[g.Path] = c
	}
}

func addRedfishChassis(f *topology.Fragment, ch redfish.Chassis, parts map[string]*topology.Component) {
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
	for _, pc := range ch.Power.PowerControl {
		if pc.PowerConsumedWatts != nil && pc.Name != "" && pc.Status.State != "Absent" {
			setSensor(host, pc.Name, *pc.PowerConsumedWatts, "Watts", nil)
		}
	}
	for _, v := range ch.Power.Voltages {
		if v.ReadingVolts == nil || v.Status.State == "Absent" || v.Status.State == "Disabled" {
			continue
		}
		setSensor(host, v.Name, *v.ReadingVolts, "Volts", v.UpperThresholdCritical)
		if lo := v.LowerThresholdCritical; lo != nil {
			host.SetSensor(topology.Sensor{Name: topology.SensorName(v.Name), LowerCritical: lo})
			if *v.ReadingVolts <= *lo {
				host.Health.Mark(topology.StateFailed, fmt.Sprintf("%s at %g Volts, at or below its critical %g", v.Name, *v.ReadingVolts, *lo))
			}
		}
	}
	for _, t := range ch.Thermal.Temperatures {
		if t.ReadingCelsius != nil && t.Status.State != "Absent" && t.Status.State != "Disabled" {
			setSensor(host, t.Name, *t.ReadingCelsius, "degrees C", t.UpperThresholdCritical)
		}
	}
	for _, fan := range ch.Thermal.Fans {
		if fan.Status.State == "Absent" || fan.Name == "" {
			continue // an empty fan bay: missing, if a scan had a fan there
		}
		c := f.Add(&topology.Component{ID: topology.FanID(fan.Name), Kind: topology.KindFan, Name: fan.Name, Parent: topology.HostID})
		if fan.Reading != nil && fan.Status.State != "Disabled" {
			setSensor(c, fan.Name, *fan.Reading, fanUnit(fan.ReadingUnits), nil)
			if lo := fan.LowerThresholdCritical; lo != nil {
				c.SetSensor(topology.Sensor{Name: topology.SensorName(fan.Name), LowerCritical: lo})
				if *fan.Reading <= *lo {
					c.Health.Mark(topology.StateFailed, fmt.Sprintf("%s at %g %s, at or below its critical %g", fan.Name, *fan.Reading, fanUnit(fan.ReadingUnits), *lo))
				}
			}
		}
		judgeRedfish(c, fan.Status)
	}
	for _, n := range ch.Network {
		if n.Status.State == "Absent" {
			continue
		}
		c := redfishPart(f, n.Part, topology.KindNIC, n.Model, bySerial(n.SerialNumber))
		if len(n.Controllers) > 0 {
			c.Firmware = n.Controllers[0].FirmwarePackageVersion
		}
		parts[n.Path] = c
	}
}

// judgeDrive marks a drive by what it predicts of itself.
func judgeDrive(c *topology.Component, d redfish.Drive) {
	if d.Protocol != "" {
		c.SetAttr("redfish_protocol", d.Protocol)
	}
	if d.MediaType != "" {
		c.SetAttr("redfish_media_type", d.MediaType)
	}
	if d.CapacityBytes != nil {
		c.SetAttr("redfish_size_bytes", *d.CapacityBytes)
	}
	if d.FailurePredicted != nil && *d.FailurePredicted {
		c.Health.Mark(topology.StateDegraded, "Redfish: the drive predicts its failure")
	}
	if l := d.PredictedMediaLifeLeftPercent; l != nil {
		c.SetAttr("redfish_media_life_left_percent", *l)
		if *l <= 0 {
			c.Health.Mark(topology.StateDegraded, "Redfish: media life used up")
		}
	}
}

// setSensor sets a sensor attribute, as the IPMI and hwmon collectors do,
// with its upper critical threshold.
func setSensor(c *topology.Component, name string, v float64, unit string, crit *float64) {
	c.SetSensor(topology.Sensor{Name: topology.SensorName(name), Value: &v, Unit: unit, UpperCritical: crit})
	if crit != nil {
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

// judgeRedfish marks a component by its Redfish Status, with the BMC's
// own words where its Conditions give them.
func judgeRedfish(c *topology.Component, st redfish.Status) {
	state := map[string]topology.State{"Warning": topology.StateDegraded, "Critical": topology.StateFailed}[st.Health]
	if state == "" {
		return
	}
	reason := "Redfish: Health " + st.Health
	var why []string
	for _, cond := range st.Conditions {
		if cond.Message != "" {
			why = append(why, cond.Message)
		}
	}
	if len(why) > 0 {
		reason += ": " + strings.Join(why, "; ")
	}
	c.Health.Mark(state, reason)
}
