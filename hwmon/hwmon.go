// Package hwmon reads the kernel's hardware monitoring chips
// (/sys/class/hwmon): temperature, fan, voltage, current, power, energy
// and humidity sensors with their limits and alarms, and the device each
// chip sits on, so that a sensor can be shown on the part it measures.
// No library reads hwmon from an arbitrary root (ghw reads none of it,
// procfs only its labels), so the files are read here.
package hwmon

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// Chip is one hwmon device.
type Chip struct {
	Dir  string // "hwmon3"
	Name string // the name file: "coretemp", "nvme", "jc42"; "" when absent
	// Device is the real path of the device the chip reports for,
	// relative to sysfs ("devices/platform/coretemp.0"); "" when the
	// chip has no device link.
	Device  string
	Sensors []Sensor
	// Problems are attributes that exist but could not be read or parsed.
	Problems []error
}

// Sensor is one input of a chip: temp1, fan2, in0.
type Sensor struct {
	Type  string // temp, fan, in, curr, power, energy, humidity, intrusion
	Index int
	Label string // the label file, "" when absent
	// Input and the limits are in base units: degrees Celsius, RPM,
	// volts, amperes, watts, joules, and a ratio for humidity; nil when
	// the chip has no such file.
	Input                 *float64
	Min, Max, LCrit, Crit *float64
	Emergency             *float64
	// Alarms are the alarm and fault flags that are set ("alarm",
	// "crit_alarm", "fault", …).
	Alarms []string
}

// ID is the sensor's name in the kernel's files: "temp1".
func (s Sensor) ID() string { return s.Type + strconv.Itoa(s.Index) }

// Unit is the unit of Input, as IPMI names its units.
func (s Sensor) Unit() string { return units[s.Type].name }

// units are each sensor type's unit and the factor its files' values are
// divided by (Documentation/hwmon/sysfs-interface.rst).
var units = map[string]struct {
	name string
	div  float64
}{
	"temp": {"degrees C", 1000}, "in": {"Volts", 1000}, "curr": {"Amps", 1000},
	"power": {"Watts", 1e6}, "energy": {"Joules", 1e6}, "humidity": {"ratio", 1e6}, // milli-percent
	"fan": {"RPM", 1}, "intrusion": {"", 1},
}

// attrName is a sensor attribute's file name: type, index, property.
var attrName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(temp|fan|in|curr|power|energy|humidity|intrusion)([0-9]+)_([a-z_]+)$`)
})

// ReadChips reads every chip under <sysfs>/class/hwmon, sorted by its
// folder's number. A missing class is an fs.ErrNotExist-wrapped error.
func ReadChips(sysfs string) ([]Chip, error) {
	dir := filepath.Join(sysfs, "class", "hwmon")
	ents, err := sysfsattr.Numbered(dir, "hwmon")
	if err != nil {
		return nil, fmt.Errorf("read hwmon: %w", err)
	}
	out := make([]Chip, 0, len(ents))
	for _, e := range ents {
		out = append(out, readChip(sysfs, e.Path))
	}
	return out, nil
}

func readChip(sysfs, dir string) Chip {
	c := Chip{Dir: filepath.Base(dir)}
	d := sysfsattr.NewDir(dir)
	c.Name = strings.ToValidUTF8(d.Str("name"), "?")
	if real, err := sysfsattr.RealPath(filepath.Join(dir, "device")); err == nil {
		if sys, err := sysfsattr.RealPath(sysfs); err == nil {
			if rel, err := filepath.Rel(sys, real); err == nil && !strings.HasPrefix(rel, "..") {
				c.Device = rel
			}
		}
	}
	sensors := map[string]*Sensor{}
	// Drivers written before hwmon's own attributes keep the sensors in
	// the device's folder; both are read, as lm-sensors does.
	for _, folder := range []string{dir, filepath.Join(dir, "device")} {
		ents, err := sysfsattr.ReadDir(folder)
		if err != nil {
			if folder == dir {
				c.Problems = append(c.Problems, err)
			}
			continue
		}
		fd := sysfsattr.NewDir(folder)
		for _, e := range ents {
			m := attrName().FindStringSubmatch(e.Name)
			if m == nil || e.Type != 0 {
				continue
			}
			key := m[1] + m[2]
			s := sensors[key]
			if s == nil {
				n, _ := strconv.Atoi(m[2])
				s = &Sensor{Type: m[1], Index: n}
				sensors[key] = s
			}
			readProperty(fd, s, m[3], e.Name)
		}
		c.Problems = append(c.Problems, fd.Problems...)
	}
	for _, s := range sensors {
		sort.Strings(s.Alarms)
		c.Sensors = append(c.Sensors, *s)
	}
	sort.Slice(c.Sensors, func(i, j int) bool {
		a, b := c.Sensors[i], c.Sensors[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Index < b.Index
	})
	return c
}

// readProperty reads one attribute file of a sensor.
func readProperty(d *sysfsattr.Dir, s *Sensor, prop, file string) {
	switch {
	case prop == "label":
		s.Label = strings.ToValidUTF8(d.Str(file), "?")
	case prop == "alarm" || prop == "fault" || strings.HasSuffix(prop, "_alarm"):
		v, err := d.Read(file)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				d.Problem(err)
			}
			return
		}
		if v == "1" {
			s.Alarms = append(s.Alarms, prop)
		}
	default:
		dst := map[string]**float64{"input": &s.Input, "min": &s.Min, "max": &s.Max, "lcrit": &s.LCrit, "crit": &s.Crit, "emergency": &s.Emergency}[prop]
		if dst == nil {
			return // a property hwgraph does not show (beep, pulses, type, …)
		}
		v, err := d.Read(file)
		if err != nil {
			// A sensor that is not connected answers ENODATA or EIO;
			// it has no reading, and is not a problem of the chip.
			if !errors.Is(err, fs.ErrNotExist) && !isNoData(err) {
				d.Problem(err)
			}
			return
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			d.Problem(fmt.Errorf("parse %s/%s %q: %w", d.Path, file, sysfsattr.Excerpt(v), err))
			return
		}
		n /= units[s.Type].div
		*dst = &n
	}
}
