package redfish

import "strconv"

// powerSubsystem reads a chassis' PowerSubsystem, the resource newer
// services offer instead of Power, into what Power holds: each power
// supply, numbered in the collection's order as Power's MemberIds are,
// with its output from its metrics.
func (r *reader) powerSubsystem(link Link) Power {
	var sub struct {
		PowerSupplies Link `json:"PowerSupplies"`
	}
	if err := r.c.Get(r.ctx, link.ID, &sub); err != nil {
		r.problem(err)
		return Power{}
	}
	type reading struct {
		Reading *float64 `json:"Reading"`
	}
	type supply struct {
		PowerSupply      // the same properties, but for the output, in Metrics
		Metrics     Link `json:"Metrics"`
	}
	var p Power
	for i, s := range readAll[supply](r, sub.PowerSupplies) {
		ps := s.PowerSupply
		ps.MemberID = strconv.Itoa(i)
		if s.Metrics.ID != "" {
			var m struct {
				OutputPowerWatts reading `json:"OutputPowerWatts"`
			}
			if err := r.c.Get(r.ctx, s.Metrics.ID, &m); err != nil {
				r.problem(err)
			} else {
				ps.LastPowerOutputWatts = m.OutputPowerWatts.Reading
			}
		}
		p.PowerSupplies = append(p.PowerSupplies, ps)
	}
	return p
}

// thermalSubsystem reads a chassis' ThermalSubsystem, the resource newer
// services offer instead of Thermal, into what Thermal holds: each fan
// with its speed (in RPM where the fan reports it, else in percent) and
// the temperatures its metrics list.
func (r *reader) thermalSubsystem(link Link) Thermal {
	var sub struct {
		Fans           Link `json:"Fans"`
		ThermalMetrics Link `json:"ThermalMetrics"`
	}
	if err := r.c.Get(r.ctx, link.ID, &sub); err != nil {
		r.problem(err)
		return Thermal{}
	}
	type fan struct {
		Name         string `json:"Name"`
		Status       Status `json:"Status"`
		SpeedPercent struct {
			Reading  *float64 `json:"Reading"`
			SpeedRPM *float64 `json:"SpeedRPM"`
		} `json:"SpeedPercent"`
	}
	var t Thermal
	for _, f := range readAll[fan](r, sub.Fans) {
		out := Fan{Name: f.Name, Status: f.Status, Reading: f.SpeedPercent.SpeedRPM, ReadingUnits: "RPM"}
		if out.Reading == nil && f.SpeedPercent.Reading != nil {
			out.Reading, out.ReadingUnits = f.SpeedPercent.Reading, "Percent"
		}
		t.Fans = append(t.Fans, out)
	}
	if sub.ThermalMetrics.ID != "" {
		var m struct {
			Temperatures []struct {
				DeviceName string   `json:"DeviceName"`
				Reading    *float64 `json:"Reading"`
			} `json:"TemperatureReadingsCelsius"`
		}
		if err := r.c.Get(r.ctx, sub.ThermalMetrics.ID, &m); err != nil {
			r.problem(err)
		}
		for _, x := range m.Temperatures {
			if x.DeviceName != "" {
				t.Temperatures = append(t.Temperatures, Temperature{Name: x.DeviceName, ReadingCelsius: x.Reading})
			}
		}
	}
	return t
}
