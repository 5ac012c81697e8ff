package topology

import (
	"maps"
	"slices"
	"strings"
)

// sensorPrefix starts a sensor's attributes (JSON schema 1):
// "sensor:NAME" is its reading, "sensor:NAME:unit" its unit, and
// "sensor:NAME:upper_critical", ":lower_critical", ":max", ":min" and
// the source's other numbers (":minimum", ":period_seconds") what the
// source says of it.
const sensorPrefix = "sensor:"

// Sensor is one reading on a component, with what its source says of it.
type Sensor struct {
	// Name is as the attribute holds it (SensorName makes one of a
	// source's label).
	Name string
	// Value is the reading; nil when the source gave none (then no unit
	// is recorded either).
	Value *float64
	Unit  string
	// The source's limits; nil where it gives none.
	UpperCritical, LowerCritical, Max, Min *float64
	// Extra are the source's other numbers, by attribute suffix: DCMI's
	// "minimum", "maximum", "average", "period_seconds".
	Extra map[string]float64
}

// SensorName is a source's label as a sensor's name: ':' separates a
// sensor's attributes, so it becomes a space.
func SensorName(label string) string { return strings.ReplaceAll(label, ":", " ") }

// SetSensor records s on c, each attribute the sensor has.
func (c *Component) SetSensor(s Sensor) {
	key := sensorPrefix + s.Name
	if s.Value != nil {
		c.SetAttr(key, *s.Value)
		if s.Unit != "" {
			c.SetAttr(key+":unit", s.Unit)
		}
	}
	for suffix, v := range map[string]*float64{":upper_critical": s.UpperCritical, ":lower_critical": s.LowerCritical, ":max": s.Max, ":min": s.Min} {
		if v != nil {
			c.SetAttr(key+suffix, *v)
		}
	}
	for suffix, v := range s.Extra {
		c.SetAttr(key+":"+suffix, v)
	}
}

// HasSensor reports whether c has a reading named name.
func (c *Component) HasSensor(name string) bool {
	_, ok := c.Attrs[sensorPrefix+name]
	return ok
}

// Sensor returns what c records of the sensor named name, as SetSensor
// wrote it: its reading (nil when none), unit, limits and other numbers;
// ok is false when c records nothing of it.
func (c *Component) Sensor(name string) (s Sensor, ok bool) {
	key := sensorPrefix + name
	s.Name = name
	number := func(k string) *float64 {
		if v, ok := Number(c.Attrs, k); ok {
			return &v
		}
		return nil
	}
	for k := range c.Attrs {
		if k == key {
			ok, s.Value, s.Unit = true, number(k), String(c.Attrs, k+":unit")
			continue
		}
		suffix, is := strings.CutPrefix(k, key+":")
		if !is || strings.Contains(suffix, ":") {
			continue
		}
		ok = true
		switch suffix {
		case "unit":
		case "upper_critical":
			s.UpperCritical = number(k)
		case "lower_critical":
			s.LowerCritical = number(k)
		case "max":
			s.Max = number(k)
		case "min":
			s.Min = number(k)
		default:
			if v := number(k); v != nil {
				if s.Extra == nil {
					s.Extra = map[string]float64{}
				}
				s.Extra[suffix] = *v
			}
		}
	}
	return s, ok
}

// Readings are c's sensor readings with their units, by name: the
// sensors with a value.
func (c *Component) Readings() []Sensor {
	var out []Sensor
	for _, k := range slices.Sorted(maps.Keys(c.Attrs)) {
		name, ok := strings.CutPrefix(k, sensorPrefix)
		if !ok || strings.Contains(name, ":") {
			continue
		}
		v, ok := Number(c.Attrs, k)
		if !ok {
			continue
		}
		out = append(out, Sensor{Name: name, Value: &v, Unit: String(c.Attrs, k+":unit")})
	}
	return out
}

// IsSensorAttr reports whether the attribute k is a sensor's: readings
// change every scan, so what compares scans leaves them out.
func IsSensorAttr(k string) bool { return strings.HasPrefix(k, sensorPrefix) }
