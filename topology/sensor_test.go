package topology

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestSensorAttributes: a sensor is written as schema 1's attributes,
// each only where the source gave it, and read back by Readings; a
// limit without a reading is kept, and is no reading.
func TestSensorAttributes(t *testing.T) {
	v, crit, lo := 45.5, 90.0, 5.0
	c := &Component{ID: "host", Kind: KindHost}
	c.SetSensor(Sensor{Name: SensorName("coretemp Package id 0: x"), Value: &v, Unit: "degrees C", UpperCritical: &crit})
	c.SetSensor(Sensor{Name: "fan", LowerCritical: &lo})
	c.SetSensor(Sensor{Name: "System Power (DCMI)", Value: &v, Unit: "Watts", Extra: map[string]float64{"period_seconds": 1}})
	b, err := json.Marshal(c.Attrs)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"sensor:System Power (DCMI)":45.5,"sensor:System Power (DCMI):period_seconds":1,"sensor:System Power (DCMI):unit":"Watts",` +
		`"sensor:coretemp Package id 0  x":45.5,"sensor:coretemp Package id 0  x:unit":"degrees C","sensor:coretemp Package id 0  x:upper_critical":90,` +
		`"sensor:fan:lower_critical":5}`
	if string(b) != want {
		t.Errorf("attributes\n%s\nwant\n%s", b, want)
	}
	r := c.Readings()
	if len(r) != 2 || r[0].Name != "System Power (DCMI)" || r[1].Unit != "degrees C" || *r[1].Value != 45.5 || c.HasSensor("fan") || !c.HasSensor("System Power (DCMI)") {
		t.Errorf("readings %+v", r)
	}
	if !IsSensorAttr("sensor:fan:lower_critical") || IsSensorAttr("serial") {
		t.Error("IsSensorAttr")
	}
}

// TestSensorReadsBack: every sensor reads back whole as SetSensor wrote
// it, a limit without a reading too; one never set is not there.
func TestSensorReadsBack(t *testing.T) {
	v, crit, lo, hi := 45.5, 90.0, 5.0, 1.744
	c := &Component{ID: "host", Kind: KindHost}
	for _, s := range []Sensor{
		{Name: "coretemp Core 0", Value: &v, Unit: "degrees C", UpperCritical: &crit},
		{Name: "fan", LowerCritical: &lo},
		{Name: "in0", Value: &v, Unit: "Volts", Max: &hi, Min: &lo},
		{Name: "System Power (DCMI)", Value: &v, Unit: "Watts", Extra: map[string]float64{"period_seconds": 1, "average": 240}},
	} {
		c.SetSensor(s)
		if got, ok := c.Sensor(s.Name); !ok || !reflect.DeepEqual(got, s) {
			t.Errorf("%s: read back %+v, %v; want %+v", s.Name, got, ok, s)
		}
	}
	if s, ok := c.Sensor("coretemp Core 1"); ok {
		t.Errorf("a sensor never set: %+v", s)
	}
}
