package topology

import (
	"bytes"
	"reflect"
	"testing"
)

// TestNVMeHealthRoundTrip: a health log reads back as it was written,
// from the graph and from its JSON (a fleet's view of an agent's graph).
func TestNVMeHealthRoundTrip(t *testing.T) {
	temp := 44.85
	want := NVMeHealth{TemperatureCelsius: &temp, CriticalWarning: 4, AvailableSparePercent: 57, AvailableSpareThresholdPercent: 10,
		PercentageUsed: 3, PowerOnHours: 20512, PowerCycles: 9, UnsafeShutdowns: 2, ErrorLogEntries: 1, DataUnitsRead: 1 << 40,
		DataUnitsWritten: 5, WarningTemperatureMinutes: 6, CriticalTemperatureMinutes: 7, MediaErrors: 8}
	c := &Component{ID: PCIID("0000:01:00.0"), Kind: KindNVMe}
	c.SetNVMeHealth(want)
	if got, ok := c.NVMeHealth(); !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v, %v; want %+v", got, ok, want)
	}
	var b bytes.Buffer
	if err := Render(&b, Build(&Fragment{Components: []*Component{c}}), "json"); err != nil {
		t.Fatal(err)
	}
	g, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := g.Component(c.ID)
	if got, ok := back.NVMeHealth(); !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("from JSON %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := (&Component{ID: PCIID("0000:02:00.0"), Kind: KindNVMe}).NVMeHealth(); ok {
		t.Error("a controller whose log was not read has one")
	}
}
