package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/disk"
	"github.com/hwgraph/hwgraph/hwmon"
	"github.com/hwgraph/hwgraph/pcie"
	"github.com/hwgraph/hwgraph/topology"
)

// Hwmon puts the kernel's hardware-monitoring sensors on the parts they
// measure: coretemp and k10temp on their CPU package, a PCI device's chip
// (a GPU's, a NIC's, an NVMe controller's) on its function, an I²C
// client's (jc42, pmbus, lm75) on the client, the rest and chassis
// intrusion on the host. Readings are sensors (topology.Sensor), as the BMC's
// are; an alarm or fault degrades the part, a critical one or a reading
// past its critical limit fails it.
type Hwmon struct{}

func init() {
	register("hwmon", func(Options) Collector { return Hwmon{} })
}

// Name implements Collector.
func (Hwmon) Name() string { return "hwmon" }

// Reads implements Collector.
func (Hwmon) Reads() []capture.Read { return capture.Paths(hwmon.Files...) }

// Collect implements Collector.
func (Hwmon) Collect(_ context.Context, env Env) (*topology.Fragment, error) {
	chips, err := hwmon.ReadChips(env.Path("sys"))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(chips) == 0) {
		return nil, ErrAbsent
	}
	if err != nil {
		return nil, err
	}
	f := &topology.Fragment{}
	for _, c := range chips {
		for _, e := range c.Problems {
			f.Problem(e.Error())
		}
		target := f.Add(hwmonTarget(c, env.Path("sys")))
		chipName := c.Name
		if chipName == "" {
			chipName = c.Dir
		}
		for _, s := range c.Sensors {
			comp := target
			if s.Type == "intrusion" {
				comp = f.Add(&topology.Component{ID: topology.HostID, Kind: topology.KindHost})
			}
			addHwmonSensor(comp, chipName, c.Dir, s)
		}
	}
	return f, nil
}

// hwmonTarget is the component a chip measures, from the device it sits
// on.
func hwmonTarget(c hwmon.Chip, sysfs string) *topology.Component {
	dev := c.Device
	base := path.Base(dev)
	switch {
	case dev == "":
	case c.Name == "drivetemp":
		// A disk's own sensor, on the SCSI device: the disk by its ID.
		if d, ok := disk.ReadSCSIDisk(sysfs, dev); ok {
			return &topology.Component{ID: topology.DiskID(d.WWID, d.Vendor, d.Model, d.Serial, d.SCSI), Kind: topology.KindDisk}
		}
	case c.Name == "coretemp" && strings.HasPrefix(base, "coretemp."):
		// One platform device per package: coretemp.N is package N.
		if n, err := strconv.Atoi(strings.TrimPrefix(base, "coretemp.")); err == nil {
			return &topology.Component{ID: topology.PackageID(n), Kind: topology.KindCPUPackage}
		}
	case c.Name == "k10temp" || c.Name == "zenpower":
		// AMD's northbridge function of socket N is device 0x18+N.
		if a, err := pcie.ParseAddress(base); err == nil && a.Device >= 0x18 {
			return &topology.Component{ID: topology.PackageID(int(a.Device) - 0x18), Kind: topology.KindCPUPackage}
		}
	}
	elems := strings.Split(dev, "/")
	for i := len(elems) - 1; i >= 0 && dev != ""; i-- {
		if bus, addr, ok := i2cClient(elems[i]); ok && i == len(elems)-1 {
			return &topology.Component{ID: topology.I2CClientID(bus, addr)}
		}
		if _, err := pcie.ParseAddress(elems[i]); err == nil {
			return &topology.Component{ID: topology.PCIID(elems[i])}
		}
	}
	return &topology.Component{ID: topology.HostID, Kind: topology.KindHost}
}

// i2cClient parses an I²C client's folder name: "3-007c".
func i2cClient(name string) (bus int, addr uint16, ok bool) {
	b, a, found := strings.Cut(name, "-")
	if !found || len(a) != 4 {
		return 0, 0, false
	}
	n, err := strconv.Atoi(b)
	if err != nil {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(a, 16, 16)
	if err != nil {
		return 0, 0, false
	}
	return n, uint16(v), true
}

// addHwmonSensor records one sensor on c, "CHIP LABEL" with its unit and
// limits, and judges its alarms and its reading.
func addHwmonSensor(c *topology.Component, chip, dir string, s hwmon.Sensor) {
	label := s.Label
	if label == "" {
		label = s.ID()
	}
	name := topology.SensorName(chip + " " + label)
	if c.HasSensor(name) {
		name = topology.SensorName(fmt.Sprintf("%s %s (%s)", chip, s.ID(), dir))
	}
	rec := topology.Sensor{Name: name, UpperCritical: s.Crit, LowerCritical: s.LCrit, Max: s.Max, Min: s.Min}
	if s.Input != nil {
		rec.Value, rec.Unit = s.Input, s.Unit()
	}
	c.SetSensor(rec)
	reading := ""
	if s.Input != nil {
		reading = " " + strconv.FormatFloat(*s.Input, 'f', -1, 64) + " " + s.Unit()
	}
	for _, a := range s.Alarms {
		switch {
		case s.Type == "intrusion":
			c.Health.Mark(topology.StateDegraded, fmt.Sprintf("chassis intrusion (%s)", name))
		case a == "crit_alarm" || a == "lcrit_alarm" || a == "emergency_alarm":
			c.Health.Mark(topology.StateFailed, fmt.Sprintf("%s%s: %s", name, reading, strings.ReplaceAll(a, "_", " ")))
		case a == "fault":
			c.Health.Mark(topology.StateDegraded, fmt.Sprintf("%s: sensor fault", name))
		default:
			c.Health.Mark(topology.StateDegraded, fmt.Sprintf("%s%s: %s", name, reading, strings.ReplaceAll(a, "_", " ")))
		}
	}
	if s.Input == nil {
		return
	}
	if s.Crit != nil && *s.Crit > 0 && *s.Input >= *s.Crit {
		c.Health.Mark(topology.StateFailed, fmt.Sprintf("%s%s, at or past its critical %s", name, reading, strconv.FormatFloat(*s.Crit, 'f', -1, 64)))
	}
	if s.LCrit != nil && *s.Input <= *s.LCrit {
		c.Health.Mark(topology.StateFailed, fmt.Sprintf("%s%s, at or below its critical %s", name, reading, strconv.FormatFloat(*s.LCrit, 'f', -1, 64)))
	}
}
